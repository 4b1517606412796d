//! `GET /api/assets?saved&kind&model&collection&q&from&to&sort&limit&cursor` — the caller's
//! gallery, newest (or oldest) first. Each filter combination reads its own index, a date range
//! is a key range of it, and a search or a collection joins sorted id streams
//! (service::search; docs/data-model.md), so pages are exact.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response, query_param};
use shared::domain::AssetId;
use shared::service::{SearchParams, asset_json, parse_filter, search_assets};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let page = Cursor::from_request(&req, &me.id)?;
    let q = |name| query_param(&req, name);
    let filter = parse_filter(&app, q("saved").as_deref(), q("kind").as_deref(), q("model").as_deref())?;
    let search = SearchParams::parse(
        q("q").as_deref(),
        q("from").as_deref(),
        q("to").as_deref(),
        q("sort").as_deref(),
        q("collection").as_deref(),
    )?;
    let after = match page.after.as_deref() {
        None => None,
        Some(a) => Some(AssetId::parse(a).ok_or_else(|| ApiError::validation("cursor", "cursor is not valid"))?),
    };
    let limit = page.limit as usize;
    let (assets, next) = if search.joins() {
        search_assets(&app, &me.id, &search, &filter, limit, after.as_ref()).await?
    } else {
        app.store
            .list_assets_in(&me.id, &filter, limit, after.as_ref(), &search.range, search.sort)
            .await?
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
