//! Visual stories, kept in the `usage` table's user partition as `story#{story_id}` items
//! (docs/data-model.md): one Seedream 4 job per story, created all or nothing.
use super::jobs::Reservation;
use super::owned::NewOwned;
use super::{IdempotencyRecord, Store, StoreError};
use crate::domain::{Job, Story, StoryId, UserId};

const PREFIX: &str = "story#";

/// What creating a story came to.
pub type StoryOutcome = super::owned::ReplayOr<Story>;

impl Store {
    /// Records the story and its queued job, reserves the job's estimate (every frame at its
    /// price) and claims the idempotency key (its record names the story), in one transaction.
    pub async fn create_story(
        &self,
        story: &Story,
        job: &Job,
        res: &Reservation,
        idem: Option<&IdempotencyRecord>,
    ) -> Result<StoryOutcome, StoreError> {
        let new = NewOwned {
            user: &story.user_id,
            prefix: PREFIX,
            id: story.story_id.as_str(),
            item: story,
            op: "create story",
        };
        self.create_owned(new, std::slice::from_ref(job), res, idem).await
    }

    pub async fn get_story(&self, user: &UserId, id: &StoryId) -> Result<Option<Story>, StoreError> {
        self.get_owned(user, PREFIX, id.as_str(), "get story").await
    }

    /// A user's stories, newest first, `limit` at a time after the story id `after`.
    pub async fn list_stories(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<Story>, Option<String>), StoreError> {
        self.list_owned(user, PREFIX, (limit, after), |x: &Story| x.story_id.to_string(), "list stories")
            .await
    }
}
