use super::settle::{Settled, settle_job};
use crate::app::App;
use crate::clock;
use crate::domain::{Job, JobError, JobStatus};
use crate::queue::JobMessage;
use crate::replicate::ReplicateClient;
use std::time::{Duration, Instant};

/// Jobs read per page of the stale-job index.
const PAGE: i32 = 100;
/// At most this many jobs per run; what is left waits for the next run.
const MAX_JOBS_PER_RUN: usize = 2000;

// The run ends inside the reconciler's timeout (routes.json) by construction: a job (or a page
// of the index) is started only while the whole of its bound fits in the jobs' window, each
// is cut at its bound, and the expiry sweep that follows has its own (service::expiry).

/// The jobs' window: no job or page is started that could end later than this after the run
/// began (nor, in Lambda, later than the deadline less the sweep's window and the margin).
pub const JOBS_BUDGET: Duration = Duration::from_secs(60);
/// The most one job may take: the read of its prediction (at most [`READ_TIMEOUT`] ×
/// [`READ_ATTEMPTS`] + [`READ_RETRY_WAIT`]) and a few writes of the store and the queue. A job
/// still running then is cut off (its writes are conditional; the next run takes it up again).
pub const PER_JOB: Duration = Duration::from_secs(30);
/// The most one page of the stale-job index may take.
pub const PER_PAGE: Duration = Duration::from_secs(10);
/// The reconciler's reads of a prediction: each request's timeout, tries, and the most its
/// tries may sleep on `Retry-After` (a longer wait fails the read; the next run reads again).
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const READ_ATTEMPTS: u32 = 2;
pub const READ_RETRY_WAIT: Duration = Duration::from_secs(5);
/// Left free before the invocation's deadline, for the report.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// How long until the invocation's deadline (`runtime::deadline`), if it has one.
pub(crate) fn time_left() -> Option<Duration> {
    crate::runtime::deadline().map(|d| d.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

/// The jobs' window, given the time left before the invocation's deadline (`None` locally):
/// [`JOBS_BUDGET`], less whatever the sweep's window and the margin need of the time left.
pub fn jobs_window(left: Option<Duration>) -> Duration {
    let reserve = super::expiry::SWEEP_BUDGET + DEADLINE_MARGIN;
    left.map_or(JOBS_BUDGET, |l| JOBS_BUDGET.min(l.saturating_sub(reserve)))
}

/// Whether a step bounded by `bound` may start now and still end by `until`.
pub(crate) fn fits(until: Instant, bound: Duration) -> bool {
    Instant::now() + bound <= until
}

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
    /// The run ended with stale jobs left for the next one (its window or job cap reached).
    pub stopped_early: bool,
}

/// Finds unfinished jobs untouched for longer than `reconcile_after` (a lost webhook, a lost
/// message) and settles them from the provider's state exactly as the webhook would, re-queues
/// a job that never reached the provider, and gives up (releasing the money) on a job nobody
/// is submitting or whose prediction can't be read, after `give_up_after`. It pages through
/// every stale job, so jobs that keep failing can't block the rest.
pub async fn reconcile(app: &App) -> ReconcileReport {
    let mut report = ReconcileReport::default();
    let until = Instant::now() + jobs_window(time_left());
    let cutoff = clock::now() - chrono::Duration::from_std(app.config.reconcile_after).unwrap_or_else(|_| chrono::Duration::minutes(10));
    let cutoff = clock::rfc3339(cutoff);
    let mut start = None;
    'pages: loop {
        if !fits(until, PER_PAGE) {
            report.stopped_early = true;
            break;
        }
        let page = tokio::time::timeout(PER_PAGE, app.store.list_stale_open_jobs(&cutoff, PAGE, start.take())).await;
        let (jobs, next) = match page {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "reconciler could not list jobs");
                report.errors += 1;
                break;
            }
            Err(_) => {
                tracing::error!("reconciler's listing of jobs timed out");
                report.errors += 1;
                break;
            }
        };
        for job in jobs {
            if report.checked >= MAX_JOBS_PER_RUN || !fits(until, PER_JOB) {
                report.stopped_early = true;
                break 'pages;
            }
            report.checked += 1;
            let job_id = job.job_id.clone();
            if tokio::time::timeout(PER_JOB, reconcile_job(app, job, &mut report)).await.is_err() {
                tracing::warn!(job_id = %job_id, "reconciling a job took too long; the next run takes it up again");
                report.errors += 1;
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    if report.stopped_early {
        tracing::warn!(
            checked = report.checked,
            "reconciler stopped early; the rest waits for the next run"
        );
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

/// The provider client for the reconciler's reads: one read ends within
/// `READ_TIMEOUT × READ_ATTEMPTS + READ_RETRY_WAIT`, well inside [`PER_JOB`].
fn reader(client: ReplicateClient, configured_wait: Duration) -> ReplicateClient {
    client
        .with_request_timeout(READ_TIMEOUT)
        .with_max_attempts(READ_ATTEMPTS)
        .with_max_retry_wait(configured_wait.min(READ_RETRY_WAIT))
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
                Ok(c) => reader(c, app.config.replicate_max_retry_wait),
                Err(e) => {
                    tracing::error!(error = %e, "no provider client");
                    report.errors += 1;
                    return;
                }
            };
            let prediction = match client.get_prediction(&pid).await {
                Ok(p) => p,
                Err(e) if too_old => {
                    // Unreadable for too long: release the money, and have the run stopped if
                    // it runs (by the worker: a cancel may be throttled far beyond this run).
                    tracing::warn!(job_id = %job.job_id, prediction_id = %pid, error = %e, "prediction unreadable; giving up");
                    if let Err(e) = super::stray::queue_cancel(app, &job, &pid).await {
                        tracing::error!(job_id = %job.job_id, prediction_id = %pid, error = %e, "could not queue the cancel of an unreadable prediction");
                        report.errors += 1;
                        return;
                    }
                    let err = JobError {
                        code: "lost".into(),
                        message: "The provider lost track of this run. Nothing was charged.".into(),
                    };
                    // Nothing is known of what it cost: recorded as an estimate of nothing.
                    let billed = crate::billing::ProviderRecord::unread(&pid, super::bill::basis_of(app, &job));
                    match app.store.settle_failure(&job, JobStatus::Failed, &err, Some(&billed), &now).await {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::expiry::SWEEP_BUDGET;

    fn reconciler_timeout() -> Duration {
        let routes: serde_json::Value = serde_json::from_str(include_str!("../../../routes.json")).unwrap();
        Duration::from_secs(routes["functions"]["reconciler"]["timeout_s"].as_u64().unwrap())
    }

    #[test]
    fn a_run_ends_inside_the_reconcilers_timeout_whatever_it_meets() {
        let timeout = reconciler_timeout();
        // One read of a prediction at its worst: every try times out, and between tries the
        // most Retry-After the reader may sleep.
        let read = READ_TIMEOUT * READ_ATTEMPTS + READ_RETRY_WAIT;
        assert!(
            read < PER_JOB,
            "a job's bound ({PER_JOB:?}) must hold its read ({read:?}) and its writes"
        );
        assert!(PER_JOB.max(PER_PAGE) <= JOBS_BUDGET, "a run must have room for a page and a job");
        // A job or a page starts only when its whole bound fits in the jobs' window, and is cut
        // at that bound: the jobs end within the window. Then the sweep, cut at its own bound.
        // The ledger's report comes first (service::bill), cut at its own bound; the jobs'
        // window is taken from the time left after it.
        let jobs = jobs_window(None).max(jobs_window(Some(timeout)));
        let worst = crate::service::LEDGER_BUDGET + jobs + SWEEP_BUDGET + DEADLINE_MARGIN;
        assert!(worst <= timeout, "worst run {worst:?} exceeds the reconciler's timeout {timeout:?}");
    }

    #[test]
    fn the_jobs_leave_the_sweep_and_the_margin_before_a_near_deadline() {
        assert_eq!(jobs_window(None), JOBS_BUDGET);
        assert_eq!(jobs_window(Some(Duration::from_secs(3600))), JOBS_BUDGET);
        for left in [0, 10, 35, 50, 80, 95, 120].map(Duration::from_secs) {
            let w = jobs_window(Some(left));
            assert!(w <= JOBS_BUDGET);
            if left >= SWEEP_BUDGET + DEADLINE_MARGIN {
                assert_eq!(
                    w + SWEEP_BUDGET + DEADLINE_MARGIN,
                    left.min(JOBS_BUDGET + SWEEP_BUDGET + DEADLINE_MARGIN),
                    "{left:?}"
                );
            } else {
                assert_eq!(w, Duration::ZERO, "no time left for jobs: {left:?}");
            }
        }
    }
}
