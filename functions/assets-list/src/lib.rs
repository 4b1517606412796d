//! `GET /api/assets?saved&kind&model&collection&limit&cursor` — the caller's gallery, newest
//! first. Each filter combination reads its own index (docs/data-model.md), so pages are exact;
//! with `collection`, the collection's members are read and filtered (bounded by its size).
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response, query_param};
use shared::domain::{AssetId, CollectionId};
use shared::service::{asset_json, live_collection, parse_filter};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    let q = |name| query_param(&req, name);
    let filter = parse_filter(&app, q("saved").as_deref(), q("kind").as_deref(), q("model").as_deref())?;
    let collection = match q("collection") {
        None => None,
        Some(raw) => {
            Some(CollectionId::parse(&raw).ok_or_else(|| ApiError::validation("collection", "collection is not a collection id"))?)
        }
    };
    let before = match page.after.as_deref() {
        None => None,
        Some(a) => Some(AssetId::parse(a).ok_or_else(|| ApiError::validation("cursor", "cursor is not valid"))?),
    };
    let limit = page.limit as usize;
    let (assets, next) = match &collection {
        None => app.store.list_assets(&me.id, &filter, limit, before.as_ref()).await?,
        Some(c) => {
            live_collection(&app, &me.id, c).await?;
            app.store.list_collection_assets(&me.id, c, &filter, limit, before.as_ref()).await?
        }
    };
    let mut out = Vec::with_capacity(assets.len());
    for a in &assets {
        out.push(asset_json(&app, a).await?);
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({ "assets": out, "next_cursor": next.map(|n| Cursor::encode(n.as_str(), &me.id)) }),
    ))
}
