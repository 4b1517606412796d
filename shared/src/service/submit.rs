use crate::app::App;
use crate::clock;
use crate::domain::{Job, JobError, JobStatus};
use crate::queue::JobMessage;
use crate::replicate::{ModelRef, ReplicateClient, ReplicateError, WebhookEvent};
use std::time::Duration;

/// The message should come back later (SQS redelivers it; after too many tries, the DLQ).
#[derive(Debug, thiserror::Error)]
#[error("retry later: {reason}")]
pub struct SubmitError {
    pub reason: String,
    /// When the provider said when to come back (a 429's `Retry-After`): the worker makes the
    /// message visible again then, instead of after the queue's whole visibility timeout.
    pub retry_in: Option<Duration>,
}

fn retry(e: impl std::fmt::Display) -> SubmitError {
    SubmitError {
        reason: e.to_string(),
        retry_in: None,
    }
}

/// A number in [0, 1), different on every call (std's per-instance random hash keys).
pub(super) fn jitter(key: &str) -> f64 {
    use std::hash::BuildHasher;
    let h = std::collections::hash_map::RandomState::new().hash_one(key);
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// The delay before a throttled submission is tried again: the provider's `Retry-After` (1 s
/// when it named none) plus up to half of it again, so a storm of throttled jobs does not come
/// back in one burst and get throttled together again.
pub fn throttled_retry_in(retry_after: Option<Duration>, jitter: f64) -> Duration {
    let base = retry_after.unwrap_or(Duration::from_secs(1)).max(Duration::from_secs(1));
    base + base.mul_f64(jitter.clamp(0.0, 1.0) / 2.0)
}

/// Submits a queued job to Replicate, so that a job runs as one prediction whatever happens:
///
/// * A claim on the job (`claimed_at`) marks the submission in flight; a redelivered or
///   duplicate message finds it and creates nothing.
/// * A create refused outright (4xx, 429, no connection) made nothing: the claim is released
///   (429: retried later; other 4xx: the job fails and its money is released).
/// * A create whose outcome is unknown (5xx, timeout, dropped connection) may have made a
///   prediction, whose webhook names the job (`Config::webhook_url_for`) and will adopt it.
///   The claim stays, so no second create happens until `submit_deadline` passes with no
///   webhook at all.
/// * A prediction that turns out not to be the job's (another was recorded first, or the job
///   finished meanwhile) is cancelled and never charged.
pub async fn submit(app: &App, msg: &JobMessage) -> Result<(), SubmitError> {
    let Some(job) = app.store.get_job(&msg.user_id, &msg.job_id).await.map_err(retry)? else {
        tracing::warn!(job_id = %msg.job_id, "message for a job that does not exist; dropped");
        return Ok(());
    };
    if job.status != JobStatus::Queued || job.prediction_id.is_some() {
        tracing::info!(job_id = %job.job_id, status = job.status.as_str(), "job already submitted or finished");
        return Ok(());
    }
    if super::deletion::tombstoned(app, &job.user_id).await.map_err(retry)? {
        // The account was deleted after the job was queued: it never starts (its reservation
        // is released; the erasure deletes the job).
        let err = job_error(super::deletion::DELETED_CODE, super::deletion::DELETED_MESSAGE.into());
        let now = clock::rfc3339(clock::now());
        let canceled = app.store.cancel_queued(&job, &err, &now).await.map_err(retry)?;
        tracing::info!(job_id = %job.job_id, canceled, "job of a deleted account not started");
        return Ok(());
    }
    let now_ms = clock::now().timestamp_millis();
    let deadline_ms = app.config.submit_deadline.as_millis() as i64;
    if !app.store.claim_job(&job, now_ms, now_ms - deadline_ms).await.map_err(retry)? {
        // Someone's submission is in flight. If its create's outcome is unknown, this message
        // comes back after the visibility timeout and tries again once the deadline passed.
        tracing::info!(job_id = %job.job_id, "a submission is in flight");
        return Err(retry("a submission of this job is in flight"));
    }
    let Some(spec) = app.catalog.get(&job.model) else {
        let err = job_error("validation_error", format!("model {} is no longer available", job.model));
        settle_refused(app, &job, &err).await?;
        return Ok(());
    };
    let client = match app.replicate().await {
        Ok(c) => c,
        Err(e) => {
            app.store.release_claim(&job, now_ms).await.map_err(retry)?;
            return Err(retry(e));
        }
    };
    // Source images reach the provider as presigned GET URLs that expire with the prediction's
    // own deadline (Cancel-After), never as public objects.
    let ttl = client.cancel_after().unwrap_or(app.config.give_up_after);
    let sources = match source_urls(app, &job, ttl).await {
        Ok(urls) => urls,
        Err(SourceError::Gone(id)) => {
            let err = job_error("validation_error", format!("The source image {id} was deleted before the job ran."));
            settle_refused(app, &job, &err).await?;
            return Ok(());
        }
        Err(SourceError::Retry(e)) => {
            app.store.release_claim(&job, now_ms).await.map_err(retry)?;
            return Err(e);
        }
    };
    let input = spec.job_input(&job, &sources);
    let webhook = app.config.webhook_url_for(&job);
    let events = [WebhookEvent::Start, WebhookEvent::Completed];
    let created = match &spec.version {
        Some(v) => client.create_version_prediction(v, input, webhook.as_deref(), &events).await,
        None => {
            let model = ModelRef::parse(&spec.replicate).map_err(retry)?;
            client.create_prediction(&model, input, webhook.as_deref(), &events).await
        }
    };
    match created {
        Ok(p) => {
            tracing::info!(job_id = %job.job_id, prediction_id = %p.id, "prediction created");
            record(app, &client, &job, &p.id).await
        }
        Err(e) if e.may_have_created() => {
            // Not released: a prediction may exist, and its webhook will adopt it.
            tracing::warn!(job_id = %job.job_id, error = %e, "create outcome unknown; waiting for a webhook before trying again");
            Err(retry(e))
        }
        Err(e) if e.is_retryable() => {
            app.store.release_claim(&job, now_ms).await.map_err(retry)?;
            let retry_in =
                matches!(e, ReplicateError::RateLimited { .. }).then(|| throttled_retry_in(e.retry_after(), jitter(job.job_id.as_str())));
            tracing::warn!(job_id = %job.job_id, error = %e, retry_in_s = retry_in.map(|d| d.as_secs_f64()), "provider busy; will retry");
            Err(SubmitError {
                reason: e.to_string(),
                retry_in,
            })
        }
        Err(e) => {
            tracing::warn!(job_id = %job.job_id, error = %e, "provider refused the job");
            let err = job_error("provider_error", format!("The provider refused this request: {e}"));
            settle_refused(app, &job, &err).await?;
            Ok(())
        }
    }
}

enum SourceError {
    Gone(crate::domain::AssetId),
    Retry(SubmitError),
}

/// Presigned GET URLs of the job's source images, in the job's order.
async fn source_urls(app: &App, job: &Job, ttl: std::time::Duration) -> Result<Vec<String>, SourceError> {
    if job.source_asset_ids.is_empty() {
        return Ok(vec![]);
    }
    let assets = app
        .store
        .get_assets(&job.user_id, &job.source_asset_ids)
        .await
        .map_err(|e| SourceError::Retry(retry(e)))?;
    let mut urls = Vec::with_capacity(assets.len());
    for id in &job.source_asset_ids {
        let asset = assets
            .iter()
            .find(|a| a.asset_id == *id)
            .ok_or_else(|| SourceError::Gone(id.clone()))?;
        let url = app
            .media
            .signed_url(&asset.s3_key, ttl, None)
            .await
            .map_err(|e| SourceError::Retry(retry(e)))?;
        urls.push(url);
    }
    Ok(urls)
}

fn job_error(code: &str, message: String) -> JobError {
    JobError {
        code: code.into(),
        message,
    }
}

async fn settle_refused(app: &App, job: &Job, err: &JobError) -> Result<(), SubmitError> {
    app.store
        .settle_failure(job, JobStatus::Failed, err, None, &clock::rfc3339(clock::now()))
        .await
        .map_err(retry)?;
    Ok(())
}

/// Records the created prediction as the job's. When the job already has one (a webhook
/// adopted it: fine if it is this one) or finished without it, this prediction is a stray.
async fn record(app: &App, client: &ReplicateClient, job: &Job, prediction_id: &str) -> Result<(), SubmitError> {
    let now = clock::rfc3339(clock::now());
    if app.store.record_prediction(job, prediction_id, &now).await.map_err(retry)? {
        return Ok(());
    }
    let current = app.store.get_job(&job.user_id, &job.job_id).await.map_err(retry)?;
    if current.as_ref().and_then(|j| j.prediction_id.as_deref()) == Some(prediction_id) {
        return Ok(());
    }
    tracing::warn!(job_id = %job.job_id, prediction_id, "the job has another prediction or finished without this one; cancelling it");
    if let Err(e) = client.cancel_prediction(prediction_id).await {
        tracing::error!(job_id = %job.job_id, prediction_id, error = %e, "could not cancel a stray prediction");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::throttled_retry_in;
    use std::time::Duration;

    #[test]
    fn a_throttled_submission_waits_at_least_retry_after_and_at_most_half_again() {
        let s = Duration::from_secs;
        assert_eq!(throttled_retry_in(Some(s(4)), 0.0), s(4));
        assert_eq!(throttled_retry_in(Some(s(4)), 0.999_999), s(4) + s(2).mul_f64(0.999_999));
        // No Retry-After (or 0): one second, so the queue never spins.
        assert_eq!(throttled_retry_in(None, 0.0), s(1));
        assert_eq!(throttled_retry_in(Some(s(0)), 0.0), s(1));
        assert!(throttled_retry_in(Some(s(10)), 7.0) <= s(15));
    }
}
