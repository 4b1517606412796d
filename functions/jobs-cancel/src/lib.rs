//! `POST /api/jobs/{id}/cancel` — cancels one of the caller's unfinished jobs (its prediction
//! at the provider too) and releases its reservation; 409 when it already finished.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response, path_id};
use shared::domain::JobId;
use shared::service::cancel;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", JobId::parse, "job")?;
    let job = cancel(&app, &me.id, &id).await?;
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "job": job.to_api() })))
}
