//! `DELETE /api/boards/{id}` — deletes one of the caller's boards (its assets stay).
use lambda_http::{Body, Request, Response, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, path_id};
use shared::domain::BoardId;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", BoardId::parse, "board")?;
    if !app.store.delete_board(&me.id, &id).await.map_err(ApiError::internal)? {
        return Err(ApiError::not_found("board"));
    }
    tracing::info!(board_id = %id, "board deleted");
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("static response"))
}
