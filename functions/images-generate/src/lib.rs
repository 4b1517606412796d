//! `POST /api/images/generate` — validate, reserve, record and queue a text→image job.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::domain::JobKind;
use shared::service::{GenerateRequest, create_job};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: GenerateRequest = json_body(&req)?;
    let key = req
        .headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string());
    let created = create_job(&app, &me, JobKind::Image, &body, vec![], key.as_deref()).await?;
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(status, &serde_json::json!({ "job": created.job.to_api() })))
}
