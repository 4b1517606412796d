//! Things a user owns that live in the `usage` table's user partition under a sort-key prefix
//! (`set#{id}`, `story#{id}`, `board#{id}`; docs/data-model.md): read by key, listed newest
//! first by a range on the prefix. One reading of that layout for comparison sets, stories and
//! boards.
use super::idempotency::EarlierUse;
use super::jobs::Reservation;
use super::{CreateOutcome, IdempotencyRecord, Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{Job, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// What creating a thing of several items (a story, a set) with an Idempotency-Key came to.
pub enum ReplayOr<T> {
    /// Created, refused (quota, starts) or a key conflict: as for any job.
    Done(super::CreateOutcome),
    /// The Idempotency-Key made this before, with the same request.
    Replay(Box<T>),
}

/// The item key of `{prefix}{id}` in `user`'s partition.
pub(crate) fn key(user: &UserId, prefix: &str, id: &str) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(format!("{prefix}{id}")))])
}

/// A thing a user owns that its create writes with its queued jobs (a comparison set, a story).
pub(crate) struct NewOwned<'a, T> {
    pub user: &'a UserId,
    pub prefix: &'static str,
    pub id: &'a str,
    pub item: &'a T,
    /// For errors and logs: "create set".
    pub op: &'static str,
}

impl Store {
    /// Records `new.item` as `{prefix}{id}` with its queued `jobs`, reserves their summed
    /// estimate, counts them as starts and claims the Idempotency-Key (whose record names the
    /// item), in one transaction: either all of it is written, or nothing. A replay of the key
    /// with the same request is the item it made before.
    pub(crate) async fn create_owned<T: Serialize + DeserializeOwned>(
        &self,
        new: NewOwned<'_, T>,
        jobs: &[Job],
        res: &Reservation,
        idem: Option<&IdempotencyRecord>,
    ) -> Result<ReplayOr<T>, StoreError> {
        let done = |o| Ok(ReplayOr::Done(o));
        if res.limit.0 - res.amount.0 < 0 {
            return done(CreateOutcome::QuotaExceeded);
        }
        if res.storage_limit == Some(0) {
            return done(CreateOutcome::StorageExceeded);
        }
        let mut items = Vec::with_capacity(jobs.len() + 4);
        for job in jobs {
            items.push(self.put_new_job(job)?);
        }
        let reserve_at = items.len();
        items.push(self.reserve_item(new.user, res)?);
        let mut starts_at = None;
        if let Some(w) = &res.starts {
            let count = jobs.len() as i64;
            if i64::from(w.max) < count {
                return done(CreateOutcome::TooManyStarts);
            }
            starts_at = Some(items.len());
            items.push(self.starts_item(new.user, w, count)?);
        }
        let storage_at = self.push_storage_room(&mut items, new.user, res)?;
        let mut item: Item = serde_dynamo::to_item(new.item)?;
        item.insert("period".into(), s(format!("{}{}", new.prefix, new.id)));
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        items.push(TransactWriteItem::builder().put(put).build());
        let item_at = items.len() - 1;
        let idem_at = items.len();
        if let Some(rec) = idem {
            items.push(self.claim_key_item(rec)?);
        }
        let codes = match super::transact(self, new.op, items).await? {
            Ok(()) => return done(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if let Some(rec) = idem.filter(|_| failed_at(&codes, idem_at)) {
            let EarlierUse::Made(made) = self.earlier_use(rec).await? else {
                return done(CreateOutcome::KeyConflict);
            };
            return match self.get_owned(new.user, new.prefix, &made, new.op).await? {
                Some(earlier) => Ok(ReplayOr::Replay(Box::new(earlier))),
                None => Err(StoreError::Aws {
                    op: "idempotency",
                    source: format!("{}{made} named by the key is missing", new.prefix).into(),
                }),
            };
        }
        if failed_at(&codes, item_at) || failed_at(&codes, 0) {
            // An earlier try of this very transaction was applied (its answer lost).
            return done(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return done(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, reserve_at) {
            return done(CreateOutcome::QuotaExceeded);
        }
        if storage_at.is_some_and(|i| failed_at(&codes, i)) {
            return done(CreateOutcome::StorageExceeded);
        }
        Err(StoreError::Aws {
            op: new.op,
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    /// The user's `{prefix}{id}` item, read consistently (another user's is a miss).
    pub(crate) async fn get_owned<T: DeserializeOwned>(
        &self,
        user: &UserId,
        prefix: &str,
        id: &str,
        op: &'static str,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, prefix, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws(op))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// The user's items under `prefix`, newest first (ids are ULIDs), `limit` at a time after
    /// the id `after`; the second value is the id to continue after, when there is more.
    /// Follows `LastEvaluatedKey` (store::paging): a 1 MB Query page can hold fewer than
    /// `limit` items (a set or story is small, but the code does not rely on it).
    pub(crate) async fn list_owned<T: DeserializeOwned>(
        &self,
        user: &UserId,
        prefix: &str,
        page: (i32, Option<&str>),
        id_of: impl Fn(&T) -> String,
        op: &'static str,
    ) -> Result<(Vec<T>, Option<String>), StoreError> {
        let (limit, after) = page;
        // BETWEEN is inclusive: the cursor's own item may come back and is skipped.
        let hi = match after {
            Some(a) => format!("{prefix}{a}"),
            None => format!("{prefix}\u{ffff}"),
        };
        let id_of = &id_of;
        let read = |start: Option<Item>, want: usize| {
            let q = self
                .ddb
                .query()
                .table_name(&self.tables.usage)
                .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
                .expression_attribute_values(":u", s(user.as_str()))
                .expression_attribute_values(":lo", s(prefix))
                .expression_attribute_values(":hi", s(&hi))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit((want + usize::from(after.is_some())) as i32)
                .set_exclusive_start_key(start);
            async move {
                let out = q.send().await.map_err(aws(op))?;
                let mut items: Vec<T> = out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(serde_dynamo::from_item)
                    .collect::<Result<_, _>>()?;
                items.retain(|x| Some(id_of(x).as_str()) != after);
                Ok::<_, StoreError>((items, out.last_evaluated_key.filter(|k| !k.is_empty())))
            }
        };
        super::paging::read_page(limit.max(0) as usize, read, id_of).await
    }
}
