use super::bill::{bill, remeter};
use crate::app::App;
use crate::billing::ProviderRecord;
use crate::catalog::expected_outputs;
use crate::clock;
use crate::domain::{Job, JobError, JobId, JobKind, JobStatus, Micros, UserId, keep_outputs};
use crate::queue::CopyMessage;
use crate::replicate::{Prediction, PredictionStatus};
use crate::store::FailedBy;

#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// This call finished the job (and charged it if it succeeded).
    Applied(JobStatus),
    /// The prediction succeeded: its outputs are recorded on the job and their copy is queued
    /// (the worker settles the job: service::finish_copy).
    CopyQueued,
    /// The job was already finished: nothing changed.
    AlreadyFinal,
    /// Not finished yet (start event, or a status we don't know).
    InProgress,
    /// No job has this prediction id (yet: the caller may have to try again).
    UnknownPrediction,
    /// Not the job's prediction (a second create after an unknown outcome, or a job that
    /// finished without it): its cancel queued if it still runs, never charged to the user.
    Stray,
}

/// Something temporary went wrong; the caller should have it retried.
#[derive(Debug, thiserror::Error)]
#[error("settle failed, retry later: {0}")]
pub struct SettleError(pub String);

pub(super) fn retry(e: impl std::fmt::Display) -> SettleError {
    SettleError(e.to_string())
}

const MAX_ERROR_CHARS: usize = 500;

/// Which job a prediction belongs to, as named by the webhook URL's query (`user`, `job`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobRef {
    pub user_id: UserId,
    pub job_id: JobId,
}

impl JobRef {
    pub fn parse(user: &str, job: &str) -> Option<Self> {
        Some(Self {
            user_id: UserId::parse(user)?,
            job_id: JobId::parse(job)?,
        })
    }
}

/// Applies a prediction's state to its job, exactly once, however often it is called. The job
/// is the one `target` names (a consistent read: no index lag), else the one that recorded
/// the prediction.
pub async fn settle(app: &App, p: &Prediction, target: Option<&JobRef>) -> Result<Settled, SettleError> {
    let job = match target {
        Some(t) => app.store.get_job(&t.user_id, &t.job_id).await.map_err(retry)?,
        None => app.store.find_job_by_prediction(&p.id).await.map_err(retry)?,
    };
    let Some(job) = job else {
        tracing::warn!(prediction_id = %p.id, "no job for this prediction");
        return Ok(Settled::UnknownPrediction);
    };
    settle_job(app, job, p).await
}

/// [`settle`] for a job already read. A job with no prediction recorded adopts this one
/// (its create's answer was lost, or hasn't been recorded yet).
pub async fn settle_job(app: &App, mut job: Job, p: &Prediction) -> Result<Settled, SettleError> {
    if job.prediction_id.as_deref() != Some(p.id.as_str()) {
        let now = clock::rfc3339(clock::now());
        if job.prediction_id.is_none() && job.status == JobStatus::Queued {
            if app.store.record_prediction(&job, &p.id, &now).await.map_err(retry)? {
                tracing::info!(job_id = %job.job_id, prediction_id = %p.id, "prediction adopted from its webhook");
            }
            // Adopted by us or by someone else just now: read what was recorded.
            job = app
                .store
                .get_job(&job.user_id, &job.job_id)
                .await
                .map_err(retry)?
                .ok_or_else(|| retry("job vanished"))?;
        }
        if job.prediction_id.as_deref() != Some(p.id.as_str()) {
            return super::stray::stray(app, &job, p).await;
        }
    }
    if job.status.is_terminal() {
        // Settled before the provider's final figure came (a user's cancel): bill it now.
        remeter(app, &job, p).await;
        return Ok(Settled::AlreadyFinal);
    }
    let now = clock::rfc3339(clock::now());
    let billed = p.status.is_terminal().then(|| bill(app, &job, p));
    let fail = |status: JobStatus, code: &'static str, message: String| {
        fail_job(app, FailedBy::Settle, &job, status, code, message, &now, billed.as_ref())
    };
    if p.status == PredictionStatus::Succeeded && super::deletion::tombstoned(app, &job.user_id).await.map_err(retry)? {
        // Nothing lands for a deleted account: no outputs recorded, no copy queued, no texts.
        let why = super::deletion::DELETED_MESSAGE.to_string();
        return fail(JobStatus::Canceled, super::deletion::DELETED_CODE, why).await;
    }
    match &p.status {
        PredictionStatus::Starting | PredictionStatus::Processing => Ok(Settled::InProgress),
        PredictionStatus::Unknown(s) => {
            tracing::warn!(prediction_id = %p.id, status = %s, "unknown prediction status; ignored");
            Ok(Settled::InProgress)
        }
        PredictionStatus::Failed => {
            fail(
                JobStatus::Failed,
                "provider_failed",
                p.error.clone().unwrap_or_else(|| "The model failed without a message.".into()),
            )
            .await
        }
        PredictionStatus::Canceled => fail(JobStatus::Canceled, "canceled", "The run was canceled.".into()).await,
        PredictionStatus::Aborted => fail(JobStatus::Failed, "aborted", "The provider ended the run before it started.".into()).await,
        PredictionStatus::Succeeded if job.kind == JobKind::Text => super::prompts::settle_text(app, &job, p, &now).await,
        PredictionStatus::Succeeded => {
            let delivered = p.output_urls();
            if delivered.is_empty() {
                let why = if p.data_removed {
                    "The outputs expired at the provider before they could be copied."
                } else {
                    "The model returned no output."
                };
                return fail(JobStatus::Failed, "no_output", why.into()).await;
            }
            let kept = kept_outputs(app, &job, &p.id, delivered);
            if kept.is_empty() {
                return fail(JobStatus::Failed, "no_output", "The model returned no usable output.".into()).await;
            }
            let billed = billed.unwrap_or_else(|| bill(app, &job, p));
            hand_on(app, &job, p, kept, &billed, &now).await
        }
    }
}

/// How many outputs the job asked (and reserved money) for: the catalog's count for its options.
pub(super) fn wanted_outputs(app: &App, job: &Job) -> usize {
    app.catalog.get(&job.model).map_or(1, |m| expected_outputs(m, &job.options))
}

/// The outputs of a prediction the job can use ([`keep_outputs`]): what is dropped is logged
/// by count, never by URL.
pub(super) fn kept_outputs(app: &App, job: &Job, prediction_id: &str, delivered: Vec<String>) -> Vec<String> {
    let delivered_n = delivered.len();
    let wanted = wanted_outputs(app, job);
    let kept = keep_outputs(delivered, wanted);
    if kept.dropped() > 0 {
        tracing::warn!(
            job_id = %job.job_id,
            prediction_id,
            delivered = delivered_n,
            wanted,
            kept = kept.urls.len(),
            too_long = kept.too_long,
            beyond = kept.beyond,
            "outputs dropped: neither stored, copied nor charged"
        );
    }
    kept.urls
}

/// A succeeded prediction's outputs are copied by the worker, not here (a webhook answers at
/// once whatever the output size): record them on the job, then queue the copy. Both may be
/// repeated (a duplicate webhook, the reconciler): the copy settles the job once. `urls` are
/// the kept ones ([`kept_outputs`]), so the job item and the message stay small.
async fn hand_on(
    app: &App,
    job: &Job,
    p: &Prediction,
    urls: Vec<String>,
    billed: &ProviderRecord,
    now: &str,
) -> Result<Settled, SettleError> {
    if !app.store.record_outputs(job, &p.id, &urls, billed, now).await.map_err(retry)? {
        // Finished meanwhile (or no longer this prediction's): nothing to copy.
        return Ok(Settled::AlreadyFinal);
    }
    let msg = CopyMessage {
        user_id: job.user_id.clone(),
        job_id: job.job_id.clone(),
        prediction_id: p.id.clone(),
        output_urls: urls,
    };
    app.queue.send_copy(msg).await.map_err(retry)?;
    tracing::info!(job_id = %job.job_id, prediction_id = %p.id, "outputs recorded; copy queued");
    Ok(Settled::CopyQueued)
}

/// What the user is charged: the real cost, never more than what was reserved for the run.
pub fn capped_charge(real: Micros, reserved: Micros) -> Micros {
    Micros(real.0.clamp(0, reserved.0.max(0)))
}

/// Settles `job` failed or canceled with nothing charged; `billed` is what the provider billed
/// for its prediction (the operator's loss), `None` when it never ran as one.
#[allow(clippy::too_many_arguments)]
pub(super) async fn fail_job(
    app: &App,
    by: FailedBy,
    job: &Job,
    status: JobStatus,
    code: &str,
    message: String,
    now: &str,
    billed: Option<&ProviderRecord>,
) -> Result<Settled, SettleError> {
    let message: String = message.chars().take(MAX_ERROR_CHARS).collect();
    let err = JobError {
        code: code.into(),
        message,
    };
    let applied = app
        .store
        .settle_failure_by(by, job, status, &err, billed, now)
        .await
        .map_err(retry)?;
    tracing::info!(job_id = %job.job_id, status = status.as_str(), code, "job settled");
    Ok(if applied { Settled::Applied(status) } else { Settled::AlreadyFinal })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charge_never_exceeds_the_reservation() {
        assert_eq!(capped_charge(Micros(120_000), Micros(40_000)), Micros(40_000));
        assert_eq!(capped_charge(Micros(40_000), Micros(40_000)), Micros(40_000));
        assert_eq!(capped_charge(Micros(30_000), Micros(40_000)), Micros(30_000));
        assert_eq!(capped_charge(Micros(-5), Micros(40_000)), Micros(0));
    }
}
