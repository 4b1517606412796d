//! Prompt search (docs/decisions/0004-search-index.md): keeping an asset's term items in step
//! with its record (written after the record, marker last; removed with it), and a page of a
//! search: the leapfrog join (service::search_join) of the query's terms, the collection's
//! members and the gallery filter's index, each candidate then read from the store (a trashed
//! or deleted asset is not found and skipped) and checked against the query and filters.
use super::search_join::Join;
use crate::api::ApiError;
use crate::app::App;
use crate::domain::search::{IdRange, SearchQuery, Sort, index_terms};
use crate::domain::{Asset, AssetFilter, AssetId, UserId};
use crate::store::search::{IdSource, member_source, term_source};
use crate::store::{Store, StoreError};

/// Ids read per Query of a term or collection stream: term items are ~60 bytes, so 64 of them
/// cost what one does (a read unit is 4 KB).
const CHUNK: usize = 64;
/// Ids read per Query of a gallery filter's index, whose items are whole assets.
const GALLERY_CHUNK: usize = 16;
/// The most stream Queries one page may make. Past it the page comes back as far as it got
/// (possibly short) with a cursor where the join stopped: the next page resumes exactly there.
pub const MAX_JOIN_READS: usize = 64;
/// The longest one page may spend in the join (less when the invocation's deadline is nearer):
/// past it, the same short page with a cursor, never a timeout.
pub const MAX_JOIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// What narrows a gallery page besides `saved`, `kind` and `model`.
#[derive(Clone, Debug, Default)]
pub struct SearchParams {
    pub query: Option<SearchQuery>,
    pub collection: Option<String>,
    pub range: IdRange,
    pub sort: Sort,
}

impl SearchParams {
    /// `q`, `from`, `to`, `sort` and `collection` of `GET /api/assets`, validated (400 naming
    /// the field).
    pub fn parse(
        q: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        sort: Option<&str>,
        collection: Option<&str>,
    ) -> Result<Self, ApiError> {
        let query = match q {
            None => None,
            Some(q) => SearchQuery::parse(q).map_err(|m| ApiError::validation("q", m))?,
        };
        let range = IdRange::from_dates(from, to).map_err(|(field, m)| ApiError::validation(field, m))?;
        let sort = Sort::parse(sort).map_err(|m| ApiError::validation("sort", m))?;
        let collection = match collection {
            None => None,
            Some(c) if ulid::Ulid::from_string(c).is_ok() => Some(c.to_string()),
            Some(_) => return Err(ApiError::validation("collection", "collection is not a collection id")),
        };
        Ok(SearchParams {
            query,
            collection,
            range,
            sort,
        })
    }

    /// Whether the page is a join of streams (a query or a collection); otherwise it is one key
    /// range of the gallery's index (store::list_assets_in).
    pub fn joins(&self) -> bool {
        self.query.is_some() || self.collection.is_some()
    }
}

/// Writes an asset's term items, then its marker (store::search). Repeating it writes the
/// same items: a redelivered output, or a backfill, catches up.
pub async fn index_asset(store: &Store, asset: &Asset) -> Result<(), StoreError> {
    store.index_asset(asset).await
}

/// Removes an asset's term items once its record is gone for good. Called only from the one
/// hard-delete hook, service::trash_sweep::forget_asset (purge, trash sweep, expiry, discarded
/// outputs); trashing keeps them (a trashed asset is not found, so every search skips it, and
/// a restore needs no re-index: the trashed record keeps the marker, service::trash). Best
/// effort: an item left behind is skipped by every search (its asset is not found) and costs
/// only its read; the failure is logged.
pub(crate) async fn forget_terms(store: &Store, asset: &Asset) {
    let terms = index_terms(asset.prompt.as_deref().unwrap_or(""));
    if terms.is_empty() {
        return;
    }
    if let Err(e) = store.write_terms(&asset.user_id, &asset.asset_id, &terms, false).await {
        tracing::warn!(asset_id = %asset.asset_id, error = %e, "search terms of a deleted asset not removed");
    }
}

/// A page of the user's assets answering `params` and `filter`, in `params.sort` order, after
/// `after`, and the cursor to continue from (None: nothing follows). 404 for a collection the
/// user does not have.
pub async fn search_assets(
    app: &App,
    user: &UserId,
    params: &SearchParams,
    filter: &AssetFilter,
    limit: usize,
    after: Option<&AssetId>,
) -> Result<(Vec<Asset>, Option<AssetId>), ApiError> {
    let mut sources: Vec<IdSource> = Vec::new();
    if let Some(q) = &params.query {
        sources.extend(q.terms().iter().map(|t| term_source(user, t)));
    }
    if let Some(c) = &params.collection {
        if !app.store.has_collection(user, c).await? {
            return Err(ApiError::not_found("collection"));
        }
        sources.push(member_source(user, c));
    }
    if let Some(k) = filter.index_key(user) {
        sources.push(IdSource::Gallery(k));
    }
    let forward = params.sort.forward();
    let store = &app.store;
    let read = |i: usize, range: IdRange, limit: usize| {
        let source = sources[i].clone();
        let limit = if matches!(source, IdSource::Gallery(_)) {
            limit.min(GALLERY_CHUNK)
        } else {
            limit
        };
        async move { store.read_ids(&source, &range, forward, limit).await }
    };
    let range = params.range.resume(after.map(AssetId::as_str), params.sort);
    // Several words and the leading one has few ids in the range (one Query reads them all):
    // each of its ids is checked on the asset's record (one BatchGetItem) instead of joining
    // the other words' streams, which would cost a Query or more per id.
    if params.collection.is_none() && sources.len() > 1 {
        let (ids, done) = store.read_ids(&sources[0], &range, forward, CHUNK + 1).await?;
        if done {
            let candidates: Vec<AssetId> = ids
                .iter()
                .filter(|id| after.is_none_or(|a| a.as_str() != id.as_str()))
                .filter_map(|id| AssetId::parse(id))
                .collect();
            let mut found: Vec<Asset> = app.store.get_assets(user, &candidates).await?;
            found.retain(|a| indexed_match(params, filter, a));
            let next = if found.len() > limit {
                found.truncate(limit);
                found.last().map(|a| a.asset_id.clone())
            } else {
                None
            };
            return Ok((found, next));
        }
    }
    let skip = after.map(|a| a.as_str().to_string());
    let mut join = Join::new(sources.len(), read, range, forward, CHUNK, skip);
    let until = std::time::Instant::now() + crate::deadline::bound(MAX_JOIN_TIME);
    let mut found: Vec<Asset> = Vec::new();
    let (mut ended, mut budget_spent) = (false, false);
    while found.len() <= limit && !ended && !budget_spent {
        let mut candidates: Vec<AssetId> = Vec::new();
        while candidates.len() < limit + 1 - found.len() {
            if join.reads >= MAX_JOIN_READS || std::time::Instant::now() >= until {
                budget_spent = true;
                break;
            }
            match join.next().await? {
                Some(id) => candidates.extend(AssetId::parse(&id)),
                None => {
                    ended = true;
                    break;
                }
            }
        }
        for a in app.store.get_assets(user, &candidates).await? {
            let words_ok = params
                .query
                .as_ref()
                .is_none_or(|q| a.prompt.as_deref().is_some_and(|p| q.matches(p)));
            if words_ok && filter.matches(&a) && params.range.contains(a.asset_id.as_str()) {
                found.push(a);
            }
        }
    }
    let next = if found.len() > limit {
        found.truncate(limit);
        found.last().map(|a| a.asset_id.clone())
    } else if budget_spent {
        // Everything up to where the join got is decided; the rest follows from there.
        join.decided.as_deref().and_then(AssetId::parse).filter(|d| Some(d) != after)
    } else {
        None
    };
    Ok((found, next))
}

/// Whether an asset read by its id answers the search as the join of all the streams would: the
/// query's words, the filter and the range, and every query term among the asset's indexed terms
/// (a word past an asset's term cap is not searchable, whichever way the page is read).
fn indexed_match(params: &SearchParams, filter: &AssetFilter, a: &Asset) -> bool {
    let prompt = a.prompt.as_deref().unwrap_or("");
    let words_ok = params.query.as_ref().is_none_or(|q| {
        let terms = index_terms(prompt);
        q.matches(prompt) && q.terms().iter().all(|t| terms.contains(t))
    });
    words_ok && filter.matches(a) && params.range.contains(a.asset_id.as_str())
}
