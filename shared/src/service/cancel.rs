//! `POST /api/jobs/{id}/cancel`. A queued job is canceled by a conditional update (still queued,
//! no prediction); a running one has its prediction canceled at the provider first. Either way
//! the job settles `canceled` in the same transaction that releases its reservation, under the
//! condition that it is unfinished: when it races the webhook, exactly one of them settles, so
//! the job ends in one state with one charge or none. Once the provider's success is recorded
//! (outputs known, their copy queued) a cancel is refused with 409, and the settling condition
//! holds that too when the record lands while the cancel is in flight.
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::{Job, JobError, JobId, JobStatus, UserId};
use crate::replicate::PredictionStatus;

/// How often a cancel re-reads a job that changed under it (queued → running) before giving up.
const ATTEMPTS: usize = 3;

fn finished(job: &Job) -> ApiError {
    ApiError::Conflict(format!("The job is already {}; it can't be canceled.", job.status.as_str()))
}

/// Cancels one of the user's jobs and returns it as it is afterwards: 404 for no such job of
/// this user, 409 when it finished first.
pub async fn cancel(app: &App, user: &UserId, id: &JobId) -> Result<Job, ApiError> {
    let err = JobError {
        code: "canceled".into(),
        message: "Canceled by the user.".into(),
    };
    let read = || async { app.store.get_job(user, id).await?.ok_or_else(|| ApiError::not_found("job")) };
    let mut job = read().await?;
    // Once we asked the provider to cancel, its `canceled` webhook may settle the job before
    // we do: canceled is canceled, whoever wrote it.
    let mut asked_provider = false;
    for _ in 0..ATTEMPTS {
        if job.status == JobStatus::Canceled && asked_provider {
            return Ok(job);
        }
        if job.status.is_terminal() {
            return Err(finished(&job));
        }
        if job.outputs_recorded() {
            // The provider's success arrived first: its copy settles the job as succeeded.
            tracing::info!(job_id = %job.job_id, "cancel came after the outputs were recorded");
            return Err(ApiError::Conflict("The job finished before it could be canceled.".into()));
        }
        let now = clock::rfc3339(clock::now());
        let applied = match job.prediction_id.clone() {
            None if job.status == JobStatus::Queued => app.store.cancel_queued(&job, &err, &now).await?,
            None => app.store.settle_failure(&job, JobStatus::Canceled, &err, None, &now).await?,
            Some(pid) => {
                let client = app.replicate().await.map_err(ApiError::internal)?;
                let p = client.cancel_prediction(&pid).await.map_err(|e| {
                    tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "cancel at the provider failed");
                    ApiError::Provider("The provider did not accept the cancel; try again.".into())
                })?;
                asked_provider = true;
                if p.status == PredictionStatus::Succeeded {
                    // It finished before the cancel arrived: its webhook (or the reconciler)
                    // settles it as succeeded.
                    tracing::info!(job_id = %job.job_id, prediction_id = %pid, "cancel came after the prediction succeeded");
                    return Err(ApiError::Conflict("The job finished before it could be canceled.".into()));
                }
                // What the provider bills for the time it ran is the operator's: the user is
                // charged nothing. The cancel's answer may not carry the final metrics yet;
                // its `completed` webhook then replaces the estimate (service::bill::remeter).
                let billed = super::bill::bill(app, &job, &p);
                app.store
                    .settle_failure(&job, JobStatus::Canceled, &err, Some(&billed), &now)
                    .await?
            }
        };
        job = read().await?;
        if applied {
            tracing::info!(job_id = %job.job_id, "job canceled");
            return Ok(job);
        }
    }
    match job.status {
        JobStatus::Canceled if asked_provider => return Ok(job),
        s if s.is_terminal() => return Err(finished(&job)),
        _ => {}
    }
    Err(ApiError::Unavailable("The job is changing right now; try again.".into()))
}
