//! Boards (the canvas): create, replace with optimistic concurrency, and the view with the
//! tiles' assets. Every rule is checked before anything is read or written.
use super::holds::{hold_all, release_all};
use super::views::asset_json;
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::board::{BoardRuleError, TileInput, check_name, check_tiles};
use crate::domain::collection::Holder;
use crate::domain::{AssetId, Board, BoardId};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;

/// The largest `PUT /api/boards/{id}` body: 500 tiles of the longest ids do not fit the usual
/// 64 KiB (api.md), so this one route takes up to 160 KiB.
pub const MAX_BOARD_BODY_BYTES: usize = 160 * 1024;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardCreate {
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardUpdate {
    /// The version the client read.
    #[serde(deserialize_with = "crate::api::whole_u64")]
    pub version: u64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub tiles: Option<Vec<TileInput>>,
}

impl From<BoardRuleError> for ApiError {
    fn from(e: BoardRuleError) -> Self {
        ApiError::validation(e.field, e.message)
    }
}

pub async fn create_board(app: &App, caller: &Caller, req: &BoardCreate) -> Result<Board, ApiError> {
    let name = check_name(&req.name)?;
    let now = clock::rfc3339(clock::now());
    let board = Board {
        user_id: caller.id.clone(),
        board_id: BoardId::new(),
        name,
        tiles: Vec::new(),
        version: 1,
        created_at: now.clone(),
        updated_at: now,
    };
    app.store.create_board(&board).await?;
    tracing::info!(board_id = %board.board_id, "board created");
    Ok(board)
}

fn conflict(current: u64, sent: u64) -> ApiError {
    ApiError::Conflict(format!(
        "This board was changed elsewhere (it is at version {current}, this change was made to version {sent}). \
         Nothing was saved: reload the board and make the change again."
    ))
}

/// Renames the board and/or replaces its whole tile list, if `version` is still the stored
/// one (else 409 `conflict`). Asset ids new to the board must be the caller's assets (else
/// 404); ids already on it stay even if their asset was deleted since.
pub async fn update_board(app: &App, caller: &Caller, id: &BoardId, req: &BoardUpdate) -> Result<Board, ApiError> {
    if req.name.is_none() && req.tiles.is_none() {
        return Err(ApiError::validation("tiles", "send a new name, a tile list, or both"));
    }
    let name = req.name.as_deref().map(check_name).transpose()?;
    let tiles = req.tiles.as_deref().map(check_tiles).transpose()?;
    let mut board = app
        .store
        .get_board(&caller.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("board"))?;
    if board.version != req.version {
        return Err(conflict(board.version, req.version));
    }
    let before = distinct_assets(&board);
    let mut placed: Vec<AssetId> = Vec::new();
    if let Some(tiles) = tiles {
        let known: HashSet<&AssetId> = board.tiles.iter().map(|t| &t.asset_id).collect();
        let mut new: Vec<AssetId> = tiles.iter().map(|t| &t.asset_id).filter(|a| !known.contains(a)).cloned().collect();
        new.sort();
        new.dedup();
        if !new.is_empty() {
            let owned = app.store.owned_asset_ids(&caller.id, &new).await?;
            if let Some(missing) = new.iter().find(|a| !owned.contains(*a)) {
                return Err(ApiError::NotFound(format!("asset {missing} not found")));
            }
        }
        placed = new;
        board.tiles = tiles;
    }
    if let Some(name) = name {
        board.name = name;
    }
    board.version += 1;
    board.updated_at = clock::rfc3339(clock::now());
    // Placed assets are held before the board names them; removed ones released after it no
    // longer does (service::holds).
    let holder = Holder::Board(id.clone());
    hold_all(app, &caller.id, &placed, &holder).await?;
    if !app.store.replace_board(&board, req.version).await? {
        // Changed or deleted between the read and the write: the holds this save added go
        // again, except for assets the board as it is now shows.
        let now = app.store.get_board(&caller.id, id).await?;
        let shown = now.as_ref().map(distinct_assets).unwrap_or_default();
        let unplaced: Vec<AssetId> = placed.into_iter().filter(|a| !shown.contains(a)).collect();
        release_all(app, &caller.id, &unplaced, &holder).await?;
        return match now {
            None => Err(ApiError::not_found("board")),
            Some(now) => Err(conflict(now.version, req.version)),
        };
    }
    let after = distinct_assets(&board);
    let removed: Vec<AssetId> = before.into_iter().filter(|a| !after.contains(a)).collect();
    release_all(app, &caller.id, &removed, &holder).await?;
    tracing::info!(board_id = %board.board_id, version = board.version, tiles = board.tiles.len(), "board saved");
    Ok(board)
}

/// Deletes one of the caller's boards (never its assets), then releases the holds of the assets
/// it showed. False when there was none.
pub async fn delete_board(app: &App, caller: &Caller, id: &BoardId) -> Result<bool, ApiError> {
    let Some(board) = app.store.get_board(&caller.id, id).await? else {
        return Ok(false);
    };
    if !app.store.delete_board(&caller.id, id).await? {
        return Ok(false);
    }
    release_all(app, &caller.id, &distinct_assets(&board), &Holder::Board(id.clone())).await?;
    Ok(true)
}

/// The distinct assets a board shows.
fn distinct_assets(board: &Board) -> Vec<AssetId> {
    let mut ids: Vec<AssetId> = board.tiles.iter().map(|t| t.asset_id.clone()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// `{"board": Board, "assets": [Asset], "missing_asset_ids": [...]}`: each asset a tile shows
/// once, with its URL; `missing_asset_ids` are tiles' assets deleted since they were placed.
pub async fn board_view(app: &App, board: &Board) -> Result<Value, ApiError> {
    let mut ids: Vec<AssetId> = board.tiles.iter().map(|t| t.asset_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let assets = app.store.get_assets(&board.user_id, &ids).await?;
    let mut out = Vec::with_capacity(assets.len());
    for a in &assets {
        out.push(asset_json(app, a).await?);
    }
    let missing: Vec<&AssetId> = ids.iter().filter(|id| !assets.iter().any(|a| a.asset_id == **id)).collect();
    Ok(json!({ "board": board.to_api(), "assets": out, "missing_asset_ids": missing }))
}
