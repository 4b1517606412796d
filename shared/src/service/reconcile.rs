use super::settle::{Settled, settle};
use crate::app::App;
use crate::clock;
use crate::domain::{JobError, JobStatus};
use crate::queue::JobMessage;

/// A job that has not reached the provider this long after it was created is failed.
const GIVE_UP_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    pub settled: usize,
    pub requeued: usize,
    pub still_running: usize,
    pub errors: usize,
}

/// Finds unfinished jobs untouched for longer than `reconcile_after` (a lost webhook, a lost
/// message) and settles them from the provider's state exactly as the webhook would, or
/// re-queues a job that never reached the provider.
pub async fn reconcile(app: &App) -> ReconcileReport {
    let mut report = ReconcileReport::default();
    let cutoff = clock::now() - chrono::Duration::from_std(app.config.reconcile_after).unwrap_or_else(|_| chrono::Duration::minutes(10));
    let jobs = match app.store.list_stale_open_jobs(&clock::rfc3339(cutoff), 100).await {
        Ok(j) => j,
        Err(e) => {
            tracing::error!(error = %e, "reconciler could not list jobs");
            report.errors += 1;
            return report;
        }
    };
    for job in jobs {
        report.checked += 1;
        let now = clock::rfc3339(clock::now());
        let Some(pid) = job.prediction_id.clone() else {
            let age = chrono::DateTime::parse_from_rfc3339(&job.created_at).map(|t| clock::now() - t.with_timezone(&chrono::Utc));
            if age.is_ok_and(|a| a > chrono::Duration::from_std(GIVE_UP_AFTER).unwrap_or(chrono::Duration::hours(1))) {
                // It never reached the provider in all that time: give up and release the money.
                let err = JobError {
                    code: "not_submitted".into(),
                    message: "The provider could not take this job. Nothing was charged.".into(),
                };
                match app.store.settle_failure(&job, JobStatus::Failed, &err, &now).await {
                    Ok(true) => report.settled += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::error!(job_id = %job.job_id, error = %e, "could not fail a stuck job");
                        report.errors += 1;
                    }
                }
                continue;
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
            continue;
        };
        let prediction = match app.replicate().await {
            Ok(client) => client.get_prediction(&pid).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match prediction {
            Ok(p) => match settle(app, &p).await {
                Ok(Settled::Applied(_)) => report.settled += 1,
                Ok(Settled::InProgress) => {
                    let _ = app.store.touch_job(&job, &now).await;
                    report.still_running += 1;
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(job_id = %job.job_id, error = %e, "settle failed");
                    report.errors += 1;
                }
            },
            Err(e) => {
                tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "could not read prediction");
                report.errors += 1;
            }
        }
    }
    tracing::info!(
        checked = report.checked,
        settled = report.settled,
        requeued = report.requeued,
        errors = report.errors,
        "reconciled"
    );
    report
}
