//! Uploads: announce (`POST /api/uploads`: a presigned POST to a staging key and a pending
//! marker) and complete (`POST /api/uploads/{id}/complete`: check the bytes that arrived, then
//! make them an asset). `complete` trusts nothing the browser said or sent: it reads the
//! object's size, then only its header (ranged reads) and its last bytes.
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::upload::{Declared, Refusal, UploadType, check_image, check_size};
use crate::domain::{Asset, AssetId, AssetKind, AssetSource};
use crate::media::{HeaderSniff, ImageInfo, MediaError, SniffError, TAIL_BYTES, check_ending, object_key, sniff_header, staging_key};
use crate::store::{PendingUpload, UploadSettled};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadRequest {
    pub content_type: String,
    /// Any JSON number here, so a bad one is answered with `field: "bytes"`.
    pub bytes: Value,
    /// Left out or null: none (the contract allows both).
    #[serde(default)]
    pub filename: Option<String>,
}

/// How long the presigned POST lives (the policy's `expiration`).
const POLICY_TTL_S: i64 = 600;
/// How long a pending upload can still be completed (and holds its declared bytes of the
/// storage limit until the sweep releases it): the form is posted within its 10 minutes, and
/// an upload rarely takes long.
pub const MARKER_TTL_S: i64 = 3600;
/// The first read of the header.
const HEADER_FIRST_BYTES: u64 = 64 * 1024;
/// The most of a file `complete` reads to find the image size (JPEG headers carry EXIF and
/// thumbnails before it).
const HEADER_MAX_BYTES: u64 = 1024 * 1024;

/// `201` body of `POST /api/uploads`: the declared bytes are reserved against the caller's
/// storage limit (403 `storage_exceeded` when they don't fit), then the form is signed.
pub async fn create_upload(app: &App, caller: &Caller, req: &UploadRequest) -> Result<Value, ApiError> {
    let bytes =
        crate::api::whole_number(&req.bytes).ok_or_else(|| ApiError::validation("bytes", "bytes must be a whole number of bytes"))?;
    let declared =
        Declared::parse(&req.content_type, bytes, req.filename.as_deref()).map_err(|e| ApiError::validation(e.field, e.message))?;
    let id = AssetId::new();
    let key = staging_key(&caller.id, &id);
    let now = clock::now();
    let limit = app
        .store
        .usage()
        .limits(&caller.id, app.config.default_limits())
        .await?
        .storage_bytes;
    let pending = PendingUpload::new(
        &caller.id,
        &id,
        declared.content_type.mime(),
        declared.bytes,
        declared.filename.clone(),
        clock::rfc3339(now),
        now.timestamp() + MARKER_TTL_S,
    );
    // Reserved before anything is signed: a refused announcement gets no form.
    if !app.store.announce_upload(&pending, limit).await? {
        return Err(super::generate::storage_full(app, caller, limit).await?);
    }
    let post = app
        .media
        .presigned_post(
            &key,
            declared.content_type.mime(),
            declared.bytes,
            chrono::Duration::seconds(POLICY_TTL_S),
        )
        .await;
    let post = match post {
        Ok(p) => p,
        Err(e) => {
            // No form: give the reservation back at once rather than at its expiry.
            if let Err(r) = app.store.release_upload(&pending, None).await {
                tracing::warn!(asset_id = %id, error = %r, "an unsigned upload's reservation waits for its expiry");
            }
            return Err(ApiError::internal(e));
        }
    };
    tracing::info!(asset_id = %id, bytes = declared.bytes, content_type = declared.content_type.mime(), "upload announced");
    Ok(json!({
        "asset_id": id,
        "upload": { "method": "POST", "url": post.url, "fields": post.fields },
        "expires_at": clock::rfc3339(post.expires_at),
    }))
}

/// What `complete` found in the staging object.
struct Checked {
    info: ImageInfo,
    bytes: u64,
    etag: String,
}

/// Checks the uploaded object and makes it the user's asset, or refuses it (400) and removes
/// it. A second call answers the same asset and changes nothing.
pub async fn complete_upload(app: &App, caller: &Caller, id: &AssetId) -> Result<Asset, ApiError> {
    if let Some(done) = completed_asset(app, caller, id).await? {
        return Ok(done);
    }
    let now = clock::now();
    let pending = app
        .store
        .get_pending_upload(&caller.id, id, now.timestamp())
        .await?
        .ok_or_else(|| ApiError::not_found("upload"))?;
    let declared = UploadType::parse(&pending.content_type)
        .ok_or_else(|| ApiError::internal(format!("pending upload with type {}", pending.content_type)))?;
    let staging = staging_key(&caller.id, id);
    let checked = match inspect(app, &staging, declared, pending.bytes).await? {
        Ok(c) => c,
        Err(Refusal::Missing) => return gone(app, caller, id).await,
        Err(r) => return Err(discard(app, id, &pending, &staging, r).await),
    };
    let key = object_key(&caller.id, id, checked.info.ext);
    match app
        .media
        .copy_if_match(&staging, &key, &checked.etag, checked.info.content_type)
        .await
    {
        Ok(()) => {}
        Err(MediaError::Changed(_)) => return Err(discard(app, id, &pending, &staging, changed()).await),
        Err(MediaError::Missing(_)) => return gone(app, caller, id).await,
        Err(e) => return Err(ApiError::internal(e)),
    }
    let asset = Asset {
        user_id: caller.id.clone(),
        asset_id: id.clone(),
        kind: AssetKind::Image,
        source: AssetSource::Upload,
        model: None,
        prompt: None,
        parent_ids: vec![],
        job_id: None,
        saved: false,
        content_type: checked.info.content_type.to_string(),
        bytes: checked.bytes,
        width: Some(checked.info.width),
        height: Some(checked.info.height),
        duration_s: None,
        created_at: clock::rfc3339(now),
        s3_key: key.clone(),
        // Uploads never expire: no `expires_at`.
        filename: pending.filename.clone(),
        expires_at: None,
        pinned: false,
        counted: true,
        thumb_key: None,
        thumb_bytes: 0,
    };
    // The record, the marker's removal and the reservation settled at the checked size: one
    // transaction, so the storage count is exact whichever of complete, a concurrent complete
    // and the sweep's release comes first.
    match app.store.settle_upload(&asset, &pending).await? {
        UploadSettled::Applied => {}
        UploadSettled::AssetExists => return gone(app, caller, id).await,
        UploadSettled::MarkerGone => {
            if let Some(done) = completed_asset(app, caller, id).await? {
                return Ok(done);
            }
            // Released meanwhile (it expired): the copy is nobody's.
            app.media.delete(&key).await.map_err(ApiError::internal)?;
            return Err(ApiError::not_found("upload"));
        }
    }
    app.media.delete(&staging).await.map_err(ApiError::internal)?;
    // Best effort: without it the gallery shows the file itself (`make backfill` repairs).
    if let Err(e) = super::request_thumb(app, &asset).await {
        tracing::warn!(asset_id = %id, error = %e, "could not ask for the upload's thumbnail");
    }
    tracing::info!(asset_id = %id, bytes = asset.bytes, width = checked.info.width, height = checked.info.height, "upload completed");
    Ok(asset)
}

/// The asset a completed upload made (only an upload's: other assets are not uploads).
async fn completed_asset(app: &App, caller: &Caller, id: &AssetId) -> Result<Option<Asset>, ApiError> {
    match app.store.get_asset(&caller.id, id).await.map_err(ApiError::internal)? {
        Some(a) if a.source == AssetSource::Upload => Ok(Some(a)),
        Some(_) => Err(ApiError::not_found("upload")),
        None => Ok(None),
    }
}

/// The staging object is not there: a concurrent complete may have just finished (its asset is
/// the answer); otherwise the file never arrived, and the client can still upload and complete
/// again (the marker stays).
async fn gone(app: &App, caller: &Caller, id: &AssetId) -> Result<Asset, ApiError> {
    match completed_asset(app, caller, id).await? {
        Some(done) => Ok(done),
        None => Err(refused(Refusal::Missing)),
    }
}

fn changed() -> Refusal {
    Refusal::Damaged("the file changed while it was being checked".into())
}

/// A ranged read of the staging object, tied to the HEADed version: `Err(refusal)` when the
/// object changed or went away meanwhile.
async fn read_staging(app: &App, key: &str, etag: &str, start: u64, end: u64) -> Result<Result<Vec<u8>, Refusal>, ApiError> {
    match app.media.read_range(key, etag, start, end).await {
        Ok(b) => Ok(Ok(b)),
        Err(MediaError::Changed(_)) => Ok(Err(changed())),
        Err(MediaError::Missing(_)) => Ok(Err(Refusal::Missing)),
        Err(e) => Err(ApiError::internal(e)),
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::Validation {
        message: r.to_string(),
        field: None,
    }
}

/// Removes a refused upload (object, then marker with its reservation) and says why.
async fn discard(app: &App, id: &AssetId, pending: &PendingUpload, staging: &str, r: Refusal) -> ApiError {
    tracing::info!(asset_id = %id, reason = %r, "upload refused");
    if let Err(e) = app.media.delete(staging).await {
        return ApiError::internal(e);
    }
    if let Err(e) = app.store.release_upload(pending, None).await {
        return ApiError::from(e);
    }
    refused(r)
}

/// Size from HeadObject, type and dimensions from the header (at most 1 MiB, read in ranges),
/// completeness from the last bytes. Never the whole object.
async fn inspect(app: &App, key: &str, declared: UploadType, declared_bytes: u64) -> Result<Result<Checked, Refusal>, ApiError> {
    let Some(head) = app.media.head(key).await.map_err(ApiError::internal)? else {
        return Ok(Err(Refusal::Missing));
    };
    if let Err(r) = check_size(head.bytes, declared_bytes) {
        return Ok(Err(r));
    }
    let len = head.bytes;
    let mut buf = match read_staging(app, key, &head.etag, 0, len.min(HEADER_FIRST_BYTES)).await? {
        Ok(b) => b,
        Err(r) => return Ok(Err(r)),
    };
    let info = loop {
        let have = buf.len() as u64;
        match sniff_header(&buf, len) {
            Ok(HeaderSniff::Known(info)) => break info,
            Ok(HeaderSniff::NeedMore) if have < HEADER_MAX_BYTES.min(len) && have > 0 => {
                let end = (have * 4).min(HEADER_MAX_BYTES).min(len);
                let more = match read_staging(app, key, &head.etag, have, end).await? {
                    Ok(b) => b,
                    Err(r) => return Ok(Err(r)),
                };
                if more.is_empty() {
                    return Ok(Err(Refusal::Truncated));
                }
                buf.extend_from_slice(&more);
            }
            Ok(HeaderSniff::NeedMore) => {
                return Ok(Err(Refusal::Damaged("no image size within its first 1 MiB".into())));
            }
            Err(e) => return Ok(Err(sniff_refusal(e))),
        }
    };
    if let Err(r) = check_image(declared, info.content_type, info.width, info.height) {
        return Ok(Err(r));
    }
    let tail = if len <= buf.len() as u64 {
        buf[buf.len().saturating_sub(TAIL_BYTES as usize)..].to_vec()
    } else {
        match read_staging(app, key, &head.etag, len.saturating_sub(TAIL_BYTES), len).await? {
            Ok(b) => b,
            Err(r) => return Ok(Err(r)),
        }
    };
    if let Err(e) = check_ending(&info, &tail) {
        return Ok(Err(sniff_refusal(e)));
    }
    Ok(Ok(Checked {
        info,
        bytes: len,
        etag: head.etag,
    }))
}

fn sniff_refusal(e: SniffError) -> Refusal {
    match e {
        SniffError::UnknownFormat => Refusal::NotAnImage,
        SniffError::Truncated => Refusal::Truncated,
        SniffError::BadHeader => Refusal::Damaged("its header can't be read".into()),
        SniffError::Dimensions(w, h) => Refusal::Damaged(format!("it claims to be {w}x{h} pixels")),
    }
}
