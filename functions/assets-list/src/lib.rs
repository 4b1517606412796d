//! `GET /api/assets?saved&kind&model&collection&q&from&to&sort&limit&cursor` — the caller's
//! gallery, newest (or oldest) first. Each filter combination reads its own index, a date range
//! is a key range of it (docs/data-model.md). A collection alone (no `q`, no date range, newest
//! first) reads its members in order and filters them (bounded by its size); with `q`, a date
//! range or `sort=oldest`, a search or a collection joins sorted id streams (service::search).
//! Either way pages are exact.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_response, query_param};
use shared::domain::search::Sort;
use shared::domain::{AssetId, CollectionId};
use shared::service::{SearchParams, asset_json, live_collection, parse_filter, search_assets};
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
    let collection = match search.collection.as_deref() {
        None => None,
        Some(raw) => {
            let id = CollectionId::parse(raw).ok_or_else(|| ApiError::validation("collection", "collection is not a collection id"))?;
            // 404 for a collection the caller does not have or is deleting, on either path.
            Some(live_collection(&app, &me.id, &id).await?.collection_id)
        }
    };
    let after = match page.after.as_deref() {
        None => None,
        Some(a) => Some(AssetId::parse(a).ok_or_else(|| ApiError::validation("cursor", "cursor is not valid"))?),
    };
    let limit = page.limit as usize;
    let whole_range = search.range.lo.is_none() && search.range.hi.is_none();
    let (assets, next) = match &collection {
        Some(c) if search.query.is_none() && whole_range && search.sort == Sort::Newest => {
            app.store.list_collection_assets(&me.id, c, &filter, limit, after.as_ref()).await?
        }
        _ if search.joins() => search_assets(&app, &me.id, &search, &filter, limit, after.as_ref()).await?,
        _ => {
            app.store
                .list_assets_in(&me.id, &filter, limit, after.as_ref(), &search.range, search.sort)
                .await?
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
