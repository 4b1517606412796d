use super::settle::{Settled, settle_job};
use crate::app::App;
use crate::clock;
use crate::domain::{Job, JobError, JobStatus};
use crate::queue::JobMessage;
use std::time::{Duration, Instant};

/// Jobs read per page of the stale-job index.
const PAGE: i32 = 100;
/// At most this many jobs per run, and no new job after this long: the run must end well
/// inside the reconciler's timeout. What is left waits for the next run.
const MAX_JOBS_PER_RUN: usize = 2000;
const TIME_BUDGET: Duration = Duration::from_secs(60);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    /// Jobs finished from the provider's state, or whose outputs' copy was queued.
    pub settled: usize,
    pub requeued: usize,
    pub still_running: usize,
    /// Jobs given up (never submitted, or a prediction that could not be read in time).
    pub given_up: usize,
    /// Jobs whose submission is in flight (a fresh worker claim): left alone.
    pub in_flight: usize,
    pub errors: usize,
}

/// Finds unfinished jobs untouched for longer than `reconcile_after` (a lost webhook, a lost
/// message) and settles them from the provider's state exactly as the webhook would, re-queues
/// a job that never reached the provider, and gives up (releasing the money) on a job nobody
/// is submitting or whose prediction can't be read, after `give_up_after`. It pages through
/// every stale job, so jobs that keep failing can't block the rest.
pub async fn reconcile(app: &App) -> ReconcileReport {
    let mut report = ReconcileReport::default();
    let started = Instant::now();
    let cutoff = clock::now() - chrono::Duration::from_std(app.config.reconcile_after).unwrap_or_else(|_| chrono::Duration::minutes(10));
    let cutoff = clock::rfc3339(cutoff);
    let mut start = None;
    loop {
        let (jobs, next) = match app.store.list_stale_open_jobs(&cutoff, PAGE, start.take()).await {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "reconciler could not list jobs");
                report.errors += 1;
                break;
            }
        };
        for job in jobs {
            report.checked += 1;
            reconcile_job(app, job, &mut report).await;
        }
        match next {
            Some(k) if report.checked < MAX_JOBS_PER_RUN && started.elapsed() < TIME_BUDGET => start = Some(k),
            Some(_) => {
                tracing::warn!(
                    checked = report.checked,
                    "reconciler stopped early; the rest waits for the next run"
                );
                break;
            }
            None => break,
        }
    }
    tracing::info!(
        checked = report.checked,
        settled = report.settled,
        requeued = report.requeued,
        still_running = report.still_running,
        given_up = report.given_up,
        in_flight = report.in_flight,
        errors = report.errors,
        "reconciled"
    );
    report
}

fn age(job: &Job) -> Duration {
    chrono::DateTime::parse_from_rfc3339(&job.created_at)
        .ok()
        .and_then(|t| (clock::now() - t.with_timezone(&chrono::Utc)).to_std().ok())
        .unwrap_or_default()
}

async fn reconcile_job(app: &App, job: Job, report: &mut ReconcileReport) {
    let now = clock::rfc3339(clock::now());
    let too_old = age(&job) > app.config.give_up_after;
    match job.prediction_id.clone() {
        None => {
            let now_ms = clock::now().timestamp_millis();
            let stale_before = now_ms - app.config.submit_deadline.as_millis() as i64;
            if job.claimed_at.is_some_and(|c| c >= stale_before) {
                // A worker is creating its prediction (or waits for the webhook of a create
                // whose outcome it doesn't know): not ours to touch.
                report.in_flight += 1;
                return;
            }
            if too_old {
                let err = JobError {
                    code: "not_submitted".into(),
                    message: "The provider could not take this job. Nothing was charged.".into(),
                };
                match app.store.give_up_unsubmitted(&job, &err, &now, stale_before).await {
                    Ok(true) => report.given_up += 1,
                    Ok(false) => report.in_flight += 1,
                    Err(e) => {
                        tracing::error!(job_id = %job.job_id, error = %e, "could not give up a stuck job");
                        report.errors += 1;
                    }
                }
                return;
            }
            // Never reached the provider: queue it again; the worker's claim keeps it single.
            let msg = JobMessage {
                user_id: job.user_id.clone(),
                job_id: job.job_id.clone(),
            };
            match app.queue.send(&msg).await {
                Ok(()) => {
                    let _ = app.store.touch_job(&job, &now).await;
                    report.requeued += 1;
                }
                Err(e) => {
                    tracing::error!(job_id = %job.job_id, error = %e, "requeue failed");
                    report.errors += 1;
                }
            }
        }
        Some(pid) => {
            let client = match app.replicate().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "no provider client");
                    report.errors += 1;
                    return;
                }
            };
            let prediction = match client.get_prediction(&pid).await {
                Ok(p) => p,
                Err(e) if too_old => {
                    // Unreadable for too long: release the money and stop the run, if it runs.
                    tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "prediction unreadable; giving up");
                    if let Err(e) = client.cancel_prediction(&pid).await {
                        tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "cancel of an unreadable prediction failed");
                    }
                    let err = JobError {
                        code: "lost".into(),
                        message: "The provider lost track of this run. Nothing was charged.".into(),
                    };
                    match app.store.settle_failure(&job, JobStatus::Failed, &err, &now).await {
                        Ok(_) => report.given_up += 1,
                        Err(e) => {
                            tracing::error!(job_id = %job.job_id, error = %e, "could not give up a lost job");
                            report.errors += 1;
                        }
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "could not read prediction");
                    let _ = app.store.touch_job(&job, &now).await;
                    report.errors += 1;
                    return;
                }
            };
            match settle_job(app, job.clone(), &prediction).await {
                // Finished here, or (succeeded) its outputs recorded and their copy queued
                // for the worker, which settles it: this run's part is done either way.
                Ok(Settled::Applied(_) | Settled::CopyQueued) => report.settled += 1,
                Ok(Settled::InProgress) => {
                    let _ = app.store.touch_job(&job, &now).await;
                    report.still_running += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(job_id = %job.job_id, error = %e, "settle failed");
                    report.errors += 1;
                }
            }
        }
    }
}
