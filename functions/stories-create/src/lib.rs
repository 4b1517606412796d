//! `POST /api/stories` — one prompt as a visual story of 2–8 frames (one Seedream 4 sequential
//! prediction). The worst case is reserved at once: a 429 creates nothing. Idempotency-Key
//! honoured like images-generate (a replay answers 200 with the same story).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, idempotency_key, json_body, json_response};
use shared::service::{StoryRequest, create_story};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let body: StoryRequest = json_body(&req)?;
    let key = idempotency_key(&req);
    let created = create_story(&app, &me, &body, key.as_deref()).await?;
    let status = if created.replay { StatusCode::OK } else { StatusCode::ACCEPTED };
    Ok(json_response(
        status,
        &serde_json::json!({ "story": created.story.to_api(), "jobs": [created.job.to_api()] }),
    ))
}
