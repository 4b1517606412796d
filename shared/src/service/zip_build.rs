//! Builds a zip in the worker (a `zip` message of the queue): the selected assets, or every
//! asset with `metadata.json` and `usage.csv`, streamed from S3 into one multipart upload
//! (media::zipped). Progress (files done / total) is written to the record as it goes. An asset
//! gone by the time it is read (deleted, in the trash, its file missing) is skipped and named in
//! the record. A failed build aborts its upload and is recorded as failed with a message; the
//! message is not retried (the user starts a new zip), and a redelivered message of a finished
//! build does nothing.
use crate::App;
use crate::domain::download::download_name;
use crate::domain::export::{self, Export, ExportKind, ExportState, MAX_ZIP_BYTES, UniqueNames, UsageRow};
use crate::domain::{Asset, AssetFilter};
use crate::media::MediaError;
use crate::media::zipped::{ZipError, ZipUpload};
use crate::queue::ZipMessage;
use crate::store::StoreError;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often progress is written while files stream in.
const PROGRESS_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Builds the zip of `msg` (see the module doc). Errors only when its record can't be read or
/// written: then the message is retried.
pub async fn build_zip(app: &App, msg: &ZipMessage) -> Result<(), BuildError> {
    let Some(mut e) = app.store.get_export(&msg.user_id, &msg.export_id).await? else {
        tracing::warn!(export_id = %msg.export_id, "zip record gone; nothing to build");
        return Ok(());
    };
    if e.state != ExportState::Building {
        return Ok(());
    }
    match build_into_zip(app, &mut e).await {
        Ok(bytes) => {
            e.state = ExportState::Done;
            e.bytes = bytes;
            tracing::info!(export_id = %e.export_id, files = e.files_done, bytes, "zip built");
        }
        Err(Failure::User(m)) => {
            e.state = ExportState::Failed;
            e.error = Some(m);
        }
        Err(Failure::Internal(err)) => {
            tracing::error!(export_id = %e.export_id, error = %err, "zip build failed");
            e.state = ExportState::Failed;
            e.error = Some("the zip could not be built; please try again".into());
        }
    }
    app.store.update_export(&e).await?;
    Ok(())
}

enum Failure {
    /// A message for the user (a limit passed).
    User(String),
    Internal(String),
}

macro_rules! internal_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Failure {
            fn from(e: $t) -> Self {
                Failure::Internal(e.to_string())
            }
        }
    )*};
}
internal_from!(ZipError, StoreError, MediaError);

/// The assets to zip, in zip order.
async fn assets_to_zip(app: &App, e: &Export) -> Result<Vec<Asset>, StoreError> {
    match e.kind {
        ExportKind::Selection => {
            let mut found = app.store.get_assets(&e.user_id, &e.asset_ids).await?;
            let order: HashMap<_, _> = e.asset_ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
            found.sort_by_key(|a| order.get(&a.asset_id).copied().unwrap_or(usize::MAX));
            Ok(found)
        }
        ExportKind::Everything => {
            let mut all = Vec::new();
            let mut before = None;
            loop {
                let (page, next) = app
                    .store
                    .list_assets(&e.user_id, &AssetFilter::default(), 100, before.as_ref())
                    .await?;
                all.extend(page);
                match next {
                    Some(n) => before = Some(n),
                    None => return Ok(all),
                }
            }
        }
    }
}

async fn build_into_zip(app: &App, e: &mut Export) -> Result<u64, Failure> {
    let assets = assets_to_zip(app, e).await?;
    for id in &e.asset_ids {
        if !assets.iter().any(|a| &a.asset_id == id) && !e.skipped.contains(id) {
            e.skipped.push(id.clone());
        }
    }
    let bytes: u64 = assets.iter().map(|a| a.bytes).sum();
    if bytes > MAX_ZIP_BYTES {
        return Err(Failure::User(export::too_big(bytes)));
    }
    e.files_total = assets.len() as u32;
    e.files_done = 0;
    app.store.update_export(e).await?;
    let mut zip = ZipUpload::open_zip(&app.media, &e.zip_key()).await?;
    match fill_zip(app, e, &assets, &mut zip).await {
        Ok(()) => Ok(zip.zip_finish().await?),
        Err(f) => {
            zip.zip_abort().await;
            Err(f)
        }
    }
}

async fn fill_zip(app: &App, e: &mut Export, assets: &[Asset], zip: &mut ZipUpload) -> Result<(), Failure> {
    let mut names = UniqueNames::default();
    let mut files = HashMap::new();
    let mut last = Instant::now();
    let budget = crate::deadline::remaining().unwrap_or_default();
    for a in assets {
        if crate::deadline::remaining().is_some_and(|left| export::time_to_stop(left, budget)) {
            return Err(Failure::User(export::out_of_time(e.files_done, e.files_total)));
        }
        match app.media.get_stream(&a.s3_key).await {
            Ok(body) => {
                let name = names.take(&download_name(a));
                zip.zip_entry(&name, body).await?;
                files.insert(a.asset_id.clone(), name);
            }
            Err(MediaError::Missing(_)) => e.skipped.push(a.asset_id.clone()),
            Err(err) => return Err(err.into()),
        }
        e.files_done += 1;
        if last.elapsed() >= PROGRESS_EVERY {
            app.store.update_export(e).await?;
            last = Instant::now();
        }
    }
    if e.kind == ExportKind::Everything {
        let metadata = super::export_meta::metadata_json(app, &e.user_id, &e.created_at, assets, &files).await?;
        zip.zip_entry(&names.take("metadata.json"), metadata.as_slice()).await?;
        let days = app.store.usage().days(&e.user_id, "0000-01-01", "9999-12-31").await?;
        let rows = days.iter().map(|d| UsageRow {
            date: &d.date,
            model: &d.model,
            jobs: d.count,
            spent: d.spent,
        });
        zip.zip_entry(&names.take("usage.csv"), export::usage_csv(rows).as_bytes()).await?;
    }
    Ok(())
}
