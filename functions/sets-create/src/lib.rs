//! `POST /api/sets` — one prompt on 2–4 text→image models as one comparison set. The whole
//! set's estimate is reserved at once: a 429 creates no job at all.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body, json_response};
use shared::service::{SetRequest, create_set};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: SetRequest = json_body(&req)?;
    let (set, jobs) = create_set(&app, &me, &body).await?;
    let jobs: Vec<_> = jobs.iter().map(|j| j.to_api()).collect();
    Ok(json_response(
        StatusCode::ACCEPTED,
        &serde_json::json!({ "set": set.to_api(), "jobs": jobs }),
    ))
}
