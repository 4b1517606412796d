//! Expiry of unsaved results (domain::expiry): the sweep that deletes a result past its
//! `expires_at`, record and object together, and the pinning of what saved items depend on.
use super::reconcile::fits;
use crate::app::App;
use crate::domain::{AssetId, AssetSource, UserId};
use crate::media::staging_key;
use chrono::{DateTime, Utc};
use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

/// Expired assets read per page of the expiring index.
const PAGE: i32 = 100;
/// At most this many assets per run; what is left waits for the next run.
const MAX_PER_RUN: usize = 1000;
/// The sweep's window (it shares the reconciler's run and timeout: service::reconcile): no page
/// or asset is started that could end later than this after the sweep began (nor, in Lambda,
/// later than the deadline less the margin).
pub const SWEEP_BUDGET: Duration = Duration::from_secs(30);
/// The most one page of the index, or one asset (its record, then its object), may take; a
/// step still running then is cut off (an asset cut between record and object is left to the
/// bucket's safety-net lifecycle rule, like a failed object delete).
pub const PER_STEP: Duration = Duration::from_secs(10);

/// The sweep's window, given the time left before the invocation's deadline (`None` locally).
pub fn sweep_window(left: Option<Duration>) -> Duration {
    left.map_or(SWEEP_BUDGET, |l| {
        SWEEP_BUDGET.min(l.saturating_sub(super::reconcile::DEADLINE_MARGIN))
    })
}
/// The most ancestors one pinning walks (a chain of edits is rarely longer).
pub const MAX_PINNED: usize = 50;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Assets deleted (record and object).
    pub expired: usize,
    /// Assets listed as expired that a save or unsave had meanwhile kept.
    pub kept: usize,
    pub errors: usize,
    /// Pending uploads past their expiry whose reservation was released (marker and staging
    /// object removed).
    pub uploads_released: usize,
    /// The sweep ended with expired assets left for the next run (its window or cap reached).
    pub stopped_early: bool,
}

impl SweepReport {
    fn done(&self) -> usize {
        self.expired + self.kept + self.errors + self.uploads_released
    }
}

/// Deletes every asset whose `expires_at` is before `now`: first the record, conditioned on
/// still being unsaved and expired (a save or an unsave racing the sweep wins and the object
/// stays), then the object. Then releases the pending uploads that expired: marker and
/// reservation, then the staging object. `now` is a parameter so tests can move the clock.
pub async fn sweep_expired(app: &App, now: DateTime<Utc>) -> SweepReport {
    let mut report = SweepReport::default();
    let until = Instant::now() + sweep_window(super::reconcile::time_left());
    let now = now.timestamp();
    let mut start = None;
    'pages: loop {
        if !fits(until, PER_STEP) {
            report.stopped_early = true;
            break;
        }
        let (assets, next) = match tokio::time::timeout(PER_STEP, app.store.list_expired(now, PAGE, start.take())).await {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "expiry sweep could not list expired assets");
                report.errors += 1;
                break;
            }
            Err(_) => {
                tracing::error!("expiry sweep's listing timed out");
                report.errors += 1;
                break;
            }
        };
        for asset in assets {
            if report.done() >= MAX_PER_RUN || !fits(until, PER_STEP) {
                report.stopped_early = true;
                break 'pages;
            }
            if tokio::time::timeout(PER_STEP, expire(app, &asset, now, &mut report)).await.is_err() {
                report.errors += 1;
                tracing::warn!(asset_id = %asset.asset_id, "expiring an asset took too long; the next run takes it up again");
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    if !report.stopped_early {
        release_expired_uploads(app, now, until, &mut report).await;
    }
    if report.stopped_early {
        let done = report.done();
        tracing::warn!(done, "expiry sweep stopped early; the rest waits for the next run");
    }
    report
}

/// Releases every pending upload that expired before `now` (store::uploads), within the
/// sweep's window: its marker and reservation in one transaction (a complete that settles first
/// wins: nothing is released), then its staging object. A failed object delete is left to the
/// bucket's `expire-upload-staging` rule; the count does not depend on objects.
async fn release_expired_uploads(app: &App, now: i64, until: Instant, report: &mut SweepReport) {
    let mut start = None;
    loop {
        if !fits(until, PER_STEP) {
            report.stopped_early = true;
            return;
        }
        let listed = tokio::time::timeout(PER_STEP, app.store.list_expired_uploads(now, PAGE, start.take())).await;
        let (uploads, next) = match listed {
            Ok(Ok(page)) => page,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "expiry sweep could not list expired uploads");
                report.errors += 1;
                return;
            }
            Err(_) => {
                tracing::error!("expiry sweep's listing of uploads timed out");
                report.errors += 1;
                return;
            }
        };
        for upload in uploads {
            if report.done() >= MAX_PER_RUN || !fits(until, PER_STEP) {
                report.stopped_early = true;
                return;
            }
            let step = async {
                match app.store.release_upload(&upload, Some(now)).await {
                    Ok(true) => {
                        report.uploads_released += 1;
                        tracing::info!(upload = %upload.period, bytes = upload.bytes, "expired upload released");
                        let Some(id) = upload.asset_id() else { return };
                        if let Err(e) = app.media.delete(&staging_key(&upload.user_id, &id)).await {
                            tracing::warn!(upload = %upload.period, error = %e, "expired upload's staging object not deleted");
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        report.errors += 1;
                        tracing::warn!(upload = %upload.period, error = %e, "could not release an expired upload");
                    }
                }
            };
            if tokio::time::timeout(PER_STEP, step).await.is_err() {
                report.errors += 1;
                tracing::warn!(upload = %upload.period, "releasing an upload took too long; the next run takes it up again");
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => return,
        }
    }
}

/// One expired asset: its record (conditioned on still unsaved and expired; its bytes leave the
/// storage count in the same transaction), then its object.
async fn expire(app: &App, asset: &crate::domain::Asset, now: i64, report: &mut SweepReport) {
    match app.store.delete_asset(asset, Some(now)).await {
        Ok(false) => {
            report.kept += 1;
            // Held but with an expiry (an unsave raced a hold): repaired, so it is not listed again.
            if let Err(e) = app.store.clear_expiry_if_held(&asset.user_id, &asset.asset_id).await {
                tracing::warn!(asset_id = %asset.asset_id, error = %e, "could not clear a held asset's expiry");
            }
        }
        Ok(true) => match forget_then_delete_object(app, asset).await {
            Ok(()) => {
                report.expired += 1;
                tracing::info!(asset_id = %asset.asset_id, "unsaved result expired");
            }
            Err(e) => {
                // The record is gone; a never-saved object still carries unsaved=true
                // and the bucket's safety-net lifecycle rule removes it later.
                report.errors += 1;
                tracing::error!(asset_id = %asset.asset_id, error = %e, "expired asset's object not deleted");
            }
        },
        Err(e) => {
            report.errors += 1;
            tracing::warn!(asset_id = %asset.asset_id, error = %e, "could not delete an expired asset");
        }
    }
}

/// An expired record is gone: what belongs to it goes (service::trash_sweep::forget_asset),
/// then its thumbnail and its object.
async fn forget_then_delete_object(app: &App, asset: &crate::domain::Asset) -> Result<(), String> {
    super::trash_sweep::forget_asset(app, asset).await.map_err(|e| e.to_string())?;
    if let Some(thumb) = &asset.thumb_key {
        app.media.delete(thumb).await.map_err(|e| e.to_string())?;
    }
    app.media.delete(&asset.s3_key).await.map_err(|e| e.to_string())
}

/// Keeps everything these assets depend on: walks their `parent_ids` (breadth first, at most
/// `MAX_PINNED` ancestors, all under `user`) and pins each generated ancestor: its object is
/// re-tagged `unsaved=false` (so the lifecycle safety net never takes it), then its record gets
/// `pinned` and loses `expires_at`. Called when an asset is saved; stories and boards call it
/// for what they show. Pinning is permanent: without a reverse index we can't tell when the
/// last dependent goes.
pub async fn pin_dependencies(app: &App, user: &UserId, ids: &[AssetId]) -> Result<usize, crate::api::ApiError> {
    use crate::api::ApiError;
    let mut seen: HashSet<AssetId> = ids.iter().cloned().collect();
    let mut queue: VecDeque<AssetId> = VecDeque::new();
    for id in ids {
        if let Some(a) = app.store.get_asset(user, id).await? {
            queue.extend(a.parent_ids.into_iter().filter(|p| seen.insert(p.clone())));
        }
    }
    let mut pinned = 0;
    let mut walked = 0;
    while let Some(id) = queue.pop_front() {
        if walked >= MAX_PINNED {
            tracing::warn!(user_id = %user, "lineage too long to pin completely");
            break;
        }
        walked += 1;
        let Some(parent) = app.store.get_asset(user, &id).await? else {
            continue;
        };
        if parent.source == AssetSource::Generated && (!parent.pinned || parent.expires_at.is_some()) {
            app.media.tag_saved(&parent.s3_key, true).await.map_err(ApiError::internal)?;
            if app.store.pin_asset(user, &id).await? {
                pinned += 1;
            }
        }
        queue.extend(parent.parent_ids.into_iter().filter(|p| seen.insert(p.clone())));
    }
    Ok(pinned)
}

/// What a whole backfill did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BackfillReport {
    pub scanned: usize,
    pub updated: usize,
    /// Records added to their user's storage count.
    pub counted: usize,
    /// Stale holders removed from assets (store::repair): an asset nothing holds any more
    /// expires N days from the repair, if it is an unsaved result.
    pub holds_repaired: usize,
    /// Assets whose search terms were written (store::search).
    pub indexed: usize,
}

/// Brings every asset item up to date, page by page: the gallery index keys
/// (domain::gallery), the expiry (domain::expiry: an unsaved result without `expires_at`
/// gets its creation + `days`), the storage count and the search index (store::search).
/// Idempotent: a second run finds nothing to write. Used by `vn-local backfill` (locally
/// and, with `--aws`, against a deployment).
pub async fn backfill_assets(store: &crate::store::Store, days: u32) -> Result<BackfillReport, crate::store::StoreError> {
    let mut report = BackfillReport::default();
    let mut start = None;
    loop {
        let (page, next) = store.backfill_assets_page(days, start.take()).await?;
        report.scanned += page.scanned;
        report.updated += page.updated;
        report.counted += page.counted;
        report.indexed += page.indexed;
        tracing::info!(
            scanned = report.scanned,
            updated = report.updated,
            counted = report.counted,
            indexed = report.indexed,
            "backfill page done"
        );
        match next {
            Some(k) => start = Some(k),
            None => break,
        }
    }
    report.holds_repaired = repair_holds(store, days).await?;
    Ok(report)
}

/// Checks every holder of every held asset against what it names (a membership item, a board's
/// tiles) and releases the stale ones (store::holds: the last release of an unsaved result
/// restarts its expiry). Idempotent: a second run finds nothing stale.
async fn repair_holds(store: &crate::store::Store, days: u32) -> Result<usize, crate::store::StoreError> {
    use crate::domain::collection::Holder;
    use std::collections::HashMap;
    let at = (crate::clock::now() + chrono::Duration::days(i64::from(days))).timestamp();
    let mut boards: HashMap<(UserId, crate::domain::BoardId), Vec<AssetId>> = HashMap::new();
    let (mut repaired, mut start) = (0, None);
    loop {
        let (page, next) = store.held_assets_page(start.take()).await?;
        for held in page {
            for raw in &held.holders {
                let current = match Holder::parse(raw) {
                    Some(Holder::Collection(c)) => store.is_member(&held.user, &c, &held.asset).await?,
                    Some(Holder::Board(b)) => {
                        let k = (held.user.clone(), b.clone());
                        if !boards.contains_key(&k) {
                            boards.insert(k.clone(), store.board_assets(&held.user, &b).await?);
                        }
                        boards[&k].contains(&held.asset)
                    }
                    None => false,
                };
                if current {
                    continue;
                }
                let Some(holder) = Holder::parse(raw) else {
                    tracing::warn!(asset_id = %held.asset, holder = %raw, "unreadable holder left alone");
                    continue;
                };
                store.release_hold(&held.user, &held.asset, &holder, at).await?;
                repaired += 1;
                tracing::info!(asset_id = %held.asset, holder = %raw, "stale hold released");
            }
        }
        match next {
            Some(k) => start = Some(k),
            None => return Ok(repaired),
        }
    }
}
