//! Named collections (docs/data-model.md, "Collections"): create, rename, delete, add and
//! remove assets, the studio's "add new results to…", and what a hard delete of an asset
//! removes with it. Being in a collection holds an asset (store::holds): it does not expire.
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::collection::{CollectionRuleError, Holder, MAX_COLLECTION_ASSETS, MAX_COLLECTIONS, check_name};
use crate::domain::{AssetId, Collection, CollectionId, Job, UserId};
use crate::store::{AddOutcome, RemoveOutcome};
use serde::Deserialize;
use serde_json::{Value, json};

/// The most ids one add/remove request may name (as `POST /api/assets/batch`).
pub const MAX_COLLECTION_BATCH: usize = super::gallery::MAX_BATCH;
/// Members handled at once when a collection is deleted.
const DELETE_CONCURRENCY: usize = 16;

impl From<CollectionRuleError> for ApiError {
    fn from(e: CollectionRuleError) -> Self {
        ApiError::validation(e.field, e.message)
    }
}

/// `POST /api/collections` and `PATCH /api/collections/{id}` body.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionName {
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberAction {
    Add,
    Remove,
}

/// `POST /api/collections/{id}/assets` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRequest {
    pub action: MemberAction,
    pub asset_ids: Vec<String>,
}

fn not_found() -> ApiError {
    ApiError::not_found("collection")
}

/// The caller's collection, or 404 (another user's, none, or being deleted).
pub async fn live_collection(app: &App, user: &UserId, id: &CollectionId) -> Result<Collection, ApiError> {
    match app.store.get_collection(user, id).await? {
        Some(c) if !c.deleting => Ok(c),
        _ => Err(not_found()),
    }
}

pub async fn create_collection(app: &App, caller: &Caller, req: &CollectionName) -> Result<Collection, ApiError> {
    let name = check_name(&req.name)?;
    let now = clock::rfc3339(clock::now());
    let c = Collection {
        collection_id: CollectionId::new(),
        name,
        item_count: 0,
        created_at: now.clone(),
        updated_at: now,
        deleting: false,
    };
    if !app.store.create_collection(&caller.id, &c).await? {
        return Err(ApiError::Conflict(format!(
            "You have {MAX_COLLECTIONS} collections, the most an account can have. Delete one to make another."
        )));
    }
    tracing::info!(collection_id = %c.collection_id, "collection created");
    Ok(c)
}

pub async fn rename_collection(app: &App, caller: &Caller, id: &CollectionId, req: &CollectionName) -> Result<Collection, ApiError> {
    let name = check_name(&req.name)?;
    let now = clock::rfc3339(clock::now());
    app.store
        .rename_collection(&caller.id, id, &name, &now)
        .await?
        .ok_or_else(not_found)
}

/// Deletes a collection, never its assets: it stops taking members at once, then each
/// membership goes with the asset's hold (an asset nothing else holds starts expiring, if it is
/// an unsaved result), then the summary. Interrupted, a repeated delete finishes it.
pub async fn delete_collection(app: &App, caller: &Caller, id: &CollectionId) -> Result<(), ApiError> {
    let user = &caller.id;
    if !app.store.mark_collection_deleting(user, id).await? {
        return Err(not_found());
    }
    let expires_at = fresh_expiry(app);
    let holder = Holder::Collection(id.clone());
    loop {
        let (ids, _) = app.store.collection_members(user, id, None, 100, None).await?;
        if ids.is_empty() {
            break;
        }
        let mut tasks = tokio::task::JoinSet::new();
        for chunk in ids.chunks(ids.len().div_ceil(DELETE_CONCURRENCY)) {
            let (store, user, id, holder, chunk) = (app.store.clone(), user.clone(), id.clone(), holder.clone(), chunk.to_vec());
            tasks.spawn(crate::deadline::carry(async move {
                for asset in chunk {
                    store.release_hold(&user, &asset, &holder, expires_at).await?;
                    store.delete_member_item(&user, &id, &asset).await?;
                }
                Ok::<_, crate::store::StoreError>(())
            }));
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(ApiError::internal)??;
        }
    }
    app.store.finish_collection_delete(user, id).await?;
    tracing::info!(collection_id = %id, "collection deleted");
    Ok(())
}

/// When an asset that nothing holds any more expires: now + N days.
fn fresh_expiry(app: &App) -> i64 {
    (clock::now() + chrono::Duration::days(i64::from(app.config.unsaved_expiration_days))).timestamp()
}

/// Adds or removes the named assets, one result per distinct id in the order given: `ok`, or
/// `not_found` (no such asset of the caller's; for remove, also: not in the collection).
/// 404 when the collection is not the caller's; 409 when it is full (those before are added).
pub async fn change_members(app: &App, caller: &Caller, id: &CollectionId, req: MemberRequest) -> Result<Value, ApiError> {
    if req.asset_ids.is_empty() || req.asset_ids.len() > MAX_COLLECTION_BATCH {
        return Err(ApiError::validation(
            "asset_ids",
            format!("asset_ids must name 1 to {MAX_COLLECTION_BATCH} assets"),
        ));
    }
    let user = &caller.id;
    live_collection(app, user, id).await?;
    let mut ids: Vec<String> = Vec::with_capacity(req.asset_ids.len());
    for raw in req.asset_ids {
        if !ids.contains(&raw) {
            ids.push(raw);
        }
    }
    let parsed: Vec<AssetId> = ids.iter().filter_map(|r| AssetId::parse(r)).collect();
    // Resolved through the store's batch-get: an asset of another user, gone or in the trash is
    // not found.
    let found: Vec<AssetId> = app.store.get_assets(user, &parsed).await?.into_iter().map(|a| a.asset_id).collect();
    let now = clock::rfc3339(clock::now());
    let expires_at = fresh_expiry(app);
    let mut results = Vec::with_capacity(ids.len());
    let mut added = 0usize;
    for raw in &ids {
        let Some(asset) = AssetId::parse(raw).filter(|a| found.contains(a)) else {
            results.push(json!({ "id": raw, "status": "not_found" }));
            continue;
        };
        let ok = match req.action {
            MemberAction::Add => match app.store.add_member(user, id, &asset, &now).await? {
                AddOutcome::Added => {
                    added += 1;
                    true
                }
                AddOutcome::Already => true,
                AddOutcome::NoAsset => false,
                AddOutcome::NoCollection => return Err(not_found()),
                AddOutcome::Full => {
                    return Err(ApiError::Conflict(format!(
                        "This collection holds {MAX_COLLECTION_ASSETS} assets, the most a collection can hold; {added} of these were added. Remove some to add the rest."
                    )));
                }
            },
            MemberAction::Remove => match app.store.remove_member(user, id, &asset, expires_at).await? {
                RemoveOutcome::Removed => true,
                RemoveOutcome::NotMember => false,
                RemoveOutcome::NoCollection => return Err(not_found()),
            },
        };
        results.push(json!({ "id": raw, "status": if ok { "ok" } else { "not_found" } }));
    }
    let action = match req.action {
        MemberAction::Add => "add",
        MemberAction::Remove => "remove",
    };
    Ok(json!({ "action": action, "results": results }))
}

/// The studio's "add new results to…": a job's outputs go into the collection it was created
/// with, as they are copied. A collection deleted (or filled) meanwhile takes none: the job
/// is not affected, and nothing is recreated. Best effort: a failure is logged.
pub(crate) async fn collect_outputs(app: &App, job: &Job, ids: &[AssetId]) {
    let Some(cid) = &job.collection_id else { return };
    let now = clock::rfc3339(clock::now());
    for id in ids {
        match app.store.add_member(&job.user_id, cid, id, &now).await {
            Ok(AddOutcome::Added | AddOutcome::Already | AddOutcome::NoAsset) => {}
            Ok(why @ (AddOutcome::NoCollection | AddOutcome::Full)) => {
                tracing::info!(job_id = %job.job_id, collection_id = %cid, outcome = ?why, "outputs not added to the job's collection");
                return;
            }
            Err(e) => {
                tracing::warn!(job_id = %job.job_id, collection_id = %cid, error = %e, "could not add an output to the job's collection");
            }
        }
    }
}

/// The collections among an asset's holders.
fn held_collections(holders: &[String]) -> impl Iterator<Item = CollectionId> + '_ {
    holders.iter().filter_map(|h| match Holder::parse(h) {
        Some(Holder::Collection(c)) => Some(c),
        _ => None,
    })
}

/// A trashed asset leaves the counts of the collections it is in (its `holders`, as the trash
/// took them; `order`: its stay, domain::trash::trash_order): a collection counts its live
/// members. Best effort: a failure is logged and leaves that count one high until the asset
/// is restored (nothing to add back) or purged (its membership goes off the count then).
pub(crate) async fn uncount_trashed(app: &App, user: &UserId, id: &AssetId, holders: &[String], order: &str) {
    for cid in held_collections(holders) {
        if let Err(e) = app.store.uncount_trashed_member(user, &cid, id, order).await {
            tracing::warn!(asset_id = %id, collection_id = %cid, error = %e, "trashed asset still counted in its collection");
        }
    }
}

/// A restored asset counts again in the collections it is in (its trashed record's holders).
/// Best effort: a failure is logged and leaves that count one low; removing the asset from
/// the collection later takes nothing off it.
pub(crate) async fn recount_restored(app: &App, user: &UserId, id: &AssetId, holders: &[String]) {
    for cid in held_collections(holders) {
        if let Err(e) = app.store.recount_restored_member(user, &cid, id).await {
            tracing::warn!(asset_id = %id, collection_id = %cid, error = %e, "restored asset not counted in its collection");
        }
    }
}

/// Removes an asset's memberships, each with its collection's count: part of deleting an asset
/// for good (service::gallery::remove_asset), before its object and record go.
/// The memberships named in `holders` (a purged trashed record's: store::Store::asset_collections
/// can't read a record that is no longer live), each off its collection's count.
pub(crate) async fn forget_memberships(app: &App, user: &UserId, id: &AssetId, holders: &[String]) -> Result<(), ApiError> {
    for h in holders {
        if let Some(Holder::Collection(cid)) = Holder::parse(h) {
            app.store.drop_member(user, &cid, id).await?;
        }
    }
    Ok(())
}

pub(crate) async fn forget_asset(app: &App, user: &UserId, id: &AssetId) -> Result<(), ApiError> {
    for cid in app.store.asset_collections(user, id).await? {
        app.store.drop_member(user, &cid, id).await?;
    }
    Ok(())
}
