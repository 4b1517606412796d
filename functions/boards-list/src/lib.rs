//! `GET /api/boards?limit&cursor` — the caller's boards, newest first (without their tiles).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response};
use shared::domain::BoardId;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    if page.after.as_deref().is_some_and(|a| BoardId::parse(a).is_none()) {
        return Err(ApiError::validation("cursor", "cursor is not valid"));
    }
    let (boards, next) = app
        .store
        .list_boards(&me.id, page.limit, page.after.as_deref())
        .await
        .map_err(ApiError::internal)?;
    let boards: Vec<_> = boards.iter().map(|b| b.to_api()).collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "boards": boards, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
    ))
}
