//! Finishing a job: exactly once, in one transaction with its money. The job update is
//! conditioned on the job being unfinished, so a second settle (a duplicate webhook, the
//! reconciler) changes nothing.
use super::jobs::{key, month_key};
use super::{Item, Store, StoreError, aws, failed_at, n, s};
use crate::billing::{LedgerEntry, ProviderRecord};
use crate::domain::{AssetId, Job, JobError, JobStatus, Micros};
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

/// Who fails a job: once the provider's success is recorded ([`Store::record_outputs`]), only
/// the copy of its outputs may.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedBy {
    /// A webhook, the reconciler, a cancel, a submission.
    Settle,
    /// The copy of recorded outputs (service::copy).
    Copy,
}

impl Store {
    pub(crate) fn finish_job(&self, job: &Job, status: JobStatus, now: &str) -> UpdateBuilder {
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

    /// Records what a succeeded prediction delivered, before its copy: `provider_status`,
    /// `output_urls` and its bill (`provider`, which the copy's settle counts) on the job, and
    /// `updated_at` (the reconciler leaves it alone for a while). Only while the job is
    /// unfinished and runs as this prediction; false otherwise.
    pub async fn record_outputs(
        &self,
        job: &Job,
        prediction_id: &str,
        urls: &[String],
        billed: &ProviderRecord,
        now: &str,
    ) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET provider_status = :succeeded, output_urls = :urls, provider = :prov, updated_at = :now")
            .condition_expression("#st IN (:queued, :running) AND prediction_id = :p")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":running", s("running"))
            .expression_attribute_values(":succeeded", s("succeeded"))
            .expression_attribute_values(":p", s(prediction_id))
            .expression_attribute_values(":urls", AttributeValue::L(urls.iter().map(s).collect()))
            .expression_attribute_values(":prov", serde_dynamo::to_attribute_value(billed)?)
            .expression_attribute_values(":now", s(now));
        super::write("record outputs", || req.clone().send()).await
    }

    /// Marks the job succeeded with its assets and charges `cost`, exactly once. The charge is
    /// never more than the job's reservation: the caller caps it, and the transaction refuses
    /// a larger one. Returns false when the job was already finished. The month charged and the
    /// day item are both those of the job's creation ([`usage_day`]), so the usage report and
    /// the spend meter count a job in the same month however late it settles. `billed` (what the
    /// provider billed for the prediction) is stored on the job and added to the operator's
    /// ledger in the same transaction, and so is the job's run time to its model's month
    /// (store/run_times.rs).
    pub async fn settle_success(
        &self,
        job: &Job,
        asset_ids: &[AssetId],
        cost: Micros,
        billed: &ProviderRecord,
        now: &str,
    ) -> Result<bool, StoreError> {
        self.settle_success_with(job, asset_ids, &[], cost, billed, now).await
    }

    /// [`Store::settle_success`] of a text job: its cleaned proposals are stored on it.
    pub async fn settle_text_success(
        &self,
        job: &Job,
        texts: &[String],
        cost: Micros,
        billed: &ProviderRecord,
        now: &str,
    ) -> Result<bool, StoreError> {
        self.settle_success_with(job, &[], texts, cost, billed, now).await
    }

    async fn settle_success_with(
        &self,
        job: &Job,
        asset_ids: &[AssetId],
        texts: &[String],
        cost: Micros,
        billed: &ProviderRecord,
        now: &str,
    ) -> Result<bool, StoreError> {
        let day = &usage_day(job);
        if cost.0 > job.estimated_micros.0 || cost.0 < 0 {
            return Err(StoreError::Aws {
                op: "settle",
                source: format!("charge {} is outside the reservation {}", cost.0, job.estimated_micros.0).into(),
            });
        }
        let ids = AttributeValue::L(asset_ids.iter().map(|a| s(a.as_str())).collect());
        let mut upd_job = self
            .finish_job(job, JobStatus::Succeeded, now)
            .condition_expression("#st IN (:queued, :running) AND estimated_micros >= :cost")
            .expression_attribute_names("#open", "open")
            .expression_attribute_values(":ids", ids)
            .expression_attribute_values(":cost", n(cost.0))
            .expression_attribute_values(":prov", serde_dynamo::to_attribute_value(billed)?);
        upd_job = if texts.is_empty() {
            upd_job.update_expression(
                "SET #st = :status, updated_at = :now, asset_ids = :ids, cost_micros = :cost, provider = :prov REMOVE #open, claimed_at",
            )
        } else {
            upd_job
                .update_expression(
                    "SET #st = :status, updated_at = :now, asset_ids = :ids, cost_micros = :cost, provider = :prov, texts = :texts REMOVE #open, claimed_at",
                )
                .expression_attribute_values(":texts", AttributeValue::L(texts.iter().map(|t| s(t.as_str())).collect()))
        };
        let upd_job = upd_job.build().map_err(aws("build update"))?;
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
        let ledger = self.ledger_update(job, &LedgerEntry::settled(true, cost, billed))?;
        let mut items = vec![upd_job, month, daily, ledger];
        // The model's measured run time (billing::runtime), counted once with the job.
        if let Some(ms) = crate::billing::run_ms(&job.created_at, now) {
            items.push(self.run_time_update(job, ms)?);
        }
        let done = self.finish_transaction("settle success", items).await?;
        if done {
            crate::metrics::job_settled(job, JobStatus::Succeeded, cost, Some(billed));
        }
        Ok(done)
    }

    /// Marks a queued job that no prediction runs as canceled (the user's cancel) and releases
    /// its reservation. False when it is no longer queued or a prediction was recorded
    /// meanwhile: re-read it. A worker mid-create then finds the job finished and cancels the
    /// prediction it made (service::submit).
    pub async fn cancel_queued(&self, job: &Job, error: &JobError, now: &str) -> Result<bool, StoreError> {
        let upd_job = self.finish_queued_job(
            job,
            JobStatus::Canceled,
            error,
            now,
            "#st = :queued AND attribute_not_exists(prediction_id)",
        )?;
        self.finish_with_release(job, JobStatus::Canceled, upd_job, "cancel queued job", None)
            .await
    }

    /// Finishes a job that is still queued under `condition` (which may use `#st` and
    /// `:queued`), with `error`. Not finish_job: its `:running` would be an unused value, and
    /// DynamoDB refuses a request with one (moto does not; the local launcher does).
    pub(crate) fn finish_queued_job(
        &self,
        job: &Job,
        status: JobStatus,
        error: &JobError,
        now: &str,
        condition: &str,
    ) -> Result<UpdateBuilder, StoreError> {
        Ok(Update::builder()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET #st = :status, updated_at = :now, #err = :err REMOVE #open, claimed_at")
            .condition_expression(condition)
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":status", s(status.as_str()))
            .expression_attribute_values(":now", s(now))
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#err", "error")
            .expression_attribute_values(":err", serde_dynamo::to_attribute_value(error)?))
    }

    /// Marks the job failed or canceled and releases its reservation, exactly once. `billed` is
    /// what the provider billed for the job's prediction (`None`: it never ran as one): stored
    /// on the job and added to the operator's ledger, all of it as the operator's loss. Not once
    /// the provider's success is recorded ([`Store::record_outputs`]): from then on only the copy
    /// settles the job ([`FailedBy::Copy`]), so a user's cancel or a contradicting webhook can't
    /// throw away outputs the provider billed for. False when it didn't apply.
    pub async fn settle_failure(
        &self,
        job: &Job,
        status: JobStatus,
        error: &JobError,
        billed: Option<&ProviderRecord>,
        now: &str,
    ) -> Result<bool, StoreError> {
        self.settle_failure_by(FailedBy::Settle, job, status, error, billed, now).await
    }

    /// [`Store::settle_failure`] by `by`: the copy may also fail a job whose provider succeeded
    /// (an output refused or gone, the account deleted meanwhile).
    pub async fn settle_failure_by(
        &self,
        by: FailedBy,
        job: &Job,
        status: JobStatus,
        error: &JobError,
        billed: Option<&ProviderRecord>,
        now: &str,
    ) -> Result<bool, StoreError> {
        let upd_job = self.finish_job(job, status, now);
        let upd_job = if by == FailedBy::Copy {
            upd_job
        } else {
            upd_job.condition_expression("#st IN (:queued, :running) AND attribute_not_exists(provider_status)")
        };
        let upd_job = upd_job
            .expression_attribute_names("#open", "open")
            .expression_attribute_names("#err", "error")
            .expression_attribute_values(":err", serde_dynamo::to_attribute_value(error)?);
        let upd_job = match billed {
            None => upd_job.update_expression("SET #st = :status, updated_at = :now, #err = :err REMOVE #open, claimed_at"),
            Some(b) => upd_job
                .update_expression("SET #st = :status, updated_at = :now, #err = :err, provider = :prov REMOVE #open, claimed_at")
                .expression_attribute_values(":prov", serde_dynamo::to_attribute_value(b)?),
        };
        self.finish_with_release(job, status, upd_job, "settle failure", billed).await
    }

    /// `upd_job` (a finishing update of the job) with the release of its reservation, and with
    /// `billed`, the bill of its prediction, in the operator's ledger. Reports the settled
    /// job's metrics when it applied.
    pub(crate) async fn finish_with_release(
        &self,
        job: &Job,
        status: JobStatus,
        upd_job: UpdateBuilder,
        op: &'static str,
        billed: Option<&ProviderRecord>,
    ) -> Result<bool, StoreError> {
        let release = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(month_key(&job.user_id, &job.quota_period)))
            .update_expression("ADD committed_micros :neg")
            .expression_attribute_values(":neg", n(-job.estimated_micros.0))
            .build()
            .map_err(aws("build update"))?;
        let upd_job = upd_job.build().map_err(aws("build update"))?;
        let mut items = vec![upd_job, release];
        if let Some(b) = billed {
            items.push(self.ledger_update(job, &LedgerEntry::settled(false, Micros::ZERO, b))?);
        }
        let done = self.finish_transaction(op, items).await?;
        if done {
            crate::metrics::job_settled(job, status, Micros::ZERO, billed);
        }
        Ok(done)
    }

    async fn finish_transaction(&self, op: &'static str, updates: Vec<Update>) -> Result<bool, StoreError> {
        let items = updates
            .into_iter()
            .map(|u| TransactWriteItem::builder().update(u).build())
            .collect();
        match super::transact(self, op, items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op,
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }
}

/// The `YYYY-MM-DD` a job's usage is dated by: the day it was created (in its `quota_period`).
pub(crate) fn usage_day(job: &Job) -> String {
    chrono::DateTime::parse_from_rfc3339(&job.created_at)
        .map(|t| crate::clock::day(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| format!("{}-01", job.quota_period))
}

#[cfg(test)]
mod tests {
    #[test]
    fn usage_is_dated_by_the_jobs_creation_day() {
        let mut job: crate::domain::Job = serde_json::from_value(serde_json::json!({
            "user_id": "u1", "job_id": "01J00000000000000000000000", "kind": "image", "model": "imagen-4",
            "prompt": "p", "options": {}, "status": "running", "estimated_micros": 40000,
            "created_at": "2026-10-31T23:59:59.900Z", "updated_at": "2026-11-01T00:00:03.000Z",
            "quota_period": "2026-10"
        }))
        .unwrap();
        assert_eq!(super::usage_day(&job), "2026-10-31");
        job.created_at = "garbage".into();
        assert_eq!(super::usage_day(&job), "2026-10-01", "falls back into the month charged");
    }
}
