//! `GET /api/jobs?limit&cursor` — the caller's jobs, newest first.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response};
use shared::domain::JobId;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    if page.after.as_deref().is_some_and(|a| JobId::parse(a).is_none()) {
        return Err(ApiError::validation("cursor", "cursor is not valid"));
    }
    let (jobs, next) = app
        .store
        .list_jobs(&me.id, page.limit, page.after.as_deref())
        .await
        .map_err(ApiError::internal)?;
    let jobs: Vec<_> = jobs.iter().map(|j| j.to_api()).collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "jobs": jobs, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
    ))
}
