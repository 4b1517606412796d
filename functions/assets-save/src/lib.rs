//! `POST /api/assets/{id}/save` saves, `DELETE /api/assets/{id}/save` unsaves one of the
//! caller's assets (record, index keys and the object's `unsaved` tag together).
use lambda_http::{Request, http::Method, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::AssetId;
use shared::service::{asset_json, set_saved};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", AssetId::parse, "asset")?;
    let saved = match *req.method() {
        Method::POST => true,
        Method::DELETE => false,
        _ => return Err(ApiError::not_found("route")),
    };
    let asset = set_saved(&app, &me.id, &id, saved)
        .await?
        .ok_or_else(|| ApiError::not_found("asset"))?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "asset": asset_json(&app, &asset).await? }),
    ))
}
