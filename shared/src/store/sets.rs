//! Comparison sets, kept in the `usage` table's user partition as `set#{set_id}` items
//! (docs/data-model.md): one prompt's jobs on several models, created all or nothing.
use super::jobs::Reservation;
use super::owned::{NewOwned, ReplayOr};
use super::{IdempotencyRecord, Store, StoreError};
use crate::domain::{CompareSet, Job, SetId, UserId};

const PREFIX: &str = "set#";

/// What creating a set came to.
pub type SetOutcome = ReplayOr<CompareSet>;

impl Store {
    /// Records the set and its queued jobs and reserves their summed estimate, in one
    /// transaction: either every job exists with its money held, or nothing was written.
    pub async fn create_set(
        &self,
        set: &CompareSet,
        jobs: &[Job],
        res: &Reservation,
        idem: Option<&IdempotencyRecord>,
    ) -> Result<SetOutcome, StoreError> {
        let new = NewOwned {
            user: &set.user_id,
            prefix: PREFIX,
            id: set.set_id.as_str(),
            item: set,
            op: "create set",
        };
        self.create_owned(new, jobs, res, idem).await
    }

    pub async fn get_set(&self, user: &UserId, id: &SetId) -> Result<Option<CompareSet>, StoreError> {
        self.get_owned(user, PREFIX, id.as_str(), "get set").await
    }

    /// A user's sets, newest first, `limit` at a time after the set id `after`.
    pub async fn list_sets(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<CompareSet>, Option<String>), StoreError> {
        self.list_owned(user, PREFIX, (limit, after), |x: &CompareSet| x.set_id.to_string(), "list sets")
            .await
    }
}
