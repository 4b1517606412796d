//! Comparison sets, kept in the `usage` table's user partition as `set#{set_id}` items
//! (docs/data-model.md): one prompt's jobs on several models, created all or nothing.
use super::jobs::Reservation;
use super::{CreateOutcome, Item, Store, StoreError, aws, failed_at, s};
use crate::domain::{CompareSet, Job, SetId, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

const PREFIX: &str = "set#";

fn set_key(user: &UserId, id: &SetId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(format!("{PREFIX}{id}")))])
}

impl Store {
    /// Records the set and its queued jobs and reserves their summed estimate, in one
    /// transaction: either every job exists with its money held, or nothing was written.
    pub async fn create_set(&self, set: &CompareSet, jobs: &[Job], res: &Reservation) -> Result<CreateOutcome, StoreError> {
        let max = res.limit.0 - res.amount.0;
        if max < 0 {
            return Ok(CreateOutcome::QuotaExceeded);
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
                return Ok(CreateOutcome::TooManyStarts);
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
        let codes = match super::transact(self, "create set", items).await? {
            Ok(()) => return Ok(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if failed_at(&codes, set_at) || failed_at(&codes, 0) {
            // An earlier try of this very transaction was applied (its answer lost).
            return Ok(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return Ok(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, reserve_at) {
            return Ok(CreateOutcome::QuotaExceeded);
        }
        Err(StoreError::Aws {
            op: "create set",
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    pub async fn get_set(&self, user: &UserId, id: &SetId) -> Result<Option<CompareSet>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(set_key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get set"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// A user's sets, newest first, `limit` at a time after the set id `after`.
    pub async fn list_sets(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<CompareSet>, Option<String>), StoreError> {
        // BETWEEN is inclusive: the cursor's own item may come back and is skipped.
        let hi = match after {
            Some(a) => format!("{PREFIX}{a}"),
            None => format!("{PREFIX}\u{ffff}"),
        };
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.usage)
            .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":lo", s(PREFIX))
            .expression_attribute_values(":hi", s(hi))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit + 2)
            .send()
            .await
            .map_err(aws("list sets"))?;
        let mut sets: Vec<CompareSet> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?;
        sets.retain(|x| Some(x.set_id.as_str()) != after);
        let next = if sets.len() > limit as usize {
            sets.truncate(limit as usize);
            sets.last().map(|x| x.set_id.to_string())
        } else {
            None
        };
        Ok((sets, next))
    }
}
