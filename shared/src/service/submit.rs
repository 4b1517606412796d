use crate::app::App;
use crate::clock;
use crate::domain::{JobError, JobStatus};
use crate::queue::JobMessage;
use crate::replicate::{ModelRef, WebhookEvent};

/// The message should come back later (SQS redelivers it; after too many tries, the DLQ).
#[derive(Debug, thiserror::Error)]
#[error("retry later: {0}")]
pub struct SubmitError(pub String);

/// How long a worker's claim on a job protects it from a second submission.
const CLAIM_LEASE_MS: i64 = 120_000;

/// Submits a queued job to Replicate once. A redelivered or duplicate message finds the job
/// claimed or already submitted and does nothing, so no second prediction is created.
pub async fn submit(app: &App, msg: &JobMessage) -> Result<(), SubmitError> {
    let retry = |e: &dyn std::fmt::Display| SubmitError(e.to_string());
    let Some(job) = app.store.get_job(&msg.user_id, &msg.job_id).await.map_err(|e| retry(&e))? else {
        tracing::warn!(job_id = %msg.job_id, "message for a job that does not exist; dropped");
        return Ok(());
    };
    if job.status != JobStatus::Queued || job.prediction_id.is_some() {
        tracing::info!(job_id = %job.job_id, status = job.status.as_str(), "job already submitted or finished");
        return Ok(());
    }
    let now_ms = clock::now().timestamp_millis();
    if !app
        .store
        .claim_job(&job, now_ms, now_ms - CLAIM_LEASE_MS)
        .await
        .map_err(|e| retry(&e))?
    {
        tracing::info!(job_id = %job.job_id, "job claimed by another delivery");
        return Ok(());
    }
    let fail = |code: &str, message: String| JobError {
        code: code.into(),
        message,
    };
    let Some(spec) = app.catalog.get(&job.model) else {
        let err = fail("validation_error", format!("model {} is no longer available", job.model));
        app.store
            .settle_failure(&job, JobStatus::Failed, &err, &clock::rfc3339(clock::now()))
            .await
            .map_err(|e| retry(&e))?;
        return Ok(());
    };
    let model = ModelRef::parse(&spec.replicate).map_err(|e| retry(&e))?;
    let input = spec.replicate_input(&job.prompt, &job.options);
    let client = match app.replicate().await {
        Ok(c) => c,
        Err(e) => {
            app.store.release_claim(&job).await.map_err(|e| retry(&e))?;
            return Err(retry(&e));
        }
    };
    let webhook = app.config.webhook_url();
    match client
        .create_prediction(&model, input, webhook.as_deref(), &[WebhookEvent::Start, WebhookEvent::Completed])
        .await
    {
        Ok(p) => {
            tracing::info!(job_id = %job.job_id, prediction_id = %p.id, "prediction created");
            app.store
                .mark_submitted(&job, &p.id, &clock::rfc3339(clock::now()))
                .await
                .map_err(|e| retry(&e))?;
            Ok(())
        }
        Err(e) if e.is_retryable() => {
            tracing::warn!(job_id = %job.job_id, error = %e, "provider busy; will retry");
            app.store.release_claim(&job).await.map_err(|e| retry(&e))?;
            Err(retry(&e))
        }
        Err(e) => {
            tracing::warn!(job_id = %job.job_id, error = %e, "provider refused the job");
            let err = fail("provider_error", format!("The provider refused this request: {e}"));
            app.store
                .settle_failure(&job, JobStatus::Failed, &err, &clock::rfc3339(clock::now()))
                .await
                .map_err(|e| retry(&e))?;
            Ok(())
        }
    }
}
