//! `POST /api/boards` `{name}` — a new, empty board (version 1).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::service::{BoardCreate, create_board};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: BoardCreate = json_body(&req)?;
    let board = create_board(&app, &me, &body).await?;
    Ok(json_response(StatusCode::CREATED, &serde_json::json!({ "board": board.to_api() })))
}
