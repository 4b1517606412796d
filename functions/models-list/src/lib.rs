//! `GET /api/models` — the model catalog with prices and options.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    caller(&req)?;
    let models: Vec<_> = app.catalog.models().iter().map(|m| m.to_api()).collect();
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "models": models })))
}
