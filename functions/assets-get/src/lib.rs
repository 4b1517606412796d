//! `GET /api/assets/{id}` — one of the caller's assets with fresh signed URLs.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::AssetId;
use shared::service::asset_json;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", AssetId::parse, "asset")?;
    let asset = app
        .store
        .get_asset(&me.id, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "asset": asset_json(&app, &asset).await? }),
    ))
}
