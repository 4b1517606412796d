//! `POST /api/images/edit` — an edit or a restoration of the caller's own images: validate the
//! model and sources, reserve, record and queue. The model decides the job's kind.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::domain::JobKind;
use shared::service::{GenerateRequest, create_job, edit_sources};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: GenerateRequest = json_body(&req)?;
    let kind = app.catalog.get(&body.model).and_then(|m| m.source_kind()).unwrap_or(JobKind::Edit);
    let key = idempotency_key(&req);
    let sources = edit_sources(&app, &me, kind, &body).await?;
    let created = create_job(&app, &me, kind, &body, sources, key.as_deref()).await?;
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(status, &serde_json::json!({ "job": created.job.to_api() })))
}
