//! `POST /api/collections/{id}/assets` `{"action": "add"|"remove", "asset_ids": [...]}` — puts
//! up to 100 of the caller's assets in a collection or takes them out; one result per id
//! (`ok` | `not_found`), like `POST /api/assets/batch`.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response, path_id};
use shared::domain::CollectionId;
use shared::service::{MemberRequest, change_members};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", CollectionId::parse, "collection")?;
    let body: MemberRequest = json_body(&req)?;
    Ok(json_response(StatusCode::OK, &change_members(&app, &me, &id, body).await?))
}
