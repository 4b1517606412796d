//! `POST /api/images/generate` — validate, reserve, record and queue a text→image job.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::domain::JobKind;
use shared::service::{GenerateRequest, create_job};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: GenerateRequest = json_body(&req)?;
    let key = idempotency_key(&req);
    let created = create_job(&app, &me, JobKind::Image, &body, vec![], key.as_deref()).await?;
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(status, &serde_json::json!({ "job": created.job.to_api() })))
}
