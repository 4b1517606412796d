//! `GET /api/health` — public liveness check.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, json_response};
use std::sync::Arc;

pub async fn handler(_app: Arc<App>, _req: Request) -> ApiResult {
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "status": "ok" })))
}
