//! `GET /api/trash?limit&cursor` — the caller's trash, newest trashed first (the `trash`
//! index: domain::trash), each asset with `trashed_at` and `purge_at`.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, Cursor, caller, json_response};
use shared::service::trashed_json;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    let (trashed, next) = app.store.list_trash(&me.id, page.limit as usize, page.after.as_deref()).await?;
    let mut out = Vec::with_capacity(trashed.len());
    for t in &trashed {
        out.push(trashed_json(&app, t).await?);
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "assets": out, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
    ))
}
