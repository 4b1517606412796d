//! `DELETE /api/assets/{id}` — moves one of the caller's assets to the trash (service::trash),
//! from where it can be restored until the purge sweep removes it for good. 204; 404 for no
//! such asset of the caller.
use lambda_http::{Body, Request, Response, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, path_id};
use shared::domain::AssetId;
use shared::service::trash_asset;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", AssetId::parse, "asset")?;
    if !trash_asset(&app, &me.id, &id).await? {
        return Err(ApiError::not_found("asset"));
    }
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .expect("static headers are valid"))
}
