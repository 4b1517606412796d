//! Holds of many assets at once (store::holds), for boards: a board's save touches up to 500
//! tiles, more than a transaction, so each asset's hold is its own idempotent write, ordered so
//! that a failure never lets a placed asset expire: holds of newly placed assets are written
//! *before* the board, releases of removed ones *after* it (docs/data-model.md, "Holds").
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::collection::Holder;
use crate::domain::{AssetId, UserId};
use crate::store::StoreError;

/// Assets held or released at the same time.
const CONCURRENCY: usize = 16;

/// Holds every one of `ids` for `holder` (an asset that is gone is skipped).
pub async fn hold_all(app: &App, user: &UserId, ids: &[AssetId], holder: &Holder) -> Result<(), ApiError> {
    each(app, user, ids, holder, None).await
}

/// Releases every one of `ids` from `holder`: an unsaved result nothing else holds expires N
/// days from now.
pub async fn release_all(app: &App, user: &UserId, ids: &[AssetId], holder: &Holder) -> Result<(), ApiError> {
    let at = (clock::now() + chrono::Duration::days(i64::from(app.config.unsaved_expiration_days))).timestamp();
    each(app, user, ids, holder, Some(at)).await
}

async fn each(app: &App, user: &UserId, ids: &[AssetId], holder: &Holder, release_at: Option<i64>) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in ids.chunks(ids.len().div_ceil(CONCURRENCY)) {
        let (store, user, holder, chunk) = (app.store.clone(), user.clone(), holder.clone(), chunk.to_vec());
        tasks.spawn(crate::deadline::carry(async move {
            for id in chunk {
                match release_at {
                    Some(at) => store.release_hold(&user, &id, &holder, at).await?,
                    None => store.add_hold(&user, &id, &holder).await?,
                };
            }
            Ok::<_, StoreError>(())
        }));
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(ApiError::internal)??;
    }
    Ok(())
}
