//! `vn-local seed`: fills a user's gallery on the running local stack with real, small image
//! assets, fast (no jobs, no rate limit), for the tests and measurements that need a full
//! gallery (a 200-item gallery for Lighthouse, 2,000 for scrolling). Each asset is written the
//! way an upload is recorded: the object in the media bucket, the record counted in storage
//! (`Store::put_asset`), indexed for search, and its thumbnail recorded. Saved, so nothing
//! expires.
use crate::BoxError;
use serde_json::json;
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, UserId};
use shared::media::Media;
use shared::store::{Store, StoreError};
use std::future::Future;
use std::time::Duration;

/// The most assets one `seed` writes.
pub const MAX_SEED: usize = 10_000;
/// How many assets are written at once.
const PARALLEL: usize = 16;

const SUBJECTS: [&str; 8] = [
    "a lighthouse at dusk",
    "a fox in fresh snow",
    "a tram crossing a bridge",
    "a bowl of ramen, steam rising",
    "a desert road under stars",
    "a greenhouse full of ferns",
    "a harbour with red boats",
    "a violin on a wooden table",
];
const STYLES: [&str; 5] = ["watercolour", "35 mm film", "isometric", "oil painting", "studio photo"];

/// The prompt of seeded asset `i`: varied, so search and prompt grouping have something to do.
pub fn prompt(i: usize) -> String {
    format!(
        "{}, {}, no. {}",
        SUBJECTS[i % SUBJECTS.len()],
        STYLES[(i / SUBJECTS.len()) % STYLES.len()],
        i + 1
    )
}

/// Writes `n` image assets of `long_side` pixels for `user`, newest last, one minute apart and
/// ending now, each with its thumbnail unless `thumbs` is false (a gallery from before
/// thumbnails, for `make backfill`). Returns how many were written.
pub async fn seed(store: &Store, media: &Media, user: &UserId, n: usize, long_side: u32, thumbs: bool) -> Result<usize, BoxError> {
    if n == 0 || n > MAX_SEED {
        return Err(format!("--assets must be between 1 and {MAX_SEED}").into());
    }
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis())?;
    let first_ms = now_ms.saturating_sub(n as u64 * 60_000);
    // The random part of an id: this run's clock in its upper bits, the index in the lower, so
    // ids never collide within a run nor (short of the same nanosecond) across runs.
    let run = u128::from(u64::try_from(chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0))?) << 32;
    let mut tasks = tokio::task::JoinSet::new();
    let mut written = 0;
    for i in 0..n {
        let at_ms = first_ms + i as u64 * 60_000;
        let id = AssetId::parse(&ulid::Ulid::from_parts(at_ms, run | i as u128).to_string()).ok_or("a generated asset id")?;
        let prompt = prompt(i);
        let png = crate::simulator::image::render_png(&json!({ "prompt": prompt }), i, long_side);
        let (width, height) = {
            let info = png::Decoder::new(&png[..]).read_info()?;
            (info.info().width, info.info().height)
        };
        let created_at = chrono::DateTime::from_timestamp_millis(i64::try_from(at_ms)?)
            .ok_or("a time")?
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let asset = Asset {
            user_id: user.clone(),
            s3_key: shared::media::object_key(user, &id, "png"),
            asset_id: id,
            kind: AssetKind::Image,
            source: AssetSource::Generated,
            model: Some("imagen-4".into()),
            prompt: Some(prompt),
            parent_ids: vec![],
            job_id: None,
            saved: true,
            content_type: "image/png".into(),
            bytes: png.len() as u64,
            width: Some(width),
            height: Some(height),
            duration_s: None,
            created_at,
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        };
        let (store, media) = (store.clone(), media.clone());
        tasks.spawn(async move {
            // The thumbnail the worker would make (service::thumbs), made here at once so a
            // seeded gallery is what a user's gallery is once the queue has caught up.
            let thumb = thumbs
                .then(|| shared::thumb::make_thumbnail(std::io::Cursor::new(&png)))
                .transpose()?;
            media.put(&asset.s3_key, png, &asset.content_type).await?;
            media.tag_saved(&asset.s3_key, true).await?;
            patiently(|| store.put_asset(&asset)).await?;
            patiently(|| shared::service::index_asset(&store, &asset)).await?;
            if let Some(t) = thumb {
                let key = shared::media::thumb_key(&asset.user_id, &asset.asset_id);
                let bytes = t.jpeg.len() as u64;
                media.put_thumb(&key, t.jpeg).await?;
                patiently(|| store.record_thumb(&asset, &key, bytes)).await?;
            }
            Ok::<(), BoxError>(())
        });
        while tasks.len() >= PARALLEL {
            tasks.join_next().await.ok_or("a task")???;
            written += 1;
        }
    }
    while let Some(r) = tasks.join_next().await {
        r??;
        written += 1;
    }
    Ok(written)
}

/// A store write tried again while the store answers busy. Every task counts into the same
/// user's storage item, which DynamoDB (and the local emulator, as it does) lets one transaction
/// change at a time; the store gives up after a few quick tries (the API answers 429), and a
/// seed, with nobody waiting on an answer, waits its turn instead: up to about 20 s.
async fn patiently<T, F, Fut>(mut write: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut wait_ms = 25;
    for _ in 0..40 {
        match write().await {
            Err(e) if e.is_busy() => {
                tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                wait_ms = (wait_ms * 2).min(500);
            }
            done => return done,
        }
    }
    write().await
}
