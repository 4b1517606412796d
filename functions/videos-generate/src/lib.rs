//! `POST /api/videos/generate` — a video from a prompt and, optionally, a start frame, an end
//! frame or reference images from the caller's own images: validate, reserve, record, queue.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::service::{VideoRequest, create_video_job};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: VideoRequest = json_body(&req)?;
    let key = idempotency_key(&req);
    let created = create_video_job(&app, &me, &body, key.as_deref()).await?;
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(status, &serde_json::json!({ "job": created.job.to_api() })))
}
