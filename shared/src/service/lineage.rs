//! The chain behind a result: the asset and its ancestors through `parent_ids`.
use crate::api::ApiError;
use crate::app::App;
use crate::domain::{Asset, AssetId, UserId};
use serde_json::{Value, json};

/// At most this many assets in one lineage answer; deeper history is cut (`truncated`).
pub const MAX_LINEAGE: usize = 50;

/// `{"assets": [Asset], "truncated": bool}`: the asset and its ancestors (breadth first through
/// `parent_ids`, at most [`MAX_LINEAGE`]), oldest first. Only the caller's assets are read, so
/// a chain can never lead into another user's items; a deleted ancestor is left out.
pub async fn lineage(app: &App, user: &UserId, id: &AssetId) -> Result<Value, ApiError> {
    let start = app
        .store
        .get_asset(user, id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    let mut found: Vec<Asset> = Vec::new();
    let mut frontier = start.parent_ids.clone();
    let mut asked: Vec<AssetId> = vec![start.asset_id.clone()];
    found.push(start);
    let mut truncated = false;
    while !frontier.is_empty() {
        // Two parents may share an ancestor: ask for each asset once (DynamoDB refuses a batch
        // read that names a key twice).
        let mut next: Vec<AssetId> = Vec::with_capacity(frontier.len());
        for p in frontier {
            if !asked.contains(&p) && !next.contains(&p) {
                next.push(p);
            }
        }
        frontier = next;
        let room = MAX_LINEAGE.saturating_sub(asked.len());
        if frontier.len() > room {
            frontier.truncate(room);
            truncated = true;
        }
        if frontier.is_empty() {
            break;
        }
        asked.extend(frontier.iter().cloned());
        let parents = app.store.get_assets(user, &frontier).await.map_err(ApiError::from)?;
        frontier = parents.iter().flat_map(|a| a.parent_ids.iter().cloned()).collect();
        found.extend(parents);
    }
    found.sort_by(|a, b| (&a.created_at, a.asset_id.as_str()).cmp(&(&b.created_at, b.asset_id.as_str())));
    let mut assets = Vec::with_capacity(found.len());
    for a in &found {
        assets.push(super::asset_json(app, a).await?);
    }
    Ok(json!({ "assets": assets, "truncated": truncated }))
}
