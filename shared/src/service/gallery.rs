//! The gallery: list with filters, save/unsave, delete (to the trash: service::trash), and the
//! same for many assets at once.
//! The record and the media object change together, in the order that never loses a saved
//! object: saving re-tags the object `unsaved=false` before the record says saved; unsaving
//! only changes the record (it gets a fresh `expires_at`; the sweep removes record and object
//! together).
use super::expiry::pin_dependencies;
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::{Asset, AssetFilter, AssetId, AssetKind, Job, UserId, expiry};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// The most ids one batch request may name.
pub const MAX_BATCH: usize = 100;
/// How many assets of a batch are changed at the same time.
const BATCH_CONCURRENCY: usize = 16;

/// `saved`, `kind` and `model` of `GET /api/assets`, validated (400 naming the field).
pub fn parse_filter(app: &App, saved: Option<&str>, kind: Option<&str>, model: Option<&str>) -> Result<AssetFilter, ApiError> {
    let saved = match saved {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(ApiError::validation("saved", "saved must be true or false")),
    };
    let kind = match kind {
        None => None,
        Some("image") => Some(AssetKind::Image),
        Some("video") => Some(AssetKind::Video),
        Some(_) => return Err(ApiError::validation("kind", "kind must be image or video")),
    };
    let model = match model {
        None => None,
        Some(m) if app.catalog.get(m).is_some() => Some(m.to_string()),
        Some(_) => return Err(ApiError::validation("model", "model is not a model of the catalog")),
    };
    Ok(AssetFilter { saved, kind, model })
}

/// Saves (`saved`) or unsaves one of the user's assets. None when the user has no such asset.
/// Saving removes the asset's expiry and pins what it depends on (service::expiry); unsaving a
/// generated result restarts its clock: it expires `UNSAVED_EXPIRATION_DAYS` after now.
pub async fn set_saved(app: &App, user: &UserId, id: &AssetId, saved: bool) -> Result<Option<Asset>, ApiError> {
    let Some(asset) = app.store.get_asset(user, id).await? else {
        return Ok(None);
    };
    if saved {
        // Re-tag even when already saved: a failed earlier attempt may have changed the record
        // only, or stopped before pinning.
        app.media.tag_saved(&asset.s3_key, true).await.map_err(ApiError::internal)?;
        let updated = if asset.saved && asset.expires_at.is_none() {
            Some(asset)
        } else {
            app.store.set_saved(&asset, true, None).await?
        };
        if updated.is_some() {
            pin_dependencies(app, user, std::slice::from_ref(id)).await?;
        }
        Ok(updated)
    } else {
        if !asset.saved {
            return Ok(Some(asset));
        }
        // The object keeps its `unsaved=false` tag: the sweep deletes it with its record when
        // the fresh expiry passes, and the lifecycle safety net (counted from the object's
        // creation) must not take it earlier.
        let expires_at = expiry::expiry_from(&asset, clock::now(), app.config.unsaved_expiration_days);
        Ok(app.store.set_saved(&asset, false, expires_at).await?)
    }
}

/// Deletes an output for good, never shown to its user (service::gallery::discard_unlisted_outputs):
/// its media object, then its record (and its bytes from the storage count), then
/// `forget_asset`. False when the user has no such asset. The user's own delete moves to the
/// trash instead (service::trash).
async fn discard_asset(app: &App, user: &UserId, id: &AssetId) -> Result<bool, ApiError> {
    let Some(asset) = app.store.get_asset(user, id).await? else {
        return Ok(false);
    };
    // Its memberships go first, each with its collection's count (service::collections).
    super::collections::forget_asset(app, user, id).await?;
    if let Some(thumb) = &asset.thumb_key {
        app.media.delete(thumb).await.map_err(ApiError::internal)?;
    }
    app.media.delete(&asset.s3_key).await.map_err(ApiError::internal)?;
    // The record goes with its bytes off the storage count, in one transaction.
    if app.store.delete_asset(&asset, None).await? {
        super::trash_sweep::forget_asset(app, &asset).await?;
    }
    Ok(true)
}

/// Removes outputs copied for a job whose success could not be recorded because it finished
/// otherwise first (canceled while its webhook copied): the user gets no result they were not
/// charged for. Outputs the finished job lists (a duplicate delivery) stay. Best effort: a
/// failure is logged.
pub(crate) async fn discard_unlisted_outputs(app: &App, job: &Job, ids: &[AssetId]) {
    let listed = match app.store.get_job(&job.user_id, &job.job_id).await {
        Ok(Some(j)) => j.asset_ids,
        Ok(None) => vec![],
        Err(e) => {
            tracing::warn!(job_id = %job.job_id, error = %e, "could not check the outputs of a job settled otherwise");
            return;
        }
    };
    for id in ids.iter().filter(|id| !listed.contains(id)) {
        if let Err(e) = discard_asset(app, &job.user_id, id).await {
            tracing::warn!(job_id = %job.job_id, asset_id = %id, error = %e, "could not discard an unlisted output");
        } else {
            tracing::info!(job_id = %job.job_id, asset_id = %id, "output of a job settled otherwise discarded");
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BatchAction {
    Save,
    Unsave,
    Delete,
}

/// `POST /api/assets/batch` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub action: BatchAction,
    pub asset_ids: Vec<String>,
}

/// Applies `action` to each named asset of the user. One result per distinct id, in the order
/// given: `ok`, or `not_found` (no such asset of this user; nothing else is touched).
pub async fn batch(app: &Arc<App>, user: &UserId, req: BatchRequest) -> Result<Value, ApiError> {
    if req.asset_ids.is_empty() || req.asset_ids.len() > MAX_BATCH {
        return Err(ApiError::validation(
            "asset_ids",
            format!("asset_ids must name 1 to {MAX_BATCH} assets"),
        ));
    }
    let action = req.action;
    let mut ids: Vec<String> = Vec::with_capacity(req.asset_ids.len());
    for id in req.asset_ids {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut results: Vec<Option<&'static str>> = vec![None; ids.len()];
    let mut pending = ids.iter().enumerate();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        while tasks.len() < BATCH_CONCURRENCY {
            let Some((i, raw)) = pending.next() else { break };
            let Some(id) = AssetId::parse(raw) else {
                results[i] = Some("not_found");
                continue;
            };
            let (app, user) = (app.clone(), user.clone());
            tasks.spawn(crate::deadline::carry(async move {
                let done = match action {
                    BatchAction::Save => set_saved(&app, &user, &id, true).await.map(|a| a.is_some()),
                    BatchAction::Unsave => set_saved(&app, &user, &id, false).await.map(|a| a.is_some()),
                    BatchAction::Delete => super::trash::trash_asset(&app, &user, &id).await,
                };
                (i, done)
            }));
        }
        let Some(joined) = tasks.join_next().await else { break };
        let (i, done) = joined.map_err(ApiError::internal)?;
        results[i] = Some(if done? { "ok" } else { "not_found" });
    }
    let results: Vec<Value> = ids
        .iter()
        .zip(results)
        .map(|(id, r)| json!({ "id": id, "status": r.unwrap_or("not_found") }))
        .collect();
    Ok(json!({ "action": action.as_str(), "results": results }))
}

impl BatchAction {
    pub fn as_str(self) -> &'static str {
        match self {
            BatchAction::Save => "save",
            BatchAction::Unsave => "unsave",
            BatchAction::Delete => "delete",
        }
    }
}
