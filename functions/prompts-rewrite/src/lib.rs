//! `POST /api/prompts/vary` (up to four rewrites) and `POST /api/prompts/enhance` (one richer
//! prompt): a language model job, waited for with `Prefer: wait`. 200 with the proposals when
//! it finished in time, else 202 with the job to poll (`GET /api/jobs/{id}` shows its `texts`).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_body, json_response};
use shared::domain::JobStatus;
use shared::service::{PromptMode, PromptRequest, rewrite_prompt};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let mode = match req.uri().path().rsplit('/').next() {
        Some("vary") => PromptMode::Vary,
        Some("enhance") => PromptMode::Enhance,
        _ => return Err(ApiError::not_found("route")),
    };
    let body: PromptRequest = json_body(&req)?;
    let done = rewrite_prompt(&app, &me, mode, &body).await?;
    let job = &done.job;
    if !done.finished {
        return Ok(json_response(
            StatusCode::ACCEPTED,
            &serde_json::json!({ "mode": mode.as_str(), "job": job.to_api() }),
        ));
    }
    if job.status != JobStatus::Succeeded {
        let why = job.error.as_ref().map_or("no answer", |e| e.message.as_str());
        return Err(ApiError::Provider(format!("The language model failed: {why} Nothing was charged.")));
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "mode": mode.as_str(), "job": job.to_api(), "proposals": job.texts }),
    ))
}
