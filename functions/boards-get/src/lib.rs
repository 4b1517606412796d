//! `GET /api/boards/{id}` — one of the caller's boards with its tiles and their assets.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::BoardId;
use shared::service::board_view;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", BoardId::parse, "board")?;
    let board = app
        .store
        .get_board(&me.id, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("board"))?;
    Ok(json_response(StatusCode::OK, &board_view(&app, &board).await?))
}
