//! `GET /api/health` — public liveness check.
use lambda_http::{http::StatusCode, Request};
use shared::api::{json_response, ApiResult};
use shared::App;
use std::sync::Arc;

pub async fn handler(_app: Arc<App>, _req: Request) -> ApiResult {
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": "ok" })))
}
