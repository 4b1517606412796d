//! The caller's trash (service::trash):
//! - `POST /api/trash/{id}/restore` — brings the asset back: 200 `{"asset": Asset}`;
//! - `DELETE /api/trash/{id}` — purges it for good now: 204;
//! - `POST /api/trash/batch` `{"action": "restore"|"purge", "asset_ids": [...]}` — up to 100,
//!   one result per id (`ok` | `not_found`);
//! - `POST /api/trash/empty` — purges the most recently trashed assets, a bounded chunk a call:
//!   `{"purged": n, "more": bool}` (ask again while `more`).
//!
//! An id not in the caller's trash is 404 (another user's too).
use lambda_http::{Body, Request, Response, http::Method, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_body, json_response, path_id};
use shared::domain::AssetId;
use shared::service::{TrashBatchRequest, asset_json, empty_trash, purge_asset, restore_asset, trash_batch};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let path = req.uri().path().trim_end_matches('/').to_string();
    if req.method() == Method::POST && path.ends_with("/api/trash/batch") {
        let body: TrashBatchRequest = json_body(&req)?;
        return Ok(json_response(StatusCode::OK, &trash_batch(&app, &me.id, body).await?));
    }
    if req.method() == Method::POST && path.ends_with("/api/trash/empty") {
        return Ok(json_response(StatusCode::OK, &empty_trash(&app, &me.id).await?));
    }
    let id = path_id(&req, "id", AssetId::parse, "asset")?;
    if req.method() == Method::POST {
        let asset = restore_asset(&app, &me.id, &id)
            .await?
            .ok_or_else(|| ApiError::not_found("asset"))?;
        return Ok(json_response(
            StatusCode::OK,
            &serde_json::json!({ "asset": asset_json(&app, &asset).await? }),
        ));
    }
    if !purge_asset(&app, &me.id, &id).await? {
        return Err(ApiError::not_found("asset"));
    }
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .header("cache-control", "no-store")
        .body(Body::Empty)
        .expect("static headers are valid"))
}
