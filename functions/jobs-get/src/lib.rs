//! `GET /api/jobs/{id}` — one of the caller's jobs with its assets (signed URLs).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::JobId;
use shared::service::job_with_assets;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", JobId::parse, "job")?;
    let job = app
        .store
        .get_job(&me.id, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("job"))?;
    Ok(json_response(StatusCode::OK, &job_with_assets(&app, &job).await?))
}
