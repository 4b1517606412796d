//! The worker's half of settling a succeeded prediction: copy its outputs into the bucket
//! (images checked as before, videos streamed into a multipart upload and checked as MP4),
//! then finish the job and charge it in one transaction. Exactly once however often it runs:
//! asset ids and keys are deterministic (`<job>-<n>`), so a redelivered message rewrites the
//! same objects and records, and the settle transaction applies only to an unfinished job.
use super::settle::{SettleError, Settled, capped_charge, fail_job, kept_outputs, retry};
use crate::app::App;
use crate::billing::ProviderRecord;
use crate::catalog::actual_cost;
use crate::clock;
use crate::domain::{Asset, AssetId, AssetKind, AssetSource, Job, JobKind, JobStatus};
use crate::media::{COPY_HELD_BYTES, ImageInfo, PART_BYTES, StreamError, object_key, stream_image, stream_video};
use crate::queue::CopyMessage;
use crate::store::FailedBy;
use std::time::{Duration, Instant};

/// How long before the function's own deadline the copy gives up, to settle and answer: this,
/// or a fifth of the time left when that is less (a worker given seconds, in tests).
pub const SETTLE_MARGIN: Duration = Duration::from_secs(20);

/// Outputs copied at once in one process (one Lambda container), whatever the SQS batch size:
/// each holds at most [`COPY_HELD_BYTES`] (the copy streams), so the worker's memory is
/// bounded by construction (a test below checks it fits the worker's `memory_mb` in
/// routes.json). Five is the mapping's default batch size: a batch of one output each never
/// waits; a larger batch (or a story's frames, copied one after another) queues here.
pub const MAX_PARALLEL_COPIES: usize = 5;
static COPY_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_PARALLEL_COPIES);

/// What one copy may add to the worker's peak memory: what it holds ([`COPY_HELD_BYTES`]: the
/// part being filled, a video's kept header) and one more part, which the allocator keeps
/// for reuse after the SDK frees a sent one. Measured below it (docs/benchmarks.md, "Image
/// copies: peak memory"): 14–18 MiB an image copy, 9 MiB a video copy.
pub const COPY_MEMORY_ALLOWANCE: u64 = COPY_HELD_BYTES + PART_BYTES as u64;

/// The worker's own peak before any copy, with room: the test process that measured it also
/// runs the local gateway and the simulator, and peaked at 43–53 MiB (docs/benchmarks.md).
pub const WORKER_BASELINE_ALLOWANCE: u64 = 64 * 1024 * 1024;

/// The copy's budget: `COPY_TIMEOUT_S`, cut to the Lambda's deadline (less a margin) when
/// that is nearer. One budget for all of a job's outputs together.
pub fn copy_budget(configured: Duration, lambda_deadline: Option<std::time::SystemTime>) -> Duration {
    let left = lambda_deadline.map(|d| {
        let left = d.duration_since(std::time::SystemTime::now()).unwrap_or_default();
        left.saturating_sub(SETTLE_MARGIN.min(left / 5))
    });
    left.map_or(configured, |l| l.min(configured))
}

enum CopyError {
    Retry(String),
    Reject { code: &'static str, message: String },
}

/// Copies the outputs a [`CopyMessage`] names and settles the job, within `budget`.
/// `Err` means "try again" (SQS redelivers); a refused output fails the job (nothing charged,
/// reservation released) and is `Ok`.
pub async fn finish_copy(app: &App, msg: &CopyMessage, budget: Duration) -> Result<Settled, SettleError> {
    let deadline = Instant::now() + budget;
    let Some(job) = app.store.get_job(&msg.user_id, &msg.job_id).await.map_err(retry)? else {
        tracing::error!(job_id = %msg.job_id, "copy for a job that does not exist; dropped");
        return Ok(Settled::UnknownPrediction);
    };
    if job.status.is_terminal() {
        return Ok(Settled::AlreadyFinal);
    }
    if job.prediction_id.as_deref() != Some(msg.prediction_id.as_str()) {
        tracing::warn!(job_id = %job.job_id, prediction_id = %msg.prediction_id, "copy for a prediction the job does not run as; dropped");
        return Ok(Settled::Stray);
    }
    let now = clock::rfc3339(clock::now());
    // Only the outputs the user asked for (and reserved money for) are kept: the webhook and
    // the reconciler queue no more than that, and a message queued before they did is cut here.
    let spec = app.catalog.get(&job.model);
    // A failure of the copy settles the job even though its provider succeeded (FailedBy::Copy).
    let fail = |status, code: &'static str, message: String| {
        fail_job(app, FailedBy::Copy, &job, status, code, message, &now, job.provider.as_ref())
    };
    let urls = kept_outputs(app, &job, &msg.prediction_id, msg.output_urls.clone());
    if urls.is_empty() {
        let why = "The model returned no usable output.".to_string();
        return fail(JobStatus::Failed, "no_output", why).await;
    }
    // Nothing lands for a deleted account: checked before the first output and again before
    // the job says done (a delete during the copy discards what was copied).
    let user = &job.user_id;
    let deleted = |app| async move { super::deletion::tombstoned(app, user).await.map_err(retry) };
    if deleted(app).await? {
        let (code, why) = (super::deletion::DELETED_CODE, super::deletion::DELETED_MESSAGE.to_string());
        return fail(JobStatus::Canceled, code, why).await;
    }
    let mut ids = Vec::with_capacity(urls.len());
    for (i, url) in urls.iter().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(Ok(_slot)) = tokio::time::timeout(left, COPY_SLOTS.acquire()).await else {
            return Err(retry("no copy slot free within the copy's budget"));
        };
        let left = deadline.saturating_duration_since(Instant::now());
        match copy_output(app, &job, i, url, left).await {
            Ok(id) => ids.push(id),
            Err(CopyError::Retry(e)) => return Err(retry(e)),
            Err(CopyError::Reject { code, message }) => {
                let settled = fail(JobStatus::Failed, code, message).await?;
                super::gallery::discard_unlisted_outputs(app, &job, &ids).await;
                return Ok(settled);
            }
        }
    }
    let real = spec.map_or(job.estimated_micros, |m| actual_cost(m, &job.options, ids.len()));
    let cost = capped_charge(real, job.estimated_micros);
    if cost != real {
        tracing::error!(job_id = %job.job_id, real_micros = real.0, charged_micros = cost.0, "price above the reservation; charged the reservation");
    }
    // What the provider billed, recorded with the outputs (a job recorded before that was kept
    // has none: an estimate of nothing known, for the reconciliation to correct).
    let billed = job
        .provider
        .clone()
        .unwrap_or_else(|| ProviderRecord::unread(&msg.prediction_id, super::bill::basis_of(app, &job)));
    if deleted(app).await? {
        let (code, why) = (super::deletion::DELETED_CODE, super::deletion::DELETED_MESSAGE.to_string());
        let settled = fail(JobStatus::Canceled, code, why).await?;
        super::gallery::discard_unlisted_outputs(app, &job, &ids).await;
        return Ok(settled);
    }
    // Into the job's collection (the studio's "add new results to…") before the job says done.
    super::collections::collect_outputs(app, &job, &ids).await;
    let applied = app.store.settle_success(&job, &ids, cost, &billed, &now).await.map_err(retry)?;
    tracing::info!(job_id = %job.job_id, cost_micros = cost.0, outputs = ids.len(), applied, "job settled");
    if !applied {
        // Finished otherwise meanwhile (a cancel): outputs it doesn't list go.
        super::gallery::discard_unlisted_outputs(app, &job, &ids).await;
        return Ok(Settled::AlreadyFinal);
    }
    Ok(Settled::Applied(JobStatus::Succeeded))
}

async fn copy_output(app: &App, job: &Job, index: usize, url: &str, budget: Duration) -> Result<AssetId, CopyError> {
    if budget.is_zero() {
        return Err(CopyError::Retry("no time left to copy this output".into()));
    }
    let asset_id = AssetId::for_output(&job.job_id, index);
    // A redelivered copy whose output the user trashed meanwhile (it is listed as soon as it
    // is written, before the job settles): the trashed record and its object stay as they are.
    // Copying again would write a live record beside the trashed one (deleting it again was
    // then a 500) and a new version of the object tagged `unsaved=true`, which the bucket's
    // safety-net rule could take while the picture waits in the trash.
    if in_trash(app, job, &asset_id).await? {
        tracing::info!(job_id = %job.job_id, asset_id = %asset_id, "output already in the trash; not copied again");
        return Ok(asset_id);
    }
    let (key, kind, content_type, bytes, dims, duration_s) = if job.kind == JobKind::Video {
        let key = object_key(&job.user_id, &asset_id, "mp4");
        let cfg = &app.config;
        let v = stream_video(
            &app.downloads,
            url,
            &cfg.output_allowlist,
            cfg.max_video_bytes,
            budget,
            &app.media,
            &key,
        )
        .await
        .map_err(|e| refused(job, e))?;
        let dims = (v.info.width, v.info.height);
        (key, AssetKind::Video, "video/mp4", v.bytes, dims, Some(v.info.duration_s))
    } else {
        // Streamed like a video (one part in memory), its header sniffed from the first part.
        let cfg = &app.config;
        let timeout = budget.min(cfg.download_timeout);
        let key_for = |info: &ImageInfo| object_key(&job.user_id, &asset_id, info.ext);
        let i = stream_image(
            &app.downloads,
            url,
            &cfg.output_allowlist,
            cfg.max_output_bytes,
            timeout,
            &app.media,
            key_for,
        )
        .await
        .map_err(|e| image_refused(job, e))?;
        let dims = (i.info.width, i.info.height);
        (i.key, AssetKind::Image, i.info.content_type, i.bytes, dims, None)
    };
    let asset = Asset {
        user_id: job.user_id.clone(),
        asset_id: asset_id.clone(),
        kind,
        source: AssetSource::Generated,
        model: Some(job.model.clone()),
        prompt: Some(job.prompt.clone()),
        parent_ids: job.source_asset_ids.clone(),
        job_id: Some(job.job_id.clone()),
        saved: false,
        content_type: content_type.to_string(),
        bytes,
        width: Some(dims.0),
        height: Some(dims.1),
        duration_s,
        created_at: clock::rfc3339(clock::now()),
        s3_key: key,
        filename: None,
        expires_at: None,
        pinned: false,
        counted: false,
        thumb_key: None,
        thumb_bytes: 0,
    };
    let asset = Asset {
        expires_at: crate::domain::expiry::initial_expiry(&asset, app.config.unsaved_expiration_days),
        ..asset
    };
    app.store.put_asset(&asset).await.map_err(|e| CopyError::Retry(e.to_string()))?;
    // Trashed while this copy ran: the record just written is a second, live copy of it.
    if in_trash(app, job, &asset_id).await? {
        app.store
            .delete_asset(&asset, None)
            .await
            .map_err(|e| CopyError::Retry(e.to_string()))?;
        tracing::info!(job_id = %job.job_id, asset_id = %asset_id, "output trashed during its copy; the copy's record removed");
        return Ok(asset_id);
    }
    // Its search terms, marker last; a failure retries the copy (the same record and terms
    // are written again), and a backfill repairs what is left unmarked.
    super::search::index_asset(&app.store, &asset)
        .await
        .map_err(|e| CopyError::Retry(e.to_string()))?;
    // Best effort: without it the gallery shows the file itself (`make backfill` repairs).
    if let Err(e) = super::request_thumb(app, &asset).await {
        tracing::warn!(job_id = %job.job_id, asset_id = %asset_id, error = %e, "could not ask for the output's thumbnail");
    }
    Ok(asset_id)
}

/// Whether the user has this output in the trash.
async fn in_trash(app: &App, job: &Job, id: &AssetId) -> Result<bool, CopyError> {
    match app.store.get_trashed(&job.user_id, id).await {
        Ok(t) => Ok(t.is_some()),
        Err(e) => Err(CopyError::Retry(e.to_string())),
    }
}

/// An image copy's failure: retried when it may pass later, else the job's error.
fn image_refused(job: &Job, e: StreamError) -> CopyError {
    if e.is_transient() {
        return CopyError::Retry(e.to_string());
    }
    tracing::warn!(job_id = %job.job_id, error = %e, "output refused");
    let (code, message) = match &e {
        StreamError::TooLarge(_) => ("output_too_large", format!("The result could not be copied: {e}.")),
        StreamError::NotImage(why) => ("invalid_output", format!("The provider's output is not a valid image: {why}.")),
        _ => ("invalid_output", format!("The result could not be copied: {e}.")),
    };
    CopyError::Reject { code, message }
}

/// A video copy's failure: retried when it may pass later, else the job's error.
fn refused(job: &Job, e: StreamError) -> CopyError {
    if e.is_transient() {
        tracing::warn!(job_id = %job.job_id, error = %e, "video copy failed; will be retried");
        return CopyError::Retry(e.to_string());
    }
    tracing::warn!(job_id = %job.job_id, error = %e, "video output refused");
    let (code, message) = match &e {
        StreamError::TooLarge(max) => (
            "output_too_large",
            format!(
                "The video is larger than the {} MB this studio accepts. Nothing was charged.",
                max / 1_000_000
            ),
        ),
        StreamError::NotMp4(why) => (
            "invalid_output",
            format!("The provider's output is not a valid MP4 video: {why}. Nothing was charged."),
        ),
        other => (
            "invalid_output",
            format!("The result could not be copied: {other}. Nothing was charged."),
        ),
    };
    CopyError::Reject { code, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_cut_to_the_functions_deadline() {
        let cfg = Duration::from_secs(240);
        assert_eq!(copy_budget(cfg, None), cfg);
        let soon = std::time::SystemTime::now() + Duration::from_secs(100);
        let b = copy_budget(cfg, Some(soon));
        assert!(b <= Duration::from_secs(80) && b > Duration::from_secs(70), "{b:?}");
        let past = std::time::SystemTime::now() - Duration::from_secs(1);
        assert_eq!(copy_budget(cfg, Some(past)), Duration::ZERO);
        // A worker given seconds (a test's timeout) keeps a fifth of them to settle.
        let short = std::time::SystemTime::now() + Duration::from_secs(10);
        let b = copy_budget(cfg, Some(short));
        assert!(b <= Duration::from_secs(8) && b > Duration::from_secs(7), "{b:?}");
    }

    /// The worker's memory holds by construction: at most MAX_PARALLEL_COPIES copies at once,
    /// each within its allowance, plus the baseline, fit the memory routes.json gives it.
    #[test]
    fn parallel_copies_fit_the_workers_memory() {
        let routes: serde_json::Value = serde_json::from_str(include_str!("../../../routes.json")).unwrap();
        let mb = routes["functions"]["worker"]["memory_mb"].as_u64().expect("the worker's memory_mb");
        // Lambda's "MB", read as the smaller decimal unit.
        let memory = mb * 1_000_000;
        // A thumbnail (service::thumbs, one at a time) runs beside the copies.
        let thumbs = crate::service::thumbs::MAX_PARALLEL_THUMBS as u64 * crate::service::thumbs::THUMB_MEMORY_ALLOWANCE;
        let peak = MAX_PARALLEL_COPIES as u64 * COPY_MEMORY_ALLOWANCE + WORKER_BASELINE_ALLOWANCE + thumbs;
        assert!(
            peak <= memory,
            "{MAX_PARALLEL_COPIES} copies of {} MiB + {} MiB + thumbnails {} MiB = {} MiB do not fit the worker's {mb} MB",
            COPY_MEMORY_ALLOWANCE >> 20,
            WORKER_BASELINE_ALLOWANCE >> 20,
            thumbs >> 20,
            peak >> 20
        );
        // A copy's allowance covers what it holds, whatever the file's size: at least one part.
        assert!(COPY_MEMORY_ALLOWANCE >= COPY_HELD_BYTES && COPY_HELD_BYTES >= PART_BYTES as u64);
    }

    #[tokio::test]
    async fn no_more_than_the_parallel_copies_run_at_once() {
        let held: Vec<_> = (0..MAX_PARALLEL_COPIES)
            .map(|_| COPY_SLOTS.try_acquire().expect("a free slot"))
            .collect();
        assert!(COPY_SLOTS.try_acquire().is_err(), "a sixth copy waits");
        drop(held);
        assert!(COPY_SLOTS.try_acquire().is_ok());
    }
}
