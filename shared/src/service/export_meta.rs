//! An export's `metadata.json`: one entry per file in the zip (its name, the asset's prompt,
//! model, the job's options and cost, dates, lineage and the collections it is in), and the
//! user's collections. Read while the worker builds the zip (service::zip_build).
use crate::App;
use crate::domain::export::usd_exact;
use crate::domain::{Asset, AssetId, Collection, Job, JobId, UserId};
use crate::store::StoreError;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The user's collections (not one being deleted), newest first, and for each asset the
/// indexes of the collections it is in. At most 100 collections of at most 1,000 members
/// (domain::collection), read a Query page at a time.
pub(super) async fn collections_of(app: &App, user: &UserId) -> Result<(Vec<Collection>, HashMap<AssetId, Vec<usize>>), StoreError> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, next) = app.store.list_collections(user, 100, after.as_deref()).await?;
        all.extend(page.into_iter().filter(|c| !c.deleting));
        match next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut by_asset: HashMap<AssetId, Vec<usize>> = HashMap::new();
    for (i, c) in all.iter().enumerate() {
        let mut start = None;
        loop {
            let (ids, next) = app.store.collection_members(user, &c.collection_id, None, 1000, start).await?;
            for id in ids {
                by_asset.entry(id).or_default().push(i);
            }
            match next {
                Some(k) => start = Some(k),
                None => break,
            }
        }
    }
    Ok((all, by_asset))
}

/// `metadata.json` (docs/architecture.md, "Zips to take home"): `exported_at`, `collections`
/// (`id`, `name`, `created_at`), the user's style `presets` (as `GET /api/presets` gives them)
/// and `assets`, one per file in the zip (`files`: asset → name in the zip), each with its
/// collections as `{id, name}`.
pub(super) async fn metadata_json(
    app: &App,
    user: &UserId,
    exported_at: &str,
    assets: &[Asset],
    files: &HashMap<AssetId, String>,
) -> Result<Vec<u8>, StoreError> {
    let (collections, member_of) = collections_of(app, user).await?;
    let mut jobs: HashMap<JobId, Option<Job>> = HashMap::new();
    let mut out = Vec::new();
    for a in assets {
        let Some(file) = files.get(&a.asset_id) else { continue };
        let job = match &a.job_id {
            Some(id) => {
                if !jobs.contains_key(id) {
                    let j = app.store.get_job(user, id).await?;
                    jobs.insert(id.clone(), j);
                }
                jobs.get(id).and_then(Option::as_ref)
            }
            None => None,
        };
        let in_collections: Vec<Value> = member_of
            .get(&a.asset_id)
            .map(|ix| {
                ix.iter()
                    .map(|&i| json!({"id": collections[i].collection_id, "name": collections[i].name}))
                    .collect()
            })
            .unwrap_or_default();
        out.push(json!({
            "file": file,
            "asset_id": a.asset_id,
            "kind": a.kind,
            "source": a.source,
            "prompt": a.prompt,
            "model": a.model,
            "options": job.map(|j| &j.options),
            "job_id": a.job_id,
            "job_cost_usd": job.and_then(|j| j.cost_micros).map(usd_exact),
            "created_at": a.created_at,
            "saved": a.saved,
            "parent_ids": a.parent_ids,
            "collections": in_collections,
            "content_type": a.content_type,
            "bytes": a.bytes,
            "width": a.width,
            "height": a.height,
            "duration_s": a.duration_s,
        }));
    }
    let listed: Vec<Value> = collections
        .iter()
        .map(|c| json!({"id": c.collection_id, "name": c.name, "created_at": c.created_at}))
        .collect();
    let presets: Vec<Value> = app.store.list_presets(user).await?.iter().map(|p| p.to_api()).collect();
    let doc = json!({ "exported_at": exported_at, "collections": listed, "presets": presets, "assets": out });
    Ok(serde_json::to_vec_pretty(&doc).unwrap_or_default())
}
