//! `POST /api/sets` — one prompt on 2–4 text→image models as one comparison set. The whole
//! set's estimate is reserved at once: a 429 creates no job at all. Idempotency-Key honoured
//! like images-generate (a replay answers 200 with the same set).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::service::{SetRequest, create_set};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: SetRequest = json_body(&req)?;
    let key = idempotency_key(&req);
    let created = create_set(&app, &me, &body, key.as_deref()).await?;
    let jobs: Vec<_> = created.jobs.iter().map(|j| j.to_api()).collect();
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(
        status,
        &serde_json::json!({ "set": created.set.to_api(), "jobs": jobs }),
    ))
}
