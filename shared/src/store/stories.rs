//! Visual stories, kept in the `usage` table's user partition as `story#{story_id}` items
//! (docs/data-model.md): one Seedream 4 job per story, created all or nothing.
use super::idempotency::EarlierUse;
use super::jobs::Reservation;
use super::{CreateOutcome, IdempotencyRecord, Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{Job, Story, StoryId, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

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
        let done = |o| Ok(StoryOutcome::Done(o));
        if res.limit.0 - res.amount.0 < 0 {
            return done(CreateOutcome::QuotaExceeded);
        }
        let put_job = Put::builder()
            .table_name(&self.tables.jobs)
            .set_item(Some(serde_dynamo::to_item(job)?))
            .condition_expression("attribute_not_exists(job_id)")
            .build()
            .map_err(aws("build put"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_job).build(),
            self.reserve_item(&story.user_id, res)?,
        ];
        let mut starts_at = None;
        if let Some(w) = &res.starts {
            starts_at = Some(items.len());
            items.push(self.starts_item(&story.user_id, w, 1)?);
        }
        let mut item: Item = serde_dynamo::to_item(story)?;
        item.insert("period".into(), s(format!("{PREFIX}{}", story.story_id)));
        let put_story = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        items.push(TransactWriteItem::builder().put(put_story).build());
        let story_at = items.len() - 1;
        let idem_at = items.len();
        if let Some(rec) = idem {
            items.push(self.claim_key_item(rec)?);
        }
        let codes = match super::transact(self, "create story", items).await? {
            Ok(()) => return done(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if let Some(rec) = idem.filter(|_| failed_at(&codes, idem_at)) {
            let EarlierUse::Made(made) = self.earlier_use(rec).await? else {
                return done(CreateOutcome::KeyConflict);
            };
            let id = StoryId::parse(&made).ok_or_else(|| StoreError::Aws {
                op: "idempotency",
                source: "the key names no story".into(),
            })?;
            return match self.get_story(&story.user_id, &id).await? {
                Some(s) => Ok(StoryOutcome::Replay(Box::new(s))),
                None => Err(StoreError::Aws {
                    op: "idempotency",
                    source: "story of key missing".into(),
                }),
            };
        }
        if failed_at(&codes, story_at) || failed_at(&codes, 0) {
            // An earlier try of this very transaction was applied (its answer lost).
            return done(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return done(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, 1) {
            return done(CreateOutcome::QuotaExceeded);
        }
        Err(StoreError::Aws {
            op: "create story",
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    pub async fn get_story(&self, user: &UserId, id: &StoryId) -> Result<Option<Story>, StoreError> {
        self.get_owned(user, PREFIX, id.as_str(), "get story").await
    }

    /// A user's stories, newest first, `limit` at a time after the story id `after`.
    pub async fn list_stories(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<Story>, Option<String>), StoreError> {
        self.list_owned(
            user,
            PREFIX,
            (limit, after),
            None,
            |x: &Story| x.story_id.to_string(),
            "list stories",
        )
        .await
    }
}
