use super::{IdempotencyRecord, Item, Store, StoreError, applied, aws, cancelled_conditions, n, s};
use crate::domain::{AssetId, Job, JobError, JobId, JobStatus, Micros, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

/// The money held back for a job until it settles, in the month `period` (YYYY-MM).
#[derive(Clone, Debug)]
pub struct Reservation {
    pub period: String,
    pub amount: Micros,
    pub limit: Micros,
}

#[derive(Debug)]
pub enum CreateOutcome {
    Created,
    /// The month's committed spend plus this reservation would pass the limit. Nothing written.
    QuotaExceeded,
    /// The idempotency key was used before with the same body: that job.
    Replay(Box<Job>),
    /// The idempotency key was used before with a different body.
    KeyConflict,
}

fn key(user: &UserId, job: &JobId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("job_id".into(), s(job.as_str()))])
}

pub(crate) fn month_key(user: &UserId, period: &str) -> Item {
    Item::from([
        ("user_id".into(), s(user.as_str())),
        ("period".into(), s(format!("month#{period}"))),
    ])
}

impl Store {
    /// Records a queued job, reserves its estimated cost against the month's limit and claims
    /// the idempotency key, all in one transaction: no race can overspend or double-create.
    pub async fn create_job(&self, job: &Job, res: &Reservation, idem: Option<&IdempotencyRecord>) -> Result<CreateOutcome, StoreError> {
        let max = res.limit.0 - res.amount.0;
        if max < 0 {
            return Ok(CreateOutcome::QuotaExceeded);
        }
        let put_job = Put::builder()
            .table_name(&self.tables.jobs)
            .set_item(Some(serde_dynamo::to_item(job)?))
            .condition_expression("attribute_not_exists(job_id)")
            .build()
            .map_err(aws("build put"))?;
        let reserve = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(month_key(&job.user_id, &res.period)))
            .update_expression("SET committed_micros = if_not_exists(committed_micros, :zero) + :amt")
            .condition_expression("attribute_not_exists(committed_micros) OR committed_micros <= :max")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":amt", n(res.amount.0))
            .expression_attribute_values(":max", n(max))
            .build()
            .map_err(aws("build update"))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put_job).build(),
            TransactWriteItem::builder().update(reserve).build(),
        ];
        if let Some(rec) = idem {
            let put = Put::builder()
                .table_name(&self.tables.idempotency)
                .set_item(Some(serde_dynamo::to_item(rec)?))
                .condition_expression("attribute_not_exists(#k)")
                .expression_attribute_names("#k", "key")
                .build()
                .map_err(aws("build put"))?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        match self.ddb.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(CreateOutcome::Created),
            Err(e) => {
                let Some(failed) = cancelled_conditions(&e) else {
                    return Err(aws("transact create job")(e));
                };
                if let Some(rec) = idem.filter(|_| failed.get(2).copied().unwrap_or(false)) {
                    let Some(prev) = self.get_idempotency(&rec.key).await? else {
                        return Err(StoreError::Aws {
                            op: "idempotency",
                            source: "key vanished".into(),
                        });
                    };
                    if prev.request_hash != rec.request_hash {
                        return Ok(CreateOutcome::KeyConflict);
                    }
                    let job_id = JobId::parse(&prev.job_id).ok_or_else(|| StoreError::Aws {
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
                if failed.get(1).copied().unwrap_or(false) {
                    return Ok(CreateOutcome::QuotaExceeded);
                }
                Err(aws("transact create job")(e))
            }
        }
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

    /// A user's jobs, newest first, `limit` at a time after the job id `after`.
    pub async fn list_jobs(&self, user: &UserId, limit: i32, after: Option<&str>) -> Result<(Vec<Job>, Option<String>), StoreError> {
        let mut q = self
            .ddb
            .query()
            .table_name(&self.tables.jobs)
            .scan_index_forward(false)
            .limit(limit + 1)
            .expression_attribute_values(":u", s(user.as_str()));
        q = match after {
            Some(a) => q
                .key_condition_expression("user_id = :u AND job_id < :a")
                .expression_attribute_values(":a", s(a)),
            None => q.key_condition_expression("user_id = :u"),
        };
        let out = q.send().await.map_err(aws("list jobs"))?;
        let mut jobs: Vec<Job> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?;
        let next = if jobs.len() > limit as usize {
            jobs.truncate(limit as usize);
            jobs.last().map(|j| j.job_id.to_string())
        } else {
            None
        };
        Ok((jobs, next))
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

    /// Takes the right to submit a queued job, unless someone holds a fresh claim or it was
    /// already submitted. A crashed worker's claim expires at `stale_before_ms`.
    pub async fn claim_job(&self, job: &Job, now_ms: i64, stale_before_ms: i64) -> Result<bool, StoreError> {
        let r = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET claimed_at = :now")
            .condition_expression(
                "#st = :queued AND attribute_not_exists(prediction_id) AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)",
            )
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":stale", n(stale_before_ms))
            .expression_attribute_values(":queued", s("queued"))
            .send()
            .await;
        applied("claim job", r)
    }

    pub async fn release_claim(&self, job: &Job) -> Result<(), StoreError> {
        self.ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("REMOVE claimed_at")
            .send()
            .await
            .map_err(aws("release claim"))?;
        Ok(())
    }

    /// Records the prediction id and moves the job to running.
    pub async fn mark_submitted(&self, job: &Job, prediction_id: &str, now: &str) -> Result<bool, StoreError> {
        let r = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET prediction_id = :p, #st = :running, updated_at = :now")
            .condition_expression("#st = :queued")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":p", s(prediction_id))
            .expression_attribute_values(":running", s("running"))
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":now", s(now))
            .send()
            .await;
        applied("mark submitted", r)
    }

    fn finish_job(&self, job: &Job, status: JobStatus, now: &str) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .condition_expression("#st IN (:queued, :running)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":running", s("running"))
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":now", s(now))
    }

    /// Marks the job succeeded with its assets and charges the real cost, exactly once: the
    /// job update is conditioned on the job being unfinished, in the same transaction as the
    /// usage records. Returns false when it was already settled.
    pub async fn settle_success(&self, job: &Job, asset_ids: &[AssetId], cost: Micros, now: &str, day: &str) -> Result<bool, StoreError> {
        let ids = AttributeValue::L(asset_ids.iter().map(|a| s(a.as_str())).collect());
        let upd_job = self
            .finish_job(job, JobStatus::Succeeded, now)
            .update_expression("SET #st = :status, updated_at = :now, asset_ids = :ids, cost_micros = :cost REMOVE #open, claimed_at")
            .expression_attribute_names("#open", "open")
            .expression_attribute_values(":ids", ids)
            .expression_attribute_values(":cost", n(cost.0))
            .build()
            .map_err(aws("build update"))?;
        let month = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(month_key(&job.user_id, &job.quota_period)))
            .update_expression("ADD committed_micros :delta, spent_micros :cost, #c :one")
            .expression_attribute_names("#c", "count")
            .expression_attribute_values(":delta", n(cost.0 - job.estimated_micros.0))
            .expression_attribute_values(":cost", n(cost.0))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(aws("build update"))?;
        let daily = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(Item::from([
                ("user_id".into(), s(job.user_id.as_str())),
                ("period".into(), s(format!("day#{day}#{}", job.model))),
            ])))
            .update_expression("SET model = :m, #d = :day ADD usd_micros :cost, #c :one")
            .expression_attribute_names("#c", "count")
            .expression_attribute_names("#d", "date")
            .expression_attribute_values(":m", s(&job.model))
            .expression_attribute_values(":day", s(day))
            .expression_attribute_values(":cost", n(cost.0))
            .expression_attribute_values(":one", n(1))
            .build()
            .map_err(aws("build update"))?;
        self.transact_settle(vec![upd_job, month, daily]).await
    }

    /// Marks the job failed or canceled and releases its reservation, exactly once.
    pub async fn settle_failure(&self, job: &Job, status: JobStatus, error: &JobError, now: &str) -> Result<bool, StoreError> {
        let upd_job = self
            .finish_job(job, status, now)
            .update_expression("SET #st = :status, updated_at = :now, #err = :err REMOVE #open, claimed_at")
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#err", "error")
            .expression_attribute_values(":err", serde_dynamo::to_attribute_value(error)?)
            .build()
            .map_err(aws("build update"))?;
        let release = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(month_key(&job.user_id, &job.quota_period)))
            .update_expression("ADD committed_micros :neg")
            .expression_attribute_values(":neg", n(-job.estimated_micros.0))
            .build()
            .map_err(aws("build update"))?;
        self.transact_settle(vec![upd_job, release]).await
    }

    async fn transact_settle(&self, updates: Vec<Update>) -> Result<bool, StoreError> {
        let items = updates
            .into_iter()
            .map(|u| TransactWriteItem::builder().update(u).build())
            .collect();
        match self.ddb.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => Ok(true),
            Err(e) => match cancelled_conditions(&e) {
                Some(failed) if failed.first().copied().unwrap_or(false) => Ok(false),
                _ => Err(aws("transact settle")(e)),
            },
        }
    }

    /// Unfinished jobs whose last change is older than `before` (RFC 3339), oldest first.
    pub async fn list_stale_open_jobs(&self, before: &str, limit: i32) -> Result<Vec<Job>, StoreError> {
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
            .send()
            .await
            .map_err(aws("list stale jobs"))?;
        Ok(out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<_, _>>()?)
    }

    /// Moves `updated_at` forward (the reconciler re-queued the job), so it isn't picked again at once.
    pub async fn touch_job(&self, job: &Job, now: &str) -> Result<(), StoreError> {
        self.ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET updated_at = :now")
            .condition_expression("attribute_exists(job_id)")
            .expression_attribute_values(":now", s(now))
            .send()
            .await
            .map_err(aws("touch job"))?;
        Ok(())
    }
}
