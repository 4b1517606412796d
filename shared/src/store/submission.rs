//! Who may create a job's prediction, and recording the one that counts. A job's `claimed_at`
//! (ms) marks a submission in flight: set before the create, kept when the create's outcome is
//! unknown (a prediction may exist and its webhook may still come), removed only when no
//! prediction can have been made. `prediction_id` is set once, by whoever learns it first: the
//! worker from the create's answer, or the webhook (`adopt`).
use super::jobs::key;
use super::{Store, StoreError, n, s, write};
use crate::domain::{Job, JobError};

/// Nobody is submitting the job: still queued, no prediction recorded, and no claim newer than
/// `:stale`. Taking a claim and giving a job up both require it, so they can't race.
const NOBODY_SUBMITTING: &str =
    "#st = :queued AND attribute_not_exists(prediction_id) AND (attribute_not_exists(claimed_at) OR claimed_at < :stale)";

impl Store {
    /// Takes the right to submit a queued job, unless someone's submission is in flight (a claim
    /// newer than `stale_before_ms`) or a prediction is recorded.
    pub async fn claim_job(&self, job: &Job, now_ms: i64, stale_before_ms: i64) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET claimed_at = :now")
            .condition_expression(NOBODY_SUBMITTING)
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":stale", n(stale_before_ms))
            .expression_attribute_values(":queued", s("queued"));
        write("claim job", || req.clone().send()).await
    }

    /// Gives up our claim (`claimed_ms`), when the create certainly made no prediction.
    pub async fn release_claim(&self, job: &Job, claimed_ms: i64) -> Result<(), StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("REMOVE claimed_at")
            .condition_expression("claimed_at = :mine")
            .expression_attribute_values(":mine", n(claimed_ms));
        write("release claim", || req.clone().send()).await?;
        Ok(())
    }

    /// Records the prediction the job runs as and moves it to running, unless a prediction is
    /// recorded already or the job is no longer queued. False then: re-read the job to see why.
    pub async fn record_prediction(&self, job: &Job, prediction_id: &str, now: &str) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.jobs)
            .set_key(Some(key(&job.user_id, &job.job_id)))
            .update_expression("SET prediction_id = :p, #st = :running, updated_at = :now")
            .condition_expression("#st = :queued AND attribute_not_exists(prediction_id)")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":p", s(prediction_id))
            .expression_attribute_values(":running", s("running"))
            .expression_attribute_values(":queued", s("queued"))
            .expression_attribute_values(":now", s(now));
        write("record prediction", || req.clone().send()).await
    }

    /// Fails a job that never reached the provider and releases its reservation, but only
    /// while nobody is submitting it: no prediction recorded and no claim newer than
    /// `stale_before_ms`. False when someone is (or it is already finished).
    pub async fn give_up_unsubmitted(&self, job: &Job, error: &JobError, now: &str, stale_before_ms: i64) -> Result<bool, StoreError> {
        let upd_job = self
            .finish_queued_job(job, crate::domain::JobStatus::Failed, error, now, NOBODY_SUBMITTING)?
            .expression_attribute_values(":stale", n(stale_before_ms));
        self.finish_with_release(job, crate::domain::JobStatus::Failed, upd_job, "give up job", None)
            .await
    }
}
