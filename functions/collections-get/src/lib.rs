//! `GET /api/collections/{id}` — one of the caller's collections (its assets are
//! `GET /api/assets?collection={id}`).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response, path_id};
use shared::domain::CollectionId;
use shared::service::live_collection;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", CollectionId::parse, "collection")?;
    let c = live_collection(&app, &me.id, &id).await?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "collection": c.to_api() })))
}
