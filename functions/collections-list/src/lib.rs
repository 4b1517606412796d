//! `GET /api/collections?limit&cursor` — the caller's collections, newest first, with their
//! counts.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response};
use shared::domain::CollectionId;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    if page.after.as_deref().is_some_and(|a| CollectionId::parse(a).is_none()) {
        return Err(ApiError::validation("cursor", "cursor is not valid"));
    }
    let (list, next) = app.store.list_collections(&me.id, page.limit, page.after.as_deref()).await?;
    let list: Vec<_> = list.iter().map(|c| c.to_api()).collect();
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "collections": list, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
    ))
}
