//! `GET /api/stories?limit&cursor` — the caller's stories, newest first (without frames).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response};
use shared::domain::StoryId;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    if page.after.as_deref().is_some_and(|a| StoryId::parse(a).is_none()) {
        return Err(ApiError::validation("cursor", "cursor is not valid"));
    }
    let (stories, next) = app
        .store
        .list_stories(&me.id, page.limit, page.after.as_deref())
        .await
        .map_err(ApiError::internal)?;
    let stories: Vec<_> = stories.iter().map(|s| s.to_api()).collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "stories": stories, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
    ))
}
