//! Comparison sets, kept in the `usage` table's user partition as `set#{set_id}` items
//! (docs/data-model.md): one prompt's jobs on several models, created all or nothing.
use super::idempotency::EarlierUse;
use super::jobs::Reservation;
use super::owned::ReplayOr;
use super::{CreateOutcome, IdempotencyRecord, Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{CompareSet, Job, SetId, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

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
        let done = |o| Ok(ReplayOr::Done(o));
        let max = res.limit.0 - res.amount.0;
        if max < 0 {
            return done(CreateOutcome::QuotaExceeded);
        }
        let mut items = Vec::with_capacity(jobs.len() + 3);
        for job in jobs {
            let put = Put::builder()
                .table_name(&self.tables.jobs)
                .set_item(Some(serde_dynamo::to_item(job)?))
                .condition_expression("attribute_not_exists(job_id)")
                .build()
                .map_err(aws("build put"))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let reserve_at = items.len();
        items.push(self.reserve_item(&set.user_id, res)?);
        let mut starts_at = None;
        if let Some(w) = &res.starts {
            let count = jobs.len() as i64;
            if i64::from(w.max) < count {
                return done(CreateOutcome::TooManyStarts);
            }
            starts_at = Some(items.len());
            items.push(self.starts_item(&set.user_id, w, count)?);
        }
        let mut item: Item = serde_dynamo::to_item(set)?;
        item.insert("period".into(), s(format!("{PREFIX}{}", set.set_id)));
        let put_set = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        items.push(TransactWriteItem::builder().put(put_set).build());
        let set_at = items.len() - 1;
        let idem_at = items.len();
        if let Some(rec) = idem {
            items.push(self.claim_key_item(rec)?);
        }
        let codes = match super::transact(self, "create set", items).await? {
            Ok(()) => return done(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if let Some(rec) = idem.filter(|_| failed_at(&codes, idem_at)) {
            let EarlierUse::Made(made) = self.earlier_use(rec).await? else {
                return done(CreateOutcome::KeyConflict);
            };
            let id = SetId::parse(&made).ok_or_else(|| StoreError::Aws {
                op: "idempotency",
                source: "the key names no set".into(),
            })?;
            return match self.get_set(&set.user_id, &id).await? {
                Some(s) => Ok(ReplayOr::Replay(Box::new(s))),
                None => Err(StoreError::Aws {
                    op: "idempotency",
                    source: "set of key missing".into(),
                }),
            };
        }
        if failed_at(&codes, set_at) || failed_at(&codes, 0) {
            // An earlier try of this very transaction was applied (its answer lost).
            return done(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return done(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, reserve_at) {
            return done(CreateOutcome::QuotaExceeded);
        }
        Err(StoreError::Aws {
            op: "create set",
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    pub async fn get_set(&self, user: &UserId, id: &SetId) -> Result<Option<CompareSet>, StoreError> {
        self.get_owned(user, PREFIX, id.as_str(), "get set").await
    }

    /// A user's sets, newest first, `limit` at a time after the set id `after`.
    pub async fn list_sets(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<CompareSet>, Option<String>), StoreError> {
        self.list_owned(
            user,
            PREFIX,
            (limit, after),
            None,
            |x: &CompareSet| x.set_id.to_string(),
            "list sets",
        )
        .await
    }
}
