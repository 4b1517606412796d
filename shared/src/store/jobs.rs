use super::idempotency::EarlierUse;
use super::{IdempotencyRecord, Item, Store, StoreError, aws, failed_at, n, s};
use crate::domain::{Job, JobId, Micros, UserId};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};

/// The money held back for a job until it settles, in the month `period` (YYYY-MM).
#[derive(Clone, Debug)]
pub struct Reservation {
    pub period: String,
    pub amount: Micros,
    pub limit: Micros,
    /// The user's share of job starts, counted in the same transaction.
    pub starts: Option<StartWindow>,
    /// For jobs whose outputs are stored: the user's storage limit in bytes, which must not be
    /// reached yet (checked in the same transaction; domain::storage).
    pub storage_limit: Option<u64>,
}

/// A per-user count of job starts in one window (a minute): at most `max`, kept until
/// `expires_at` (epoch seconds, the idempotency table's TTL) and keyed `rate#{sub}#{window}`.
#[derive(Clone, Debug)]
pub struct StartWindow {
    pub window: String,
    pub max: u32,
    pub expires_at: i64,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The month's committed spend plus this reservation would pass the limit. Nothing written.
    QuotaExceeded,
    /// The user already started their share of jobs in this window. Nothing written.
    TooManyStarts,
    /// The user's stored bytes reached their storage limit. Nothing written.
    StorageExceeded,
    /// The idempotency key was used before with the same body: that job.
    Replay(Box<Job>),
    /// The idempotency key was used before with a different body.
    KeyConflict,
}

pub(crate) fn key(user: &UserId, job: &JobId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("job_id".into(), s(job.as_str()))])
}

pub(crate) fn month_key(user: &UserId, period: &str) -> Item {
    Item::from([
        ("user_id".into(), s(user.as_str())),
        ("period".into(), s(format!("month#{period}"))),
    ])
}

impl Store {
    /// The transaction item that records a new job (fails when its id exists: an earlier try of
    /// the same transaction was applied).
    pub(super) fn put_new_job(&self, job: &Job) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.tables.jobs)
            .set_item(Some(serde_dynamo::to_item(job)?))
            .condition_expression("attribute_not_exists(job_id)")
            .build()
            .map_err(aws("build put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The transaction item that holds `res.amount` of the user's month, refused (condition
    /// failed) when the month would go over `res.limit`. Used by every create that reserves.
    pub(super) fn reserve_item(&self, user: &UserId, res: &Reservation) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(month_key(user, &res.period)))
            .update_expression("SET committed_micros = if_not_exists(committed_micros, :zero) + :amt")
            .condition_expression("attribute_not_exists(committed_micros) OR committed_micros <= :max")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":amt", n(res.amount.0))
            .expression_attribute_values(":max", n(res.limit.0 - res.amount.0))
            .build()
            .map_err(aws("build update"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Adds the check that the user has storage left, when `res` asks for it; its index.
    pub(super) fn push_storage_room(
        &self,
        items: &mut Vec<TransactWriteItem>,
        user: &UserId,
        res: &Reservation,
    ) -> Result<Option<usize>, StoreError> {
        let Some(limit) = res.storage_limit else { return Ok(None) };
        items.push(self.storage_room(user, limit)?);
        Ok(Some(items.len() - 1))
    }

    /// The transaction item that counts `count` job starts in the user's minute window,
    /// refused (condition failed) when the window would go over `w.max`.
    pub(super) fn starts_item(&self, user: &UserId, w: &StartWindow, count: i64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.tables.idempotency)
            .key("key", s(format!("rate#{}#{}", user.as_str(), w.window)))
            .update_expression("SET starts = if_not_exists(starts, :zero) + :k, expires_at = :exp")
            .condition_expression("attribute_not_exists(starts) OR starts <= :max")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":k", n(count))
            .expression_attribute_values(":max", n(i64::from(w.max) - count))
            .expression_attribute_values(":exp", n(w.expires_at))
            .build()
            .map_err(aws("build update"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
    /// Records a queued job, reserves its estimated cost against the month's limit and claims
    /// the idempotency key, all in one transaction: no race can overspend or double-create.
    pub async fn create_job(&self, job: &Job, res: &Reservation, idem: Option<&IdempotencyRecord>) -> Result<CreateOutcome, StoreError> {
        let max = res.limit.0 - res.amount.0;
        if max < 0 {
            return Ok(CreateOutcome::QuotaExceeded);
        }
        if res.storage_limit == Some(0) {
            return Ok(CreateOutcome::StorageExceeded);
        }
        let mut items = vec![self.put_new_job(job)?, self.reserve_item(&job.user_id, res)?];
        let starts_at = match &res.starts {
            Some(w) => {
                items.push(self.starts_item(&job.user_id, w, 1)?);
                Some(items.len() - 1)
            }
            None => None,
        };
        let storage_at = self.push_storage_room(&mut items, &job.user_id, res)?;
        let idem_at = items.len();
        if let Some(rec) = idem {
            items.push(self.claim_key_item(rec)?);
        }
        let codes = match super::transact(self, "create job", items).await? {
            Ok(()) => return Ok(CreateOutcome::Created),
            Err(codes) => codes,
        };
        if let Some(rec) = idem.filter(|_| failed_at(&codes, idem_at)) {
            let EarlierUse::Made(made) = self.earlier_use(rec).await? else {
                return Ok(CreateOutcome::KeyConflict);
            };
            let job_id = JobId::parse(&made).ok_or_else(|| StoreError::Aws {
                op: "idempotency",
                source: "bad job id".into(),
            })?;
            return match self.get_job(&job.user_id, &job_id).await? {
                Some(j) => Ok(CreateOutcome::Replay(Box::new(j))),
                None => Err(StoreError::Aws {
                    op: "idempotency",
                    source: "job of key missing".into(),
                }),
            };
        }
        if failed_at(&codes, 0) {
            // The job already exists: an earlier try of this very transaction was applied but
            // its answer was lost (the SDK retried a timeout). It is ours, and reserved once.
            return Ok(CreateOutcome::Created);
        }
        if starts_at.is_some_and(|i| failed_at(&codes, i)) {
            return Ok(CreateOutcome::TooManyStarts);
        }
        if failed_at(&codes, 1) {
            return Ok(CreateOutcome::QuotaExceeded);
        }
        if storage_at.is_some_and(|i| failed_at(&codes, i)) {
            return Ok(CreateOutcome::StorageExceeded);
        }
        Err(StoreError::Aws {
            op: "create job",
            source: format!("transaction cancelled: {codes:?}").into(),
        })
    }

    pub async fn get_job(&self, user: &UserId, id: &JobId) -> Result<Option<Job>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get job"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// A user's jobs, newest first, `limit` at a time after the job id `after`, and the job id
    /// to continue after (None: nothing follows). Follows `LastEvaluatedKey` (store::paging):
    /// a text job is up to ~40 KB, so a 1 MB Query page can hold fewer than `limit`.
    pub async fn list_jobs(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<Job>, Option<String>), StoreError> {
        let read = |start: Option<Item>, want: usize| {
            let mut q = self
                .ddb
                .query()
                .table_name(&self.tables.jobs)
                .scan_index_forward(false)
                .limit(want as i32)
                .expression_attribute_values(":u", s(user.as_str()))
                .set_exclusive_start_key(start);
            q = match after {
                Some(a) => q
                    .key_condition_expression("user_id = :u AND job_id < :a")
                    .expression_attribute_values(":a", s(a)),
                None => q.key_condition_expression("user_id = :u"),
            };
            async move {
                let out = q.send().await.map_err(aws("list jobs"))?;
                let jobs: Vec<Job> = out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(serde_dynamo::from_item)
                    .collect::<Result<_, _>>()?;
                Ok::<_, StoreError>((jobs, out.last_evaluated_key.filter(|k| !k.is_empty())))
            }
        };
        super::paging::read_page(limit.max(0) as usize, read, |j: &Job| j.job_id.to_string()).await
    }

    /// The job a Replicate prediction belongs to (index, then a consistent read).
    pub async fn find_job_by_prediction(&self, prediction_id: &str) -> Result<Option<Job>, StoreError> {
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.jobs)
            .index_name("by_prediction")
            .key_condition_expression("prediction_id = :p")
            .expression_attribute_values(":p", s(prediction_id))
            .limit(1)
            .send()
            .await
            .map_err(aws("find job by prediction"))?;
        let Some(item) = out.items.unwrap_or_default().into_iter().next() else {
            return Ok(None);
        };
        let j: Job = serde_dynamo::from_item(item)?;
        self.get_job(&j.user_id, &j.job_id).await
    }

    /// One page of unfinished jobs whose last change is older than `before` (RFC 3339), oldest
    /// first, and where the next page starts (None: no more).
    pub async fn list_stale_open_jobs(
        &self,
        before: &str,
        limit: i32,
        start: Option<Item>,
    ) -> Result<(Vec<Job>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.jobs)
            .index_name("open_jobs")
            .key_condition_expression("#open = :one AND updated_at < :before")
            .expression_attribute_names("#open", "open")
            .expression_attribute_values(":one", s("1"))
            .expression_attribute_values(":before", s(before))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("list stale jobs"))?;
        let next = out.last_evaluated_key.filter(|k| !k.is_empty());
        let jobs = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?;
        Ok((jobs, next))
    }

    /// Moves `updated_at` forward (the reconciler looked at the job), so it isn't picked again
    /// at once. Only while the job is unfinished.
    pub async fn touch_job(&self, job: &Job, now: &str) -> Result<(), StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET updated_at = :now")
            .condition_expression("attribute_exists(#open)")
            .expression_attribute_names("#open", "open")
            .expression_attribute_values(":now", s(now));
        super::write("touch job", || req.clone().send()).await?;
        Ok(())
    }
}
