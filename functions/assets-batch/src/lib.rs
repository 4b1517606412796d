//! `POST /api/assets/batch` `{"action": "save"|"unsave"|"delete", "asset_ids": [...]}` — the
//! same change for up to 100 of the caller's assets (`delete` moves them to the trash:
//! service::trash); one result per id (`ok` | `not_found`).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::service::{BatchRequest, batch};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: BatchRequest = json_body(&req)?;
    Ok(json_response(StatusCode::OK, &batch(&app, &me.id, body).await?))
}
