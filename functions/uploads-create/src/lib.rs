//! `POST /api/uploads` — a presigned POST for one image to a staging key, and a pending marker.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::service::{UploadRequest, create_upload};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: UploadRequest = json_body(&req)?;
    Ok(json_response(StatusCode::CREATED, &create_upload(&app, &me, &body).await?))
}
