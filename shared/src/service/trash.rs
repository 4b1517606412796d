//! The trash (domain::trash): deleting an asset moves it to the trash; the user restores or
//! purges it from the Trash view, or empties the trash; `TRASH_RETENTION_DAYS` after it was
//! trashed the purge sweep (service::trash_sweep) removes it for good. A purge is the one way
//! a trashed asset leaves: every version of its object first, then its record with its bytes
//! off the storage count, then `forget_asset`.
use super::trash_sweep::purge_trashed;
use super::views::asset_json;
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::trash::{Trashed, purge_at, restored, trash_order};
use crate::domain::{Asset, AssetId, AssetSource, UserId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The most ids one trash batch request may name (as the gallery's batch).
pub const MAX_TRASH_BATCH: usize = super::gallery::MAX_BATCH;
/// How many trashed assets one `POST /api/trash/empty` purges; the page asks again while
/// `more` is true.
pub const EMPTY_CHUNK: usize = 25;
/// How many assets of a batch are restored or purged at the same time.
const CONCURRENCY: usize = 8;

/// Moves one of the user's assets to the trash. False when the user has no such asset. A
/// never-saved result's object is first re-tagged `unsaved=false`, so the bucket's safety-net
/// lifecycle rule (which takes never-saved objects) can't remove it while it waits in the trash
/// or after a restore; the purge deletes it.
pub async fn trash_asset(app: &App, user: &UserId, id: &AssetId) -> Result<bool, ApiError> {
    let Some(asset) = app.store.get_asset(user, id).await? else {
        return Ok(false);
    };
    if asset.source == AssetSource::Generated && !asset.saved && !asset.pinned {
        app.media.tag_saved(&asset.s3_key, true).await.map_err(ApiError::internal)?;
    }
    let now = clock::now();
    let Some(holders) = app
        .store
        .trash_asset(&asset, now, purge_at(now, app.config.trash_retention_days))
        .await?
    else {
        return Ok(false);
    };
    tracing::info!(asset_id = %id, "asset moved to the trash");
    // Its collections count live members only.
    super::collections::uncount_trashed(app, user, id, &holders, &trash_order(now, id)).await;
    Ok(true)
}

/// Brings one of the user's trashed assets back under its own id, as it was (saved state,
/// lineage, pin), with a fresh expiry if it is an unsaved result (domain::trash::restored).
/// None when the user has no such asset in the trash (or its purge has begun).
pub async fn restore_asset(app: &App, user: &UserId, id: &AssetId) -> Result<Option<Asset>, ApiError> {
    let Some(t) = app.store.get_trashed(user, id).await? else {
        return Ok(None);
    };
    let back = restored(&t.asset, clock::now(), app.config.unsaved_expiration_days);
    if !app.store.restore_asset(&t, &back).await? {
        return Ok(None);
    }
    if !t.indexed {
        // Trashed before its search index was whole (or under an older index version): indexed
        // now, so the restored asset is found by every word. A failure is left to the backfill.
        if let Err(e) = super::search::index_asset(&app.store, &back).await {
            tracing::warn!(asset_id = %id, error = %e, "restored asset not indexed; the backfill will");
        }
    }
    tracing::info!(asset_id = %id, "asset restored from the trash");
    super::collections::recount_restored(app, user, id, &t.holders).await;
    // Trashed before its thumbnail was made (the worker makes none for a trashed asset): asked
    // for now. Best effort, as an upload's: without it the gallery shows the file itself.
    if let Err(e) = super::request_thumb(app, &back).await {
        tracing::warn!(asset_id = %id, error = %e, "could not ask for the restored image's thumbnail");
    }
    Ok(Some(back))
}

/// Purges one of the user's trashed assets now. False when there is no such asset in the trash.
pub async fn purge_asset(app: &App, user: &UserId, id: &AssetId) -> Result<bool, ApiError> {
    let Some(t) = app.store.get_trashed(user, id).await? else {
        return Ok(false);
    };
    purge_trashed(app, &t, None).await
}

/// The api.md `TrashedAsset`: the `Asset` with `trashed_at` and `purge_at` (RFC 3339).
pub async fn trashed_json(app: &App, t: &Trashed) -> Result<Value, ApiError> {
    let mut v = asset_json(app, &t.asset).await?;
    v["trashed_at"] = json!(t.trashed_at);
    v["purge_at"] = json!(chrono::DateTime::from_timestamp(t.purge_at, 0).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
    Ok(v)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TrashAction {
    Restore,
    Purge,
}

/// `POST /api/trash/batch` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrashBatchRequest {
    pub action: TrashAction,
    pub asset_ids: Vec<String>,
}

/// Restores or purges each named asset of the user's trash. One result per distinct id, in the
/// order given: `ok`, or `not_found` (not in this user's trash; nothing else is touched).
pub async fn trash_batch(app: &Arc<App>, user: &UserId, req: TrashBatchRequest) -> Result<Value, ApiError> {
    if req.asset_ids.is_empty() || req.asset_ids.len() > MAX_TRASH_BATCH {
        return Err(ApiError::validation(
            "asset_ids",
            format!("asset_ids must name 1 to {MAX_TRASH_BATCH} assets"),
        ));
    }
    let mut ids: Vec<String> = Vec::with_capacity(req.asset_ids.len());
    for id in req.asset_ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let action = req.action;
    let done = each(
        app,
        user,
        ids.iter().map(|raw| AssetId::parse(raw)).collect(),
        move |app, user, id| async move {
            match action {
                TrashAction::Restore => restore_asset(&app, &user, &id).await.map(|a| a.is_some()),
                TrashAction::Purge => purge_asset(&app, &user, &id).await,
            }
        },
    )
    .await?;
    let results: Vec<Value> = ids
        .iter()
        .zip(done)
        .map(|(id, ok)| json!({ "id": id, "status": if ok { "ok" } else { "not_found" } }))
        .collect();
    let name = match action {
        TrashAction::Restore => "restore",
        TrashAction::Purge => "purge",
    };
    Ok(json!({ "action": name, "results": results }))
}

/// Purges the user's most recently trashed assets, at most `EMPTY_CHUNK` of them:
/// `{"purged": n, "more": bool}`; the caller asks again while `more`.
pub async fn empty_trash(app: &Arc<App>, user: &UserId) -> Result<Value, ApiError> {
    let (page, next) = app.store.list_trash(user, EMPTY_CHUNK, None).await?;
    let ids = page.iter().map(|t| Some(t.asset.asset_id.clone())).collect();
    let done = each(app, user, ids, |app, user, id| async move { purge_asset(&app, &user, &id).await }).await?;
    let purged = done.iter().filter(|d| **d).count();
    Ok(json!({ "purged": purged, "more": next.is_some() }))
}

/// Runs `step` for each id (None: not a valid id, so not found), `CONCURRENCY` at a time;
/// whether each was done, in order.
async fn each<F, Fut>(app: &Arc<App>, user: &UserId, ids: Vec<Option<AssetId>>, step: F) -> Result<Vec<bool>, ApiError>
where
    F: Fn(Arc<App>, UserId, AssetId) -> Fut,
    Fut: std::future::Future<Output = Result<bool, ApiError>> + Send + 'static,
{
    let mut results = vec![false; ids.len()];
    let mut pending = ids.into_iter().enumerate();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.len() < CONCURRENCY {
            let Some((i, id)) = pending.next() else { break };
            let Some(id) = id else { continue };
            let fut = step(app.clone(), user.clone(), id);
            tasks.spawn(crate::deadline::carry(async move { (i, fut.await) }));
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (i, done) = joined.map_err(ApiError::internal)?;
        results[i] = done?;
    }
    Ok(results)
}
