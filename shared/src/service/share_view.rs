//! The public read of a share link (`POST /api/shared`, no sign-in): the token's thing and
//! nothing else of its owner's.
//!
//! Every read checks the source's rate, looks the link up by the token's hash (one consistent
//! GetItem: a revoked link has no item), checks its expiry (TTL deletes late), counts the open
//! and answers from the store as it is now. Every way a token can fail (malformed, unknown,
//! revoked, expired, its thing gone) is the same 404.
//!
//! The answer is built field by field from an allow list: no owner id, email, username, cost,
//! job, lineage (parent ids) or download name; the model that made each picture (what a
//! comparison compares); the prompt (and a story's captions and a set's prompt) only with
//! `show_prompt`; media URLs signed for minutes
//! ([`SHARE_MEDIA_URL_TTL_S`]).
use crate::api::ApiError;
use crate::app::App;
use crate::clock;
use crate::domain::share::{SHARE_MEDIA_URL_TTL_S, Share, ShareKind, token_hash};
use crate::domain::{Asset, AssetId, BoardId, SetId, StoryId};
use serde_json::{Value, json};

/// The one answer for every token that shows nothing.
pub fn link_gone() -> ApiError {
    ApiError::NotFound("This link does not exist, has expired or was revoked.".into())
}

/// Counts a read from `source` against the per-minute limit; over it, 429 with the seconds
/// until the minute turns.
pub async fn check_rate(app: &App, source: &str) -> Result<(), ApiError> {
    let now = clock::now().timestamp();
    let window = now.div_euclid(60);
    if app.store.rate_hit(source, window, app.config.public_reads_per_minute).await? {
        return Ok(());
    }
    Err(ApiError::TooManyStarts {
        message: "Too many link opens from your network in a minute; try again shortly.".into(),
        retry_after_s: (60 - now.rem_euclid(60)) as u64,
    })
}

/// The page's answer for `token`, or 404.
pub async fn open_share(app: &App, token: &str) -> Result<Value, ApiError> {
    let hash = token_hash(token).ok_or_else(link_gone)?;
    let share = app.store.share_by_token(&hash).await?.ok_or_else(link_gone)?;
    if !share.live_at(clock::now().timestamp()) {
        return Err(link_gone());
    }
    let body = match share.kind {
        ShareKind::Asset => asset_body(app, &share).await?,
        ShareKind::Set => set_body(app, &share).await?,
        ShareKind::Story => story_body(app, &share).await?,
        ShareKind::Board => board_body(app, &share).await?,
    };
    let mut body = body.ok_or_else(link_gone)?;
    // Counted after the thing was found: a link whose thing is gone opens nothing.
    if !app.store.count_share_open(&share).await? {
        return Err(link_gone());
    }
    body["kind"] = json!(share.kind);
    body["show_prompt"] = json!(share.show_prompt);
    body["expires_at"] = share.to_api()["expires_at"].clone();
    tracing::info!(share_id = %share.share_id, kind = share.kind.noun(), "share link opened");
    Ok(body)
}

/// One asset as a share page shows it.
async fn public_asset(app: &App, share: &Share, a: &Asset) -> Result<Value, ApiError> {
    let signer = app.media_signer().await.map_err(ApiError::internal)?;
    let now = clock::now().timestamp().max(0) as u64;
    let url = app
        .media_urls
        .url(&signer, &app.config.media_base_url, &a.s3_key, None, now, SHARE_MEDIA_URL_TTL_S)
        .map_err(ApiError::internal)?;
    let mut v = json!({
        "id": a.asset_id,
        "kind": a.kind,
        "content_type": a.content_type,
        "model": a.model,
        "url": url,
    });
    if let (Some(w), Some(h)) = (a.width, a.height) {
        v["width"] = json!(w);
        v["height"] = json!(h);
    }
    if let Some(d) = a.duration_s {
        v["duration_s"] = json!(d);
    }
    if share.show_prompt {
        v["prompt"] = json!(a.prompt);
    }
    Ok(v)
}

async fn public_assets(app: &App, share: &Share, ids: &[AssetId]) -> Result<Vec<Value>, ApiError> {
    let found = app.store.get_assets(&share.user_id, ids).await?;
    let mut out = Vec::with_capacity(found.len());
    // In the order asked for; ones that are gone (deleted, trashed) are left out.
    for id in ids {
        if let Some(a) = found.iter().find(|a| &a.asset_id == id) {
            out.push(public_asset(app, share, a).await?);
        }
    }
    Ok(out)
}

async fn asset_body(app: &App, share: &Share) -> Result<Option<Value>, ApiError> {
    let Some(id) = AssetId::parse(&share.target_id) else {
        return Ok(None);
    };
    let Some(a) = app.store.get_asset(&share.user_id, &id).await? else {
        return Ok(None);
    };
    Ok(Some(json!({ "assets": [public_asset(app, share, &a).await?] })))
}

async fn set_body(app: &App, share: &Share) -> Result<Option<Value>, ApiError> {
    let Some(id) = SetId::parse(&share.target_id) else {
        return Ok(None);
    };
    let Some(set) = app.store.get_set(&share.user_id, &id).await? else {
        return Ok(None);
    };
    let mut ids = Vec::new();
    for job_id in &set.job_ids {
        if let Some(job) = app.store.get_job(&share.user_id, job_id).await? {
            ids.extend(job.asset_ids);
        }
    }
    let mut v = json!({ "assets": public_assets(app, share, &ids).await?, "title": "A comparison" });
    if share.show_prompt {
        v["prompt"] = json!(set.prompt);
    }
    Ok(Some(v))
}

async fn story_body(app: &App, share: &Share) -> Result<Option<Value>, ApiError> {
    let Some(id) = StoryId::parse(&share.target_id) else {
        return Ok(None);
    };
    let Some(story) = app.store.get_story(&share.user_id, &id).await? else {
        return Ok(None);
    };
    let ids: Vec<AssetId> = (0..story.captions.len()).map(|i| AssetId::for_output(&story.job_id, i)).collect();
    let mut assets = public_assets(app, share, &ids).await?;
    if share.show_prompt {
        for a in &mut assets {
            let i = ids.iter().position(|id| a["id"] == json!(id)).unwrap_or(0);
            a["caption"] = json!(story.captions.get(i));
        }
    }
    let mut v = json!({ "assets": assets, "title": "A story" });
    if share.show_prompt {
        v["prompt"] = json!(story.prompt);
    }
    Ok(Some(v))
}

async fn board_body(app: &App, share: &Share) -> Result<Option<Value>, ApiError> {
    let Some(id) = BoardId::parse(&share.target_id) else {
        return Ok(None);
    };
    let Some(board) = app.store.get_board(&share.user_id, &id).await? else {
        return Ok(None);
    };
    let mut ids: Vec<AssetId> = board.tiles.iter().map(|t| t.asset_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let assets = public_assets(app, share, &ids).await?;
    // Only tiles whose asset is here; no tile links (lineage).
    let tiles: Vec<Value> = board
        .tiles
        .iter()
        .filter(|t| assets.iter().any(|a| a["id"] == json!(t.asset_id)))
        .map(|t| json!({ "asset_id": t.asset_id, "x": t.x, "y": t.y, "w": t.w, "h": t.h, "z": t.z }))
        .collect();
    Ok(Some(json!({ "assets": assets, "title": board.name, "tiles": tiles })))
}
