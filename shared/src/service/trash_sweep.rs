//! Purging for good (service::trash): the one purge of a trashed asset, the hook every hard
//! delete ends with, and the scheduled sweep (`trash-sweep`, its own function, outside the
//! reconciler's time budget) that purges what stayed `TRASH_RETENTION_DAYS` in the trash.
use super::bounded::{Outcome, Window, drain};
use crate::api::ApiError;
use crate::app::App;
use crate::domain::Asset;
use crate::domain::trash::Trashed;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::time::Duration;

/// The sweep's function in routes.json.
pub const FUNCTION: &str = "trash-sweep";
/// Due trashed assets read per page of the `purge_due` index.
const PAGE: i32 = 100;
/// At most this many purges per run; what is left waits for the next run (hourly).
pub const MAX_PER_RUN: usize = 500;
/// The sweep's window: no page or purge is started that could end later than this after the
/// sweep began (nor, in Lambda, later than the deadline less the margin).
pub const SWEEP_BUDGET: Duration = Duration::from_secs(90);
/// The most one page of the index, or one purge (its versions, then its record), may take; a
/// step still running then is cut off and the next run takes it up again.
pub const PER_STEP: Duration = Duration::from_secs(10);
/// Left free before the invocation's deadline, for the report.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(5);

/// The sweep's window, given the time left before the invocation's deadline (`None` locally).
pub fn sweep_window(left: Option<Duration>) -> Duration {
    left.map_or(SWEEP_BUDGET, |l| SWEEP_BUDGET.min(l.saturating_sub(DEADLINE_MARGIN)))
}

/// What happens with an asset once its record is gone for good (a purge, the expiry sweep, a
/// discarded output): the one place where whatever else belongs to an asset goes with it: its
/// search terms (service::search::forget_terms); collection memberships hook in here too.
/// Trashing is not a hard delete: what belongs to a trashed asset stays until its purge
/// (readers skip it: it is not found).
pub async fn forget_asset(app: &App, asset: &Asset) -> Result<(), ApiError> {
    super::search::forget_terms(&app.store, asset).await;
    tracing::info!(asset_id = %asset.asset_id, "asset deleted for good");
    Ok(())
}

/// Purges a trashed asset for good: marks the record as being purged (a racing restore then
/// finds nothing), deletes every version and delete marker of its object (and of its thumbnail), then the record with
/// its bytes off the storage count, then `forget_asset`. With `due_before` (the sweep) only if
/// its `purge_at` is still before it. False when it is no longer that trashed record. A failure
/// after the mark leaves the record in the trash, marked: the purge (by the user or the next
/// sweep) is repeated from the start, and deleting versions already gone is nothing.
pub async fn purge_trashed(app: &App, t: &Trashed, due_before: Option<i64>) -> Result<bool, ApiError> {
    if !app.store.mark_purging(t, due_before).await? {
        return Ok(false);
    }
    let mut versions = app.media.purge_versions(&t.asset.s3_key).await.map_err(ApiError::internal)?;
    // Its thumbnail (service::thumbs) goes with it, every version.
    if let Some(thumb) = &t.asset.thumb_key {
        versions += app.media.purge_versions(thumb).await.map_err(ApiError::internal)?;
    }
    if !app.store.delete_trashed(&t.asset).await? {
        return Ok(false);
    }
    tracing::info!(asset_id = %t.asset.asset_id, versions, "trashed asset purged");
    // Its collection memberships go with it (the trashed record kept its holders).
    super::collections::forget_memberships(app, t.user(), &t.asset.asset_id, &t.holders).await?;
    forget_asset(app, &t.asset).await?;
    Ok(true)
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct TrashSweepReport {
    /// Trashed assets purged (every object version, then the record).
    pub purged: usize,
    /// Listed as due but no longer (restored, purged or trashed again meanwhile).
    pub skipped: usize,
    pub errors: usize,
    /// The run ended with due assets left for the next run (its window or cap reached).
    pub stopped_early: bool,
}

/// Purges every trashed asset whose `purge_at` is before `now`, oldest first, reading the
/// sparse `purge_due` index (never a scan), within `sweep_window` and `MAX_PER_RUN`
/// (service::bounded). `now` is a parameter so tests can move the clock.
pub async fn sweep_trash(app: &App, now: DateTime<Utc>) -> TrashSweepReport {
    let window = Window::new(SWEEP_BUDGET, PER_STEP, DEADLINE_MARGIN);
    let now = now.timestamp();
    let drained = drain(
        &window,
        MAX_PER_RUN,
        "trash",
        |start| app.store.list_purge_due(now, PAGE, start),
        |t: Trashed| async move {
            match purge_trashed(app, &t, Some(now)).await {
                Ok(true) => Outcome::Done,
                Ok(false) => Outcome::Skipped,
                Err(e) => {
                    tracing::warn!(asset_id = %t.asset.asset_id, error = %e, "could not purge a trashed asset");
                    Outcome::Failed
                }
            }
        },
    )
    .await;
    let report = TrashSweepReport {
        purged: drained.done,
        skipped: drained.skipped,
        errors: drained.errors,
        stopped_early: drained.stopped_early,
    };
    tracing::info!(
        purged = report.purged,
        skipped = report.skipped,
        errors = report.errors,
        "trash sweep done"
    );
    report
}
