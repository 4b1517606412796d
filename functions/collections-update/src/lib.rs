//! `PATCH /api/collections/{id}` `{name}` — renames one of the caller's collections.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response, path_id};
use shared::domain::CollectionId;
use shared::service::{CollectionName, rename_collection};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", CollectionId::parse, "collection")?;
    let body: CollectionName = json_body(&req)?;
    let c = rename_collection(&app, &me, &id, &body).await?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "collection": c.to_api() })))
}
