use crate::app::App;
use crate::catalog::actual_cost;
use crate::clock;
use crate::domain::{Asset, AssetId, AssetKind, AssetSource, Job, JobError, JobStatus};
use crate::media::{fetch_output, object_key, sniff_image};
use crate::replicate::{Prediction, PredictionStatus};

#[derive(Debug, PartialEq, Eq)]
pub enum Settled {
    /// This call finished the job (and charged it if it succeeded).
    Applied(JobStatus),
    /// The job was already finished: nothing changed.
    AlreadyFinal,
    /// Not finished yet (start event, or a status we don't know).
    InProgress,
    /// No job has this prediction id.
    UnknownPrediction,
}

/// Something temporary went wrong; the caller should have it retried.
#[derive(Debug, thiserror::Error)]
#[error("settle failed, retry later: {0}")]
pub struct SettleError(pub String);

fn retry(e: impl std::fmt::Display) -> SettleError {
    SettleError(e.to_string())
}

const MAX_ERROR_CHARS: usize = 500;

/// Applies a prediction's state to its job, exactly once, whoever calls it (the webhook, the
/// reconciler) and however often. Outputs are copied to S3 first (assets have deterministic
/// ids, so a repeated copy rewrites the same asset), then one conditional transaction marks the
/// job finished and charges the real cost.
pub async fn settle(app: &App, p: &Prediction) -> Result<Settled, SettleError> {
    let Some(job) = app.store.find_job_by_prediction(&p.id).await.map_err(retry)? else {
        tracing::warn!(prediction_id = %p.id, "no job for this prediction");
        return Ok(Settled::UnknownPrediction);
    };
    if job.status.is_terminal() {
        return Ok(Settled::AlreadyFinal);
    }
    let now = clock::rfc3339(clock::now());
    let fail = |status: JobStatus, code: &'static str, message: String| fail_job(app, &job, status, code, message, &now);
    match &p.status {
        PredictionStatus::Starting | PredictionStatus::Processing => Ok(Settled::InProgress),
        PredictionStatus::Unknown(s) => {
            tracing::warn!(prediction_id = %p.id, status = %s, "unknown prediction status; ignored");
            Ok(Settled::InProgress)
        }
        PredictionStatus::Failed => {
            fail(
                JobStatus::Failed,
                "provider_failed",
                p.error.clone().unwrap_or_else(|| "The model failed without a message.".into()),
            )
            .await
        }
        PredictionStatus::Canceled => fail(JobStatus::Canceled, "canceled", "The run was canceled.".into()).await,
        PredictionStatus::Aborted => fail(JobStatus::Failed, "aborted", "The provider ended the run before it started.".into()).await,
        PredictionStatus::Succeeded => {
            let urls = p.output_urls();
            if urls.is_empty() {
                let why = if p.data_removed {
                    "The outputs expired at the provider before they could be copied."
                } else {
                    "The model returned no output."
                };
                return fail(JobStatus::Failed, "no_output", why.into()).await;
            }
            let mut ids = Vec::with_capacity(urls.len());
            for (i, url) in urls.iter().enumerate() {
                match copy_output(app, &job, i, url).await {
                    Ok(id) => ids.push(id),
                    Err(CopyError::Retry(e)) => return Err(retry(e)),
                    Err(CopyError::Reject(why)) => return fail(JobStatus::Failed, "invalid_output", why).await,
                }
            }
            let cost = app
                .catalog
                .get(&job.model)
                .map_or(job.estimated_micros, |m| actual_cost(m, &job.options, ids.len()));
            let applied = app
                .store
                .settle_success(&job, &ids, cost, &now, &clock::day(clock::now()))
                .await
                .map_err(retry)?;
            tracing::info!(job_id = %job.job_id, cost_micros = cost.0, outputs = ids.len(), applied, "job settled");
            Ok(if applied {
                Settled::Applied(JobStatus::Succeeded)
            } else {
                Settled::AlreadyFinal
            })
        }
    }
}

async fn fail_job(app: &App, job: &Job, status: JobStatus, code: &str, message: String, now: &str) -> Result<Settled, SettleError> {
    let message: String = message.chars().take(MAX_ERROR_CHARS).collect();
    let err = JobError {
        code: code.into(),
        message,
    };
    let applied = app.store.settle_failure(job, status, &err, now).await.map_err(retry)?;
    tracing::info!(job_id = %job.job_id, status = status.as_str(), code, "job settled");
    Ok(if applied { Settled::Applied(status) } else { Settled::AlreadyFinal })
}

enum CopyError {
    Retry(String),
    Reject(String),
}

async fn copy_output(app: &App, job: &Job, index: usize, url: &str) -> Result<AssetId, CopyError> {
    let cfg = &app.config;
    let fetched = fetch_output(
        &app.downloads,
        url,
        &cfg.output_allowlist,
        cfg.max_output_bytes,
        cfg.download_timeout,
    )
    .await
    .map_err(|e| {
        if e.is_transient() {
            CopyError::Retry(e.to_string())
        } else {
            tracing::warn!(job_id = %job.job_id, error = %e, "output refused");
            CopyError::Reject(format!("The result could not be copied: {e}."))
        }
    })?;
    let info = sniff_image(&fetched.bytes).map_err(|e| CopyError::Reject(format!("The provider's output is not a valid image: {e}.")))?;
    let asset_id = AssetId::for_output(&job.job_id, index);
    let key = object_key(&job.user_id, &asset_id, info.ext);
    let bytes = fetched.bytes.len() as u64;
    app.media
        .put(&key, fetched.bytes, info.content_type)
        .await
        .map_err(|e| CopyError::Retry(e.to_string()))?;
    let asset = Asset {
        user_id: job.user_id.clone(),
        asset_id: asset_id.clone(),
        kind: AssetKind::Image,
        source: AssetSource::Generated,
        model: Some(job.model.clone()),
        prompt: Some(job.prompt.clone()),
        parent_ids: job.source_asset_ids.clone(),
        job_id: Some(job.job_id.clone()),
        saved: false,
        content_type: info.content_type.to_string(),
        bytes,
        width: Some(info.width),
        height: Some(info.height),
        created_at: clock::rfc3339(clock::now()),
        s3_key: key,
    };
    app.store.put_asset(&asset).await.map_err(|e| CopyError::Retry(e.to_string()))?;
    Ok(asset_id)
}
