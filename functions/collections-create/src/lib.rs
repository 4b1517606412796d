//! `POST /api/collections` `{name}` — a new, empty collection (409 past the limit).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::service::{CollectionName, create_collection};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: CollectionName = json_body(&req)?;
    let c = create_collection(&app, &me, &body).await?;
    Ok(json_response(StatusCode::CREATED, &serde_json::json!({ "collection": c.to_api() })))
}
