//! `GET /api/assets?saved&kind&model&limit&cursor` — the caller's gallery, newest first. Each
//! filter combination reads its own index (docs/data-model.md), so pages are exact.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response, query_param};
use shared::domain::AssetId;
use shared::service::{asset_json, parse_filter};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    let q = |name| query_param(&req, name);
    let filter = parse_filter(&app, q("saved").as_deref(), q("kind").as_deref(), q("model").as_deref())?;
    let before = match page.after.as_deref() {
        None => None,
        Some(a) => Some(AssetId::parse(a).ok_or_else(|| ApiError::validation("cursor", "cursor is not valid"))?),
    };
    let (assets, next) = app.store.list_assets(&me.id, &filter, page.limit as usize, before.as_ref()).await?;
    let mut out = Vec::with_capacity(assets.len());
    for a in &assets {
        out.push(asset_json(&app, a).await?);
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "assets": out, "next_cursor": next.map(|n| Cursor::encode(n.as_str(), &me.id)) }),
    ))
}
