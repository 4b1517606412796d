//! The provider audit (`provider-audit`, on its own schedule): lists the predictions of the
//! Replicate account created in a closed window, matches each to a job, reports what disagrees,
//! and queues the cancel of this deployment's predictions that run with no job of their own
//! (domain::audit judges; this module lists, looks up, acts and writes the report).
//!
//! A run lists `GET /v1/predictions` newest first, page after page, its reads paced
//! ([`Pacer`]) to a share of Replicate's 3000 reads a minute. The watermark (store::audit) moves
//! to the window's end only after every page and every prediction of the window was audited:
//! a run that fails or is stopped between pages leaves it, and the next run lists the window
//! again. Each run writes its report (JSON lines: a summary, then one line per finding) to
//! `reports/provider-audit/` in the media bucket, and its counts as metrics (crate::metrics).
use super::reconcile::{fits, time_left};
use crate::app::App;
use crate::clock;
use crate::domain::audit::{self, Destination, Finding, Found, Pacer};
use crate::queue::CancelMessage;
use crate::replicate::{Prediction, ReplicateClient};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The function's name (routes.json), and its reports' folder.
pub const FUNCTION: &str = "provider-audit";
/// The window for listing and matching: no page or prediction is started that could end later
/// than this after the run began (nor later than the deadline less the report's time).
pub const PAGES_BUDGET: Duration = Duration::from_secs(240);
/// One listing read: each request's timeout, tries, and the most its tries may sleep on
/// `Retry-After`.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const READ_ATTEMPTS: u32 = 2;
pub const READ_RETRY_WAIT: Duration = Duration::from_secs(5);
/// The most one page may take (its read at its worst fits: a test checks).
pub const PER_PAGE: Duration = Duration::from_secs(25);
/// The most one prediction may take: its lookups (a query and a few reads) and a cancel's
/// message.
pub const PER_PREDICTION: Duration = Duration::from_secs(10);
/// The watermark's write and the report's, after the pages.
pub const REPORT_BUDGET: Duration = Duration::from_secs(20);
/// Left free before the invocation's deadline.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);
/// Finding lines kept in one report; the counts cover every prediction either way.
pub const MAX_LINES: usize = 5000;

/// The pages' window, given the time left before the deadline (`None` locally).
pub fn pages_window(left: Option<Duration>) -> Duration {
    left.map_or(PAGES_BUDGET, |l| {
        PAGES_BUDGET.min(l.saturating_sub(REPORT_BUDGET + DEADLINE_MARGIN))
    })
}

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    pub window_from: String,
    pub window_to: String,
    pub pages: usize,
    pub listed: usize,
    /// Made in the web console: counted, never touched.
    pub web: usize,
    /// With a job of ours (agreeing or not).
    pub matched: usize,
    pub disagreements: usize,
    /// This deployment's predictions that no job knows (the alarmed count).
    pub orphans: usize,
    /// Predictions no job knows that are not this deployment's: reported, never touched.
    pub foreign_orphans: usize,
    /// A deleted user's: not orphans.
    pub deleted_user: usize,
    pub strays: usize,
    /// Finished predictions whose provider cost differs from what their job recorded, beyond
    /// the tolerance (`domain::audit::cost_drift`).
    pub cost_drifts: usize,
    pub cancels_queued: usize,
    pub errors: usize,
    /// Every page and prediction of the window was audited.
    pub complete: bool,
    pub watermark_advanced: bool,
    pub report_key: Option<String>,
    pub lines_left_out: usize,
    #[serde(skip)]
    pub lines: Vec<Value>,
}

#[derive(Debug, thiserror::Error)]
enum AuditError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Queue(#[from] crate::queue::QueueError),
}

fn reader(client: ReplicateClient) -> ReplicateClient {
    client
        .with_request_timeout(READ_TIMEOUT)
        .with_max_attempts(READ_ATTEMPTS)
        .with_max_retry_wait(READ_RETRY_WAIT)
}

/// One run: see the module's documentation.
pub async fn provider_audit(app: &App) -> AuditReport {
    let until = Instant::now() + pages_window(time_left());
    let now = clock::now();
    let mut r = AuditReport::default();
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&chrono::Utc));
    let watermark = match app.store.audit_watermark().await {
        Ok(w) => w.as_deref().and_then(parse),
        Err(e) => {
            tracing::error!(error = %e, "provider audit could not read its watermark");
            r.errors += 1;
            return finish(app, r, now, None).await;
        }
    };
    let Some((from, to)) = audit::window(now, app.config.audit_lag, watermark) else {
        r.complete = true;
        return finish(app, r, now, None).await;
    };
    r.window_from = clock::rfc3339(from);
    r.window_to = clock::rfc3339(to);
    let client = match app.replicate().await {
        Ok(c) => reader(c),
        Err(e) => {
            tracing::error!(error = %e, "no provider client");
            r.errors += 1;
            return finish(app, r, now, None).await;
        }
    };
    let own = app.config.webhook_url();
    let mut pacer = Pacer::new(app.config.audit_reads_per_minute);
    let mut next: Option<String> = None;
    let mut listed_all = false;
    'pages: loop {
        if !fits(until, PER_PAGE + pacer.interval()) {
            break;
        }
        tokio::time::sleep(pacer.next(Instant::now())).await;
        let read = client.list_predictions(&r.window_from, &r.window_to, next.as_deref());
        let page = match tokio::time::timeout(PER_PAGE, read).await {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => {
                tracing::error!(error = %e, page = r.pages + 1, "provider audit could not list predictions; the window is listed again next run");
                r.errors += 1;
                break;
            }
            Err(_) => {
                tracing::error!(
                    page = r.pages + 1,
                    "a page of predictions took too long; the window is listed again next run"
                );
                r.errors += 1;
                break;
            }
        };
        r.pages += 1;
        for p in &page.results {
            if !fits(until, PER_PREDICTION) {
                break 'pages;
            }
            r.listed += 1;
            match tokio::time::timeout(PER_PREDICTION, audit_one(app, own.as_deref(), p, &mut r)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(prediction_id = %p.id, error = %e, "could not audit a prediction");
                    r.errors += 1;
                }
                Err(_) => {
                    tracing::error!(prediction_id = %p.id, "auditing a prediction took too long");
                    r.errors += 1;
                }
            }
        }
        match page.next {
            Some(n) => next = Some(n),
            None => {
                listed_all = true;
                break;
            }
        }
    }
    r.complete = listed_all && r.errors == 0;
    if !r.complete {
        tracing::warn!(pages = r.pages, errors = r.errors, "provider audit incomplete; the watermark stays");
    }
    let advance = r.complete.then_some(to);
    finish(app, r, now, advance).await
}

/// Looks a prediction up, classes it, queues its cancel when it must stop, counts it.
async fn audit_one(app: &App, own: Option<&str>, p: &Prediction, r: &mut AuditReport) -> Result<(), AuditError> {
    if p.source.as_deref() == Some("web") {
        r.web += 1;
        return Ok(());
    }
    let dest = audit::destination(p.webhook.as_deref(), own);
    let found = match app.store.find_job_by_prediction(&p.id).await? {
        Some(job) => {
            cost_check(app, &job, p, r);
            Found::ByPrediction {
                user: job.user_id,
                job: job.job_id,
                status: job.status,
            }
        }
        None => match &dest {
            Destination::Ours(Some((user, job))) => match app.store.get_job(user, job).await? {
                Some(job) => Found::ByMarker {
                    status: job.status,
                    recorded: job.prediction_id,
                },
                None => Found::Nothing {
                    user_deleted: app.store.user_deleted(user).await?,
                },
            },
            _ => Found::Nothing { user_deleted: false },
        },
    };
    let finding = audit::classify(&p.id, &p.status, &dest, found);
    let mut action = "none";
    if let Some((user_id, job_id)) = audit::to_cancel(&finding, &p.status) {
        let msg = CancelMessage {
            user_id,
            job_id,
            prediction_id: p.id.clone(),
        };
        app.queue.send_cancel(msg).await?;
        r.cancels_queued += 1;
        action = "cancel_queued";
    }
    let (kind, user, job, job_status) = match &finding {
        Finding::Web => unreachable!("web predictions are counted before"),
        Finding::Agrees => {
            r.matched += 1;
            return Ok(());
        }
        Finding::Disagrees { user, job, job_status } => {
            r.matched += 1;
            r.disagreements += 1;
            ("disagreement", Some(user), Some(job), Some(job_status.as_str()))
        }
        Finding::Stray { user, job } => {
            r.strays += 1;
            ("stray", Some(user), Some(job), None)
        }
        Finding::DeletedUser { user, job } => {
            r.deleted_user += 1;
            ("deleted_user", Some(user), Some(job), None)
        }
        Finding::Orphan { ours: Some((user, job)) } => {
            r.orphans += 1;
            ("orphan", Some(user), Some(job), None)
        }
        Finding::Orphan { ours: None } => {
            r.foreign_orphans += 1;
            ("foreign_orphan", None, None, None)
        }
    };
    tracing::warn!(kind, prediction_id = %p.id, status = %p.status, action, "provider audit finding");
    if r.lines.len() >= MAX_LINES {
        r.lines_left_out += 1;
        return Ok(());
    }
    // The webhook's host only: its query names a user.
    let host = p
        .webhook
        .as_deref()
        .and_then(|w| url::Url::parse(w).ok())
        .and_then(|u| u.host_str().map(str::to_string));
    r.lines.push(json!({
        "kind": kind,
        "prediction_id": p.id,
        "model": p.model,
        "status": p.status.as_str(),
        "created_at": p.created_at,
        "source": p.source,
        "webhook_host": host,
        "user_id": user.map(|u| u.as_str()),
        "job_id": job.map(|j| j.as_str()),
        "job_status": job_status,
        "action": action,
    }));
    Ok(())
}

/// Compares the provider cost of a finished prediction, as listed now (its final metrics), with
/// what its job recorded when it settled (`job.provider`, billing::ProviderRecord). Only a
/// metered figure is evidence: a listing without metrics says nothing about the bill.
fn cost_check(app: &App, job: &crate::domain::Job, p: &Prediction, r: &mut AuditReport) {
    let Some(recorded) = job.provider.as_ref().filter(|rec| rec.prediction_id == p.id) else {
        return;
    };
    let Some(spec) = app.catalog.get(&job.model).filter(|_| p.status.is_terminal()) else {
        return;
    };
    let now = app.catalog.provider_cost(spec, &job.options, p);
    let Some(diff) = audit::cost_drift(recorded.cost_micros, now.micros).filter(|_| now.metered) else {
        return;
    };
    r.cost_drifts += 1;
    tracing::warn!(job_id = %job.job_id, prediction_id = %p.id, recorded_micros = recorded.cost_micros.0, provider_micros = now.micros.0, "provider cost drift");
    if r.lines.len() >= MAX_LINES {
        r.lines_left_out += 1;
        return;
    }
    r.lines.push(json!({
        "kind": "cost_drift",
        "prediction_id": p.id,
        "model": p.model,
        "status": p.status.as_str(),
        "created_at": p.created_at,
        "user_id": job.user_id.as_str(),
        "job_id": job.job_id.as_str(),
        "job_status": job.status.as_str(),
        "recorded_micros": recorded.cost_micros.0,
        "recorded_metered": recorded.metered,
        "provider_micros": now.micros.0,
        "drift_micros": diff,
        "action": "none",
    }));
}

/// Moves the watermark (when the window was audited whole), writes the report and the
/// metrics, logs the counts.
async fn finish(
    app: &App,
    mut r: AuditReport,
    started: chrono::DateTime<chrono::Utc>,
    advance: Option<chrono::DateTime<chrono::Utc>>,
) -> AuditReport {
    let half = REPORT_BUDGET / 2;
    if let Some(to) = advance {
        match tokio::time::timeout(half, app.store.advance_audit_watermark(&clock::rfc3339(to))).await {
            Ok(Ok(moved)) => r.watermark_advanced = moved,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "could not move the audit watermark; the window is listed again next run");
                r.errors += 1;
            }
            Err(_) => {
                tracing::error!("moving the audit watermark took too long");
                r.errors += 1;
            }
        }
    }
    let file = format!("{}.jsonl", started.format("%Y-%m-%dT%H-%M-%SZ"));
    let put = app.media.put_report(FUNCTION, &file, report_body(&r));
    match tokio::time::timeout(half, put).await {
        Ok(Ok(key)) => r.report_key = Some(key),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "could not write the audit report");
            r.errors += 1;
        }
        Err(_) => {
            tracing::error!("writing the audit report took too long");
            r.errors += 1;
        }
    }
    crate::metrics::provider_audit(r.orphans, r.foreign_orphans, r.disagreements, r.cost_drifts);
    tracing::info!(
        window_from = %r.window_from,
        window_to = %r.window_to,
        pages = r.pages,
        listed = r.listed,
        web = r.web,
        matched = r.matched,
        disagreements = r.disagreements,
        orphans = r.orphans,
        foreign_orphans = r.foreign_orphans,
        deleted_user = r.deleted_user,
        strays = r.strays,
        cost_drifts = r.cost_drifts,
        cancels_queued = r.cancels_queued,
        errors = r.errors,
        complete = r.complete,
        "provider audit"
    );
    r
}

/// The report: the summary line (`"kind": "summary"`), then one line per finding.
pub fn report_body(r: &AuditReport) -> Vec<u8> {
    let mut summary = serde_json::to_value(r).unwrap_or_default();
    summary["kind"] = json!("summary");
    let mut out = summary.to_string();
    for l in &r.lines {
        out.push('\n');
        out.push_str(&l.to_string());
    }
    out.push('\n');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_fits_its_bound_and_the_pages_leave_the_report_its_time() {
        assert!(READ_TIMEOUT * READ_ATTEMPTS + READ_RETRY_WAIT <= PER_PAGE);
        assert!(PER_PAGE.max(PER_PREDICTION) <= PAGES_BUDGET);
        assert_eq!(pages_window(None), PAGES_BUDGET);
        for left in [0, 10, 25, 100, 265, 300, 900].map(Duration::from_secs) {
            let w = pages_window(Some(left));
            assert!(
                w + REPORT_BUDGET + DEADLINE_MARGIN <= left.max(REPORT_BUDGET + DEADLINE_MARGIN),
                "{left:?}"
            );
        }
    }

    #[test]
    fn the_report_is_a_summary_then_one_line_per_finding() {
        let r = AuditReport {
            listed: 3,
            orphans: 1,
            lines: vec![json!({"kind": "orphan", "prediction_id": "p1"})],
            ..Default::default()
        };
        let body = String::from_utf8(report_body(&r)).unwrap();
        let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            (lines[0]["kind"].as_str(), lines[0]["orphans"].as_u64()),
            (Some("summary"), Some(1))
        );
        assert_eq!(lines[1]["prediction_id"], "p1");
    }
}
