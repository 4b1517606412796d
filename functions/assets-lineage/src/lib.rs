//! `GET /api/assets/{id}/lineage` — the asset and its ancestors back to the root, bounded, so
//! the page can rebuild a chain of edits after a reload.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response, path_id};
use shared::domain::AssetId;
use shared::service::lineage;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", AssetId::parse, "asset")?;
    let body = lineage(&app, &me.id, &id).await?;
    Ok(json_response(StatusCode::OK, &body))
}
