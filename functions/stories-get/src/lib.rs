//! `GET /api/stories/{id}` — one of the caller's stories with its frames (in order, each with
//! its caption and asset) and its job.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::StoryId;
use shared::service::story_view;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", StoryId::parse, "story")?;
    let story = app
        .store
        .get_story(&me.id, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("story"))?;
    Ok(json_response(StatusCode::OK, &story_view(&app, &story).await?))
}
