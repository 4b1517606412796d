//! `PUT /api/boards/{id}` `{version, name?, tiles?}` — rename and/or replace the tile list if
//! `version` is still current (else 409 `conflict`, nothing written).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body_max, json_response, path_id};
use shared::domain::BoardId;
use shared::service::{BoardUpdate, MAX_BOARD_BODY_BYTES, update_board};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", BoardId::parse, "board")?;
    let body: BoardUpdate = json_body_max(&req, MAX_BOARD_BODY_BYTES)?;
    let board = update_board(&app, &me, &id, &body).await?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "board": board.to_api() })))
}
