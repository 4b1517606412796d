use crate::api::ApiError;
use crate::app::App;
use crate::domain::{Asset, Job};
use serde_json::{Value, json};

/// The api.md `Asset` with CloudFront-signed URLs on the site's own origin (`/media/...`,
/// App::media_url); `download_url` names the file (domain::download: prompt slug or upload
/// name, id, extension); `thumb_url` once the asset has a thumbnail.
pub async fn asset_json(app: &App, asset: &Asset) -> Result<Value, ApiError> {
    let url = app.media_url(&asset.s3_key, None).await.map_err(ApiError::internal)?;
    let name = crate::domain::download::download_name(asset);
    let download = app.media_url(&asset.s3_key, Some(&name)).await.map_err(ApiError::internal)?;
    let mut v = asset.to_api(&url, &download);
    // Its thumbnail (service::thumbs), signed the same way, once the worker made it.
    if let Some(thumb) = &asset.thumb_key {
        v["thumb_url"] = json!(app.media_url(thumb, None).await.map_err(ApiError::internal)?);
    }
    Ok(v)
}

/// `{"job": Job, "assets": [Asset], "deleted_asset_ids": [...]}` for `GET /api/jobs/{id}`:
/// `deleted_asset_ids` are the job's outputs whose asset is gone (the user deleted it).
pub async fn job_with_assets(app: &App, job: &Job) -> Result<Value, ApiError> {
    let assets = app
        .store
        .get_assets(&job.user_id, &job.asset_ids)
        .await
        .map_err(ApiError::internal)?;
    let mut out = Vec::with_capacity(assets.len());
    for a in &assets {
        out.push(asset_json(app, a).await?);
    }
    let deleted: Vec<&str> = job
        .asset_ids
        .iter()
        .filter(|id| !assets.iter().any(|a| a.asset_id == **id))
        .map(|id| id.as_str())
        .collect();
    Ok(json!({ "job": job.to_api(), "assets": out, "deleted_asset_ids": deleted }))
}
