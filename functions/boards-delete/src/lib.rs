//! `DELETE /api/boards/{id}` — deletes one of the caller's boards (its assets stay; those it
//! held and nothing else holds start to expire if unsaved: service::holds).
use lambda_http::{Body, Request, Response, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, path_id};
use shared::domain::BoardId;
use shared::service::delete_board;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", BoardId::parse, "board")?;
    if !delete_board(&app, &me, &id).await? {
        return Err(ApiError::not_found("board"));
    }
    tracing::info!(board_id = %id, "board deleted");
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("static response"))
}
