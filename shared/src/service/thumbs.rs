//! The worker's thumbnails (issue #24): an image asset recorded (a result, an edit, a
//! restoration, a completed upload) sends a `thumb` message; the worker reads the file into a
//! temporary file (never into memory), makes a bounded thumbnail (crate::thumb), stores it
//! beside the file (media::thumb_key, under `users/{sub}/`) and records it on the asset with
//! its bytes in the user's storage count (store::record_thumb). One at a time per process: its
//! [`THUMB_MEMORY_ALLOWANCE`] is part of the worker's memory budget (service::copy's test).
//! Idempotent: a redelivery finds the thumbnail recorded and does nothing.
use crate::app::App;
use crate::domain::{Asset, AssetKind, UserId};
use crate::media::thumb_key;
use crate::queue::{QueueError, ThumbMessage};
use crate::thumb::{ThumbError, make_thumbnail};
use tokio::io::AsyncWriteExt;

pub use crate::thumb::THUMB_MEMORY_ALLOWANCE;

/// Thumbnails made at once in one process.
pub const MAX_PARALLEL_THUMBS: usize = 1;
static THUMB_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_PARALLEL_THUMBS);

/// What became of a thumb message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThumbOutcome {
    /// Made and recorded: the thumbnail's bytes.
    Made(u64),
    /// Nothing to do: the asset is gone, a video, or has its thumbnail already.
    Skipped,
    /// The image can't be thumbnailed within the bound (or at all): the gallery keeps showing
    /// the file itself.
    Refused(String),
}

/// A failure worth a retry (S3, DynamoDB).
#[derive(Debug, thiserror::Error)]
#[error("thumbnail: {0}")]
pub struct ThumbRetry(String);

fn retry(e: impl std::fmt::Display) -> ThumbRetry {
    ThumbRetry(e.to_string())
}

/// Whether an asset gets a thumbnail: images only (no video decoder runs in Lambda, so videos
/// get no poster), and only once.
pub fn wants_thumb(a: &Asset) -> bool {
    a.kind == AssetKind::Image && a.thumb_key.is_none()
}

/// Asks the worker for the thumbnail of a just-recorded asset (nothing for a video).
pub async fn request_thumb(app: &App, a: &Asset) -> Result<(), QueueError> {
    if !wants_thumb(a) {
        return Ok(());
    }
    app.queue
        .send_thumb(ThumbMessage {
            user_id: a.user_id.clone(),
            asset_id: a.asset_id.clone(),
        })
        .await
}

/// Why an image gets no thumbnail when its file is no larger than the thumbnail would be.
pub const NO_SMALLER: &str = "the file is no larger than its thumbnail";

/// Makes, stores and records the thumbnail a [`ThumbMessage`] asks for.
pub async fn make_thumb(app: &App, msg: &ThumbMessage) -> Result<ThumbOutcome, ThumbRetry> {
    let Some(asset) = app.store.get_asset(&msg.user_id, &msg.asset_id).await.map_err(retry)? else {
        return Ok(ThumbOutcome::Skipped);
    };
    // Not counted yet (a record older than the count): `vn-local backfill` counts it first.
    if !wants_thumb(&asset) || !asset.counted {
        tracing::info!(asset_id = %asset.asset_id, kind = ?asset.kind, has_thumb = asset.thumb_key.is_some(), "no thumbnail needed");
        return Ok(ThumbOutcome::Skipped);
    }
    let _slot = THUMB_SLOTS.acquire().await.map_err(retry)?;
    let made = match thumbnail_of(app, &asset).await? {
        Ok(t) => t,
        Err(e) => {
            tracing::info!(asset_id = %asset.asset_id, reason = %e, "no thumbnail for this image");
            return Ok(ThumbOutcome::Refused(e.to_string()));
        }
    };
    let key = thumb_key(&asset.user_id, &asset.asset_id);
    let bytes = made.jpeg.len() as u64;
    // A small or well-compressed file is its own thumbnail: one no smaller would only cost
    // storage (counted against the user's limit) and a second download.
    if bytes >= asset.bytes {
        tracing::info!(asset_id = %asset.asset_id, bytes, file_bytes = asset.bytes, "the file is no larger than its thumbnail");
        return Ok(ThumbOutcome::Refused(NO_SMALLER.into()));
    }
    app.media.put_thumb(&key, made.jpeg).await.map_err(retry)?;
    if app.store.record_thumb(&asset, &key, bytes).await.map_err(retry)? {
        tracing::info!(asset_id = %asset.asset_id, bytes, "thumbnail made");
        return Ok(ThumbOutcome::Made(bytes));
    }
    // Not recorded: a redelivery found it recorded already (the same key, rewritten: keep it),
    // or the asset went (deleted, trashed) meanwhile: nothing would ever delete the object.
    if !still_has_thumb(app, &asset.user_id, &asset, &key).await? {
        app.media.delete(&key).await.map_err(retry)?;
    }
    Ok(ThumbOutcome::Skipped)
}

async fn still_has_thumb(app: &App, user: &UserId, asset: &Asset, key: &str) -> Result<bool, ThumbRetry> {
    let live = app.store.get_asset(user, &asset.asset_id).await.map_err(retry)?;
    if let Some(a) = live {
        return Ok(a.thumb_key.as_deref() == Some(key));
    }
    let trashed = app.store.get_trashed(user, &asset.asset_id).await.map_err(retry)?;
    Ok(trashed.is_some_and(|t| t.asset.thumb_key.as_deref() == Some(key)))
}

/// Reads the file into a temporary file (Lambda's `/tmp`) and thumbnails it on a blocking
/// thread. The outer error is a retry; the inner one a refusal.
async fn thumbnail_of(app: &App, asset: &Asset) -> Result<Result<crate::thumb::Thumbnail, ThumbError>, ThumbRetry> {
    let path = std::env::temp_dir().join(format!("vn-thumb-{}-{}", asset.asset_id.as_str(), ulid::Ulid::new()));
    let result = async {
        let mut body = app.media.get_stream(&asset.s3_key).await.map_err(retry)?;
        let mut file = tokio::fs::File::create(&path).await.map_err(retry)?;
        tokio::io::copy(&mut body, &mut file).await.map_err(retry)?;
        file.flush().await.map_err(retry)?;
        drop(file);
        let read = path.clone();
        tokio::task::spawn_blocking(move || {
            let file = std::fs::File::open(read).map_err(|e| ThumbError::Decode(e.to_string()))?;
            make_thumbnail(std::io::BufReader::new(file))
        })
        .await
        .map_err(retry)
    }
    .await;
    let _ = tokio::fs::remove_file(&path).await;
    result
}

/// `make backfill`: asks the worker for the thumbnail of every live image record without one
/// (older than thumbnails, or whose message was lost). Returns how many were asked for.
/// Idempotent: the worker skips what has one by then, and a refused image is asked again.
pub async fn backfill_thumbs(
    store: &crate::store::Store,
    queue: &crate::queue::Queue,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let (mut sent, mut start) = (0, None);
    loop {
        let (page, next) = store.images_without_thumbs_page(start.take()).await?;
        for (user_id, asset_id) in page {
            queue.send_thumb(ThumbMessage { user_id, asset_id }).await?;
            sent += 1;
        }
        match next {
            Some(k) => start = Some(k),
            None => return Ok(sent),
        }
    }
}
