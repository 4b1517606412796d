//! `POST /api/account/deletion` — "Delete my data": the caller confirms with their username;
//! the account is tombstoned and its erasure queued at once (202), the data goes in the
//! background (shared::service::erase). Only ever the caller's own account.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::service::{DeletionRequest, request_deletion};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: DeletionRequest = json_body(&req)?;
    let deletion_id = request_deletion(&app, &me, &body, idempotency_key(&req).as_deref()).await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "deletion_id": deletion_id, "status": "running" }),
    ))
}
