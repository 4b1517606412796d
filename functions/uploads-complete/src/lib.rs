//! `POST /api/uploads/{id}/complete` — checks the uploaded bytes and makes them an asset, or
//! refuses them (400) and removes them.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response, path_id};
use shared::domain::AssetId;
use shared::service::{asset_json, complete_upload};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", AssetId::parse, "upload")?;
    let asset = complete_upload(&app, &me, &id).await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "asset": asset_json(&app, &asset).await? }),
    ))
}
