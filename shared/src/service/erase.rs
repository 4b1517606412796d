//! The account erasure ("Delete my data"; docs/architecture.md "Deleting an account"): the
//! scheduled `account-erase` function works through the erasures `POST /api/account/deletion`
//! queued (store::erasure), in bounded steps (service::bounded) that the next run continues.
//! One pass over a user, in this order, each step idempotent:
//! 1. jobs: an unfinished one is canceled by the user's own cancel (service::cancel: charged
//!    by the usual rules); finished ones are deleted. A job still settling is left for a later
//!    pass (its webhook or the worker settles it; neither lands outputs: service::copy).
//! 2. asset records, live and trashed: each one's search terms first
//!    (`trash_sweep::forget_asset`, the one hard-delete hook: a term partition can't be listed
//!    by user), then the records.
//! 3. every object version and delete marker under `users/{sub}/` (assets, upload staging,
//!    exports).
//! 4. the user's usage partition but the tombstone (months, days, limits, storage, sets,
//!    stories, boards and tiles, collections and members, upload markers).
//! 5. share links: each token's lookup item, then the owner's item.
//!
//! Once a pass finds nothing and no late write can come (domain::erasure::LATE_WRITES), the
//! idempotency table is scanned once for the user's claims, then the Cognito user is deleted.
use super::bounded::{Drained, Outcome, Window, drain};
use crate::app::App;
use crate::domain::erasure::{Stage, stage};
use crate::domain::{JobStatus, UserId};
use crate::media::user_prefix;
use crate::store::{AssetRecord, Erasure, ShareRecord, Wiped};
use chrono::{DateTime, Utc};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The erasure's function in routes.json.
pub const FUNCTION: &str = "account-erase";
/// The run's window, within the function's 60 s timeout.
pub const ERASE_BUDGET: Duration = Duration::from_secs(45);
/// The most one step (a page read, a page of deletes) may take.
pub const PER_STEP: Duration = Duration::from_secs(10);
/// Left free before the invocation's deadline, for the report.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);
/// Items read per page (jobs, asset records, usage items, shares).
const PAGE: i32 = 100;
/// Idempotency items scanned per step.
const SCAN_PAGE: i32 = 1000;
/// Search-term deletes of a page's assets in flight at once.
const FORGET_CONCURRENCY: usize = 8;
/// Pages one pass may handle per kind: far more than the window allows.
const MAX_PAGES: usize = 10_000;

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct EraseReport {
    /// Users whose pass ran.
    pub users: usize,
    /// Items, records and object versions deleted.
    pub deleted: usize,
    /// Unfinished jobs canceled.
    pub canceled: usize,
    /// Jobs still settling (left for a later pass).
    pub settling: usize,
    /// Cognito users deleted.
    pub accounts_closed: usize,
    /// Tombstones removed after their time.
    pub tombstones_removed: usize,
    pub errors: usize,
    /// The run ended with work left for the next run.
    pub stopped_early: bool,
}

/// What one pass over a user found.
#[derive(Debug, Default)]
struct Pass {
    deleted: AtomicUsize,
    canceled: AtomicUsize,
    settling: AtomicUsize,
    errors: usize,
    stopped_early: bool,
}

impl Pass {
    fn add(&mut self, d: Drained) {
        self.errors += d.errors;
        self.stopped_early |= d.stopped_early;
    }
    /// Nothing of the user was found: the user's data is gone.
    fn empty(&self) -> bool {
        self.deleted.load(Ordering::Relaxed) == 0
            && self.settling.load(Ordering::Relaxed) == 0
            && self.canceled.load(Ordering::Relaxed) == 0
            && self.errors == 0
            && !self.stopped_early
    }
}

fn page<T, K>(p: (Vec<T>, Option<K>)) -> (Vec<Vec<T>>, Option<K>) {
    (vec![p.0], p.1)
}

fn failed(what: &str, user: &UserId, e: impl std::fmt::Display) -> Outcome {
    tracing::warn!(user_id = %user, error = %e, "account erasure: could not delete {what}");
    Outcome::Failed
}

/// One pass over everything `user` owns, within `window`.
async fn sweep_user(app: &App, user: &UserId, window: &Window) -> Pass {
    let mut pass = Pass::default();
    // 1. Jobs.
    let d = drain(
        window,
        MAX_PAGES,
        "erase jobs",
        |start| async move { app.store.user_jobs(user, PAGE, start).await.map(page) },
        |jobs| {
            let pass = &pass;
            async move {
                let mut gone = Vec::new();
                for job in jobs {
                    if !job.status.is_terminal() {
                        match super::cancel(app, user, &job.job_id).await {
                            Ok(j) if j.status == JobStatus::Canceled => {
                                pass.canceled.fetch_add(1, Ordering::Relaxed);
                            }
                            Ok(_) | Err(_) => {
                                pass.settling.fetch_add(1, Ordering::Relaxed);
                                continue;
                            }
                        }
                    }
                    gone.push(app.store.user_key(user, "job_id", job.job_id.as_str()));
                }
                let n = gone.len();
                match app.store.delete_keys(Wiped::Jobs, gone).await {
                    Ok(()) => {
                        pass.deleted.fetch_add(n, Ordering::Relaxed);
                        Outcome::Done
                    }
                    Err(e) => failed("jobs", user, e),
                }
            }
        },
    )
    .await;
    pass.add(d);
    // 2. Asset records: search terms first, then the record.
    let d = drain(
        window,
        MAX_PAGES,
        "erase assets",
        |start| async move { app.store.user_asset_records(user, PAGE, start).await.map(page) },
        |records: Vec<AssetRecord>| {
            let pass = &pass;
            async move {
                for r in records.iter().filter(|r| r.asset.is_none()) {
                    tracing::warn!(user_id = %user, key = %r.key, "account erasure: an asset record that does not read as one (its search terms can't be found)");
                }
                let assets: Vec<_> = records.iter().filter_map(|r| r.asset.clone()).collect();
                let forgotten: Vec<bool> = stream::iter(assets)
                    .map(|a| async move { super::trash_sweep::forget_asset(app, &a).await.is_ok() })
                    .buffer_unordered(FORGET_CONCURRENCY)
                    .collect()
                    .await;
                if forgotten.contains(&false) {
                    return failed("search terms", user, "a term delete failed");
                }
                let keys: Vec<_> = records.iter().map(|r| app.store.user_key(user, "asset_id", &r.key)).collect();
                let n = keys.len();
                match app.store.delete_keys(Wiped::Assets, keys).await {
                    Ok(()) => {
                        pass.deleted.fetch_add(n, Ordering::Relaxed);
                        Outcome::Done
                    }
                    Err(e) => failed("asset records", user, e),
                }
            }
        },
    )
    .await;
    pass.add(d);
    // 3. Every object version and delete marker under the user's prefix.
    let prefix = user_prefix(user);
    loop {
        if !window.fits() {
            pass.stopped_early = true;
            break;
        }
        match window.step(app.media.purge_prefix_page(&prefix)).await {
            Some(Ok(0)) => break,
            Some(Ok(n)) => {
                pass.deleted.fetch_add(n, Ordering::Relaxed);
            }
            Some(Err(e)) => {
                failed("objects", user, e);
                pass.errors += 1;
                break;
            }
            None => {
                pass.errors += 1;
                break;
            }
        }
    }
    // 4. The usage partition, but the tombstone.
    let d = drain(
        window,
        MAX_PAGES,
        "erase usage",
        |start| async move { app.store.user_usage_periods(user, PAGE, start).await.map(page) },
        |periods: Vec<String>| {
            let pass = &pass;
            async move {
                let keys: Vec<_> = periods.iter().map(|p| app.store.user_key(user, "period", p)).collect();
                let n = keys.len();
                match app.store.delete_keys(Wiped::Usage, keys).await {
                    Ok(()) => {
                        pass.deleted.fetch_add(n, Ordering::Relaxed);
                        Outcome::Done
                    }
                    Err(e) => failed("usage items", user, e),
                }
            }
        },
    )
    .await;
    pass.add(d);
    // 5. Share links: the token's lookup item, then the owner's item.
    let d = drain(
        window,
        MAX_PAGES,
        "erase shares",
        |start| async move { app.store.user_share_records(user, PAGE, start).await.map(page) },
        |shares: Vec<ShareRecord>| {
            let pass = &pass;
            async move {
                let lookups: Vec<_> = shares
                    .iter()
                    .filter_map(|s| s.token_hash.as_deref())
                    .map(crate::store::share_lookup_key)
                    .collect();
                let owners: Vec<_> = shares.iter().map(|s| crate::store::share_owner_key(user, &s.sk)).collect();
                let n = lookups.len() + owners.len();
                let done = async {
                    app.store.delete_keys(Wiped::Shares, lookups).await?;
                    app.store.delete_keys(Wiped::Shares, owners).await
                };
                match done.await {
                    Ok(()) => {
                        pass.deleted.fetch_add(n, Ordering::Relaxed);
                        Outcome::Done
                    }
                    Err(e) => failed("share links", user, e),
                }
            }
        },
    )
    .await;
    pass.add(d);
    pass
}

/// Scans the idempotency table for the user's claims from where the last run stopped, and
/// deletes them. True when the scan went through to the end.
async fn scan_claims(app: &App, e: &Erasure, window: &Window, report: &mut EraseReport) -> bool {
    let mut cursor = e.idem_cursor.clone();
    loop {
        if !window.fits() {
            report.stopped_early = true;
            break;
        }
        let step = async {
            let (keys, next) = app.store.user_claims(&e.user, SCAN_PAGE, cursor.clone()).await?;
            let n = keys.len();
            let keys = keys.into_iter().map(crate::store::claim_key).collect();
            app.store.delete_keys(Wiped::Idempotency, keys).await?;
            Ok::<_, crate::store::StoreError>((n, next))
        };
        match window.step(step).await {
            Some(Ok((n, next))) => {
                report.deleted += n;
                cursor = next;
                if cursor.is_none() {
                    break;
                }
            }
            Some(Err(err)) => {
                failed("idempotency claims", &e.user, err);
                report.errors += 1;
                break;
            }
            None => {
                report.errors += 1;
                break;
            }
        }
    }
    let done = cursor.is_none() && report.errors == 0;
    if let Err(err) = app.store.save_idem_scan(&e.user, cursor.as_deref(), done).await {
        failed("the scan's progress", &e.user, err);
        report.errors += 1;
        return false;
    }
    done
}

/// Works on one erasure within `window`.
async fn erase_one(app: &App, e: &Erasure, now: DateTime<Utc>, window: &Window, report: &mut EraseReport) {
    let Ok(deleted_at) = DateTime::parse_from_rfc3339(&e.deleted_at).map(|t| t.with_timezone(&Utc)) else {
        tracing::error!(user_id = %e.user, "account erasure: unreadable deleted_at");
        report.errors += 1;
        return;
    };
    if e.user_gone {
        if stage(deleted_at, now, true, true) == Stage::Forget {
            match app.store.forget_erasure(&e.user).await {
                Ok(()) => {
                    report.tombstones_removed += 1;
                    tracing::info!(user_id = %e.user, "account erasure: tombstone removed");
                }
                Err(err) => {
                    failed("the tombstone", &e.user, err);
                    report.errors += 1;
                }
            }
        }
        return;
    }
    report.users += 1;
    let pass = sweep_user(app, &e.user, window).await;
    report.deleted += pass.deleted.load(Ordering::Relaxed);
    report.canceled += pass.canceled.load(Ordering::Relaxed);
    report.settling += pass.settling.load(Ordering::Relaxed);
    report.errors += pass.errors;
    report.stopped_early |= pass.stopped_early;
    if stage(deleted_at, now, pass.empty(), false) != Stage::Final {
        return;
    }
    if !e.idem_done && !scan_claims(app, e, window, report).await {
        return;
    }
    let Some(username) = e.username.as_deref() else {
        report.errors += 1;
        return;
    };
    match app.idp.admin_delete_user(app.api_http(), username).await {
        Ok(found) => {
            tracing::info!(user_id = %e.user, found, "account erasure: data and user deleted");
            if let Err(err) = app.store.erasure_user_gone(&e.user).await {
                failed("the erasure's state", &e.user, err);
                report.errors += 1;
            } else {
                report.accounts_closed += 1;
            }
        }
        Err(err) => {
            failed("the Cognito user", &e.user, err);
            report.errors += 1;
        }
    }
}

/// Works through every listed erasure within the run's window. `now` is a parameter so tests
/// can move the clock.
pub async fn erase_accounts(app: &App, now: DateTime<Utc>) -> EraseReport {
    let window = Window::new(ERASE_BUDGET, PER_STEP, DEADLINE_MARGIN);
    let mut report = EraseReport::default();
    let mut start = None;
    loop {
        if !window.fits() {
            report.stopped_early = true;
            break;
        }
        let (erasures, next) = match window.step(app.store.erasures(PAGE, start.take())).await {
            Some(Ok(p)) => p,
            Some(Err(e)) => {
                tracing::error!(error = %e, "account erasure could not list its work");
                report.errors += 1;
                break;
            }
            None => {
                report.errors += 1;
                break;
            }
        };
        for e in &erasures {
            erase_one(app, e, now, &window, &mut report).await;
        }
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    tracing::info!(
        users = report.users,
        deleted = report.deleted,
        canceled = report.canceled,
        settling = report.settling,
        accounts_closed = report.accounts_closed,
        tombstones_removed = report.tombstones_removed,
        errors = report.errors,
        stopped_early = report.stopped_early,
        "account erasure run done"
    );
    report
}
