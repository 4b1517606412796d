//! Selection zips and exports, the API side: start one (validated, recorded, queued for the
//! worker; an Idempotency-Key's repeat is the first one), and read its state with, once built,
//! a fresh short-lived signed link (made on each read, so a click after an hour still works for
//! the 24 hours the zip is kept).
use crate::App;
use crate::api::{ApiError, Caller};
use crate::domain::export::{self, Export, ExportKind, ExportState, KEEP_SECS, MAX_ZIP_BYTES};
use crate::queue::ZipMessage;
use crate::store::ExportCreated;
use crate::{clock, domain::AssetId};
use lambda_http::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `POST /api/zips`: the assets to zip, as the gallery selected them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZipRequest {
    pub asset_ids: Vec<String>,
}

fn sha(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Starts a zip of the caller's selected assets. Ids not found (deleted, in the trash, another
/// user's) are left out and named in `skipped`; none found is a 404; past [`MAX_ZIP_BYTES`] a 400.
pub async fn start_zip(app: &App, me: &Caller, req: &ZipRequest, idem: Option<String>) -> Result<(StatusCode, Value), ApiError> {
    let ids = export::parse_selection(&req.asset_ids).map_err(|e| ApiError::validation("asset_ids", e.to_string()))?;
    let found = app.store.get_assets(&me.id, &ids).await?;
    if found.is_empty() {
        return Err(ApiError::NotFound("none of the selected assets were found".into()));
    }
    let bytes: u64 = found.iter().map(|a| a.bytes).sum();
    if bytes > MAX_ZIP_BYTES {
        return Err(ApiError::validation("asset_ids", export::too_big(bytes)));
    }
    let kept: Vec<AssetId> = ids.iter().filter(|id| found.iter().any(|a| &a.asset_id == *id)).cloned().collect();
    let skipped: Vec<AssetId> = ids.iter().filter(|id| !kept.contains(id)).cloned().collect();
    let hash = sha(&format!("zip:{}", ids.iter().map(AssetId::as_str).collect::<Vec<_>>().join(",")));
    let mut e = new_export(me, ExportKind::Selection, hash);
    e.files_total = kept.len() as u32;
    e.asset_ids = kept;
    e.skipped = skipped;
    record_and_queue(app, e, idem).await
}

/// Starts an export of everything the caller has. Past [`MAX_ZIP_BYTES`] of stored files a 400.
pub async fn start_export(app: &App, me: &Caller, idem: Option<String>) -> Result<(StatusCode, Value), ApiError> {
    let stored = app.store.storage(&me.id).await?.stored;
    if stored > MAX_ZIP_BYTES {
        return Err(ApiError::validation("export", export::too_big(stored)));
    }
    record_and_queue(app, new_export(me, ExportKind::Everything, sha("export")), idem).await
}

fn new_export(me: &Caller, kind: ExportKind, request_hash: String) -> Export {
    let now = clock::now();
    Export {
        user_id: me.id.clone(),
        export_id: ulid::Ulid::new().to_string(),
        kind,
        asset_ids: vec![],
        state: ExportState::Building,
        files_done: 0,
        files_total: 0,
        skipped: vec![],
        bytes: 0,
        created_at: clock::rfc3339(now),
        expires_at: now.timestamp() + KEEP_SECS,
        error: None,
        request_hash,
    }
}

async fn record_and_queue(app: &App, mut e: Export, idem: Option<String>) -> Result<(StatusCode, Value), ApiError> {
    if let Some(k) = idem.as_deref() {
        // The same rule as every other Idempotency-Key: never silently a different key.
        super::generate::check_key(k)?;
    }
    let key_hash = idem.as_deref().map(|k| sha(&format!("{}:{k}", e.user_id.as_str())));
    match app.store.create_export(&e, key_hash.as_deref()).await? {
        ExportCreated::Earlier(first) if first.request_hash != e.request_hash || first.kind != e.kind => {
            Err(ApiError::Conflict("this Idempotency-Key was used for a different request".into()))
        }
        ExportCreated::Earlier(first) => Ok((StatusCode::OK, export_view(app, &first).await?)),
        ExportCreated::New => {
            let msg = ZipMessage {
                user_id: e.user_id.clone(),
                export_id: e.export_id.clone(),
            };
            if let Err(err) = app.queue.send_zip(msg).await {
                tracing::error!(export_id = %e.export_id, error = %err, "zip not queued");
                e.state = ExportState::Failed;
                e.error = Some("the zip could not be started; please try again".into());
                app.store.update_export(&e).await?;
                return Err(ApiError::Unavailable("the zip could not be started; please try again".into()));
            }
            tracing::info!(export_id = %e.export_id, kind = ?e.kind, files = e.files_total, "zip queued");
            Ok((StatusCode::ACCEPTED, export_view(app, &e).await?))
        }
    }
}

/// `GET /api/zips/{id}` and `GET /api/exports/{id}`: the state, and a fresh signed link when
/// built. Another user's id, an unknown one, or one of the other kind is a 404.
pub async fn export_state(app: &App, me: &Caller, id: &str, kind: ExportKind) -> Result<Value, ApiError> {
    let missing = || ApiError::not_found(if kind == ExportKind::Selection { "zip" } else { "export" });
    if ulid::Ulid::from_string(id).is_err() {
        return Err(missing());
    }
    let e = app
        .store
        .get_export(&me.id, id)
        .await?
        .filter(|e| e.kind == kind)
        .ok_or_else(missing)?;
    export_view(app, &e).await
}

async fn export_view(app: &App, e: &Export) -> Result<Value, ApiError> {
    let expired = clock::now().timestamp() >= e.expires_at;
    let url = match e.state {
        ExportState::Done if !expired => Some(
            app.media_url(&e.zip_key(), Some(&e.file_name()))
                .await
                .map_err(ApiError::internal)?,
        ),
        _ => None,
    };
    let mut v = e.export_api(url.as_deref());
    if expired && e.state == ExportState::Done {
        v["state"] = "expired".into();
    }
    Ok(v)
}
