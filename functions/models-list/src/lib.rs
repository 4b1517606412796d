//! `GET /api/models` — the model catalog with prices and options.
use lambda_http::{http::StatusCode, Request};
use shared::api::{caller, json_response, ApiResult};
use shared::App;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    caller(&req)?;
    let models: Vec<_> = app.catalog.models().iter().map(|m| m.to_api()).collect();
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "models": models })))
}
