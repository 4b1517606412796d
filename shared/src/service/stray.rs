//! Predictions to be stopped: a job's second prediction (a stray), and a prediction the
//! reconciler gave up reading. Whoever finds one (the webhook, the reconciler) only queues its
//! cancel ([`CancelMessage`]) and answers: a cancel Replicate throttles or answers slowly can
//! take far longer than a webhook may run (`webhook-replicate` has 10 s, one Replicate call up
//! to 80 s with its retries). The worker cancels it ([`cancel_stray`]), and a cancel that
//! can't be made yet comes back through the queue like a throttled submission.
use super::settle::{SettleError, Settled, retry};
use super::submit::{SubmitError, jitter, throttled_retry_in};
use crate::app::App;
use crate::domain::Job;
use crate::queue::CancelMessage;
use crate::replicate::{Prediction, ReplicateError};
use std::time::Duration;

/// How soon a cancel that failed without a `Retry-After` (5xx, timeout, no connection) is
/// tried again: a stray runs, and bills, until it is cancelled.
const CANCEL_RETRY: Duration = Duration::from_secs(5);

/// A prediction the job does not run as. Finished: what the provider billed for it is the
/// operator's loss, recorded on the job (`strays`) and in the operator's ledger in one
/// transaction (once, however often its webhook comes), and logged (`operator_loss_micros`);
/// the user is not charged for it. Still running: its cancel is queued for the worker; its
/// `completed` webhook (canceled, or succeeded if the cancel came too late) then comes back
/// here and records what it cost.
pub(super) async fn stray(app: &App, job: &Job, p: &Prediction) -> Result<Settled, SettleError> {
    if p.status.is_terminal() {
        let billed = super::bill::bill(app, job, p);
        let recorded = app.store.record_stray(job, &billed).await.map_err(retry)?;
        tracing::error!(
            job_id = %job.job_id,
            prediction_id = %p.id,
            status = ?p.status,
            operator_loss_micros = billed.cost_micros.0,
            metered = billed.metered,
            recorded,
            "a second prediction of this job finished; not charged to the user"
        );
        return Ok(Settled::Stray);
    }
    tracing::warn!(job_id = %job.job_id, prediction_id = %p.id, "a second prediction of this job; its cancel is queued");
    queue_cancel(app, job, &p.id).await.map_err(retry)?;
    Ok(Settled::Stray)
}

/// Queues the cancel of `prediction_id` (of `job`) for the worker.
pub(super) async fn queue_cancel(app: &App, job: &Job, prediction_id: &str) -> Result<(), crate::queue::QueueError> {
    let msg = CancelMessage {
        user_id: job.user_id.clone(),
        job_id: job.job_id.clone(),
        prediction_id: prediction_id.to_string(),
    };
    app.queue.send_cancel(msg).await
}

/// The worker's part: cancels the prediction a [`CancelMessage`] names. `Err` brings the
/// message back: after the provider's `Retry-After` (plus jitter) when it throttled, after
/// [`CANCEL_RETRY`] (plus jitter) when the outcome is unknown. A prediction that is gone or
/// already finished is done with (a finished stray's `completed` webhook logs its cost).
pub async fn cancel_stray(app: &App, msg: &CancelMessage) -> Result<(), SubmitError> {
    let again = |e: &dyn std::fmt::Display, after: Option<Duration>| SubmitError {
        reason: e.to_string(),
        retry_in: Some(throttled_retry_in(after, jitter(msg.job_id.as_str()))),
    };
    let client = app.replicate().await.map_err(|e| again(&e, Some(CANCEL_RETRY)))?;
    match client.cancel_prediction(&msg.prediction_id).await {
        Ok(p) => {
            tracing::info!(job_id = %msg.job_id, prediction_id = %p.id, status = ?p.status, "stray prediction cancelled (or already finished)");
            Ok(())
        }
        Err(e @ ReplicateError::RateLimited { .. }) => {
            tracing::warn!(job_id = %msg.job_id, prediction_id = %msg.prediction_id, error = %e, "cancel throttled; will retry");
            Err(again(&e, e.retry_after()))
        }
        Err(e) if e.is_retryable() => {
            tracing::warn!(job_id = %msg.job_id, prediction_id = %msg.prediction_id, error = %e, "cancel failed; will retry");
            Err(again(&e, Some(CANCEL_RETRY)))
        }
        Err(e) => {
            // 404 (no such prediction) or another refusal: nothing to stop.
            tracing::warn!(job_id = %msg.job_id, prediction_id = %msg.prediction_id, error = %e, "cancel refused; dropped");
            Ok(())
        }
    }
}
