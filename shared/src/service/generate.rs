use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::catalog::ValidRequest;
use crate::clock;
use crate::domain::{AssetId, AssetKind, FrameRole, Job, JobId, JobKind, JobStatus, Micros};
use crate::queue::JobMessage;
use crate::store::{CreateOutcome, IdempotencyRecord, Reservation, StartWindow};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenerateRequest {
    pub model: String,
    #[serde(default)]
    pub prompt: String,
    #[serde(default, deserialize_with = "crate::api::unique_keys")]
    pub options: Map<String, Value>,
    /// The images an edit or restoration starts from (the caller's own assets).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_asset_ids: Vec<String>,
    /// The caller's collection the results go into (the studio's "add new results to…").
    #[serde(default, deserialize_with = "crate::api::given", skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<String>,
}

#[derive(Debug)]
pub struct Created {
    pub job: Job,
    /// True when an earlier request with the same Idempotency-Key made this job.
    pub replay: bool,
}

const IDEMPOTENCY_TTL_S: i64 = 24 * 3600;

pub(super) fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > 200 || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::validation(
            "Idempotency-Key",
            "Idempotency-Key must be 1–200 printable ASCII characters",
        ));
    }
    Ok(())
}

/// The caller's source images for an edit or restoration, in the order given, after the
/// request passed the catalog: another user's or a missing one is a 404, one that is not an
/// image a 400 naming it. (Only the edit function calls this, so only it may read assets.)
pub async fn edit_sources(app: &App, caller: &Caller, kind: JobKind, req: &GenerateRequest) -> Result<Vec<AssetId>, ApiError> {
    app.catalog
        .validate(kind, &req.model, &req.prompt, &req.options, req.source_asset_ids.len())
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    let listed: Vec<(String, &str)> = req
        .source_asset_ids
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("source_asset_ids[{i}]"), s.as_str()))
        .collect();
    own_images(app, caller, &listed).await
}

/// The caller's own images named by a request, each with the request field that named it:
/// a malformed or repeated id is a 400 naming its field, another user's or a missing image a
/// 404, a video a 400 naming its field. Nothing is written.
pub async fn own_images(app: &App, caller: &Caller, listed: &[(String, &str)]) -> Result<Vec<AssetId>, ApiError> {
    let mut ids: Vec<AssetId> = Vec::with_capacity(listed.len());
    for (field, s) in listed {
        let id = AssetId::parse(s).ok_or_else(|| ApiError::validation(field, "not an asset id"))?;
        if ids.contains(&id) {
            return Err(ApiError::validation(field, "the same image is listed twice"));
        }
        ids.push(id);
    }
    if ids.is_empty() {
        return Ok(ids);
    }
    let found = app.store.get_assets(&caller.id, &ids).await.map_err(ApiError::from)?;
    for ((field, _), id) in listed.iter().zip(&ids) {
        match found.iter().find(|a| a.asset_id == *id) {
            None => return Err(ApiError::NotFound(format!("source image {id} not found"))),
            Some(a) if a.kind != AssetKind::Image => {
                return Err(ApiError::validation(field, format!("source {id} is not an image")));
            }
            Some(_) => {}
        }
    }
    Ok(ids)
}

/// A job that passed every check, ready to be reserved and queued.
pub struct NewJob<'a> {
    pub kind: JobKind,
    pub valid: ValidRequest<'a>,
    pub sources: Vec<AssetId>,
    /// A video job's role of each source (empty for edits).
    pub roles: Vec<FrameRole>,
    /// SHA-256 of the request as sent (an Idempotency-Key replay must match it).
    pub request_hash: String,
    /// The collection its outputs go into.
    pub collection: Option<crate::domain::CollectionId>,
}

/// The collection a create names for its results: the caller's (400 if malformed, 404 if not
/// theirs or gone).
pub async fn job_collection(app: &App, caller: &Caller, raw: Option<&str>) -> Result<Option<crate::domain::CollectionId>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let id = crate::domain::CollectionId::parse(raw).ok_or_else(|| ApiError::validation("collection_id", "not a collection id"))?;
    super::collections::live_collection(app, &caller.id, &id).await?;
    Ok(Some(id))
}

/// The hash an Idempotency-Key replay is compared with.
pub fn request_hash(kind: JobKind, req: &impl Serialize) -> Result<String, ApiError> {
    Ok(hex::encode(Sha256::digest(
        serde_json::to_vec(&(kind, req)).map_err(ApiError::internal)?,
    )))
}

/// The claim of an `Idempotency-Key` (checked) for what a create makes, `made` (a job, a story,
/// a set: its id), with the request's hash; `None` without a key.
pub fn idempotency_claim(
    caller: &Caller,
    idem_key: Option<&str>,
    made: &str,
    request_hash: String,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<IdempotencyRecord>, ApiError> {
    let Some(k) = idem_key else { return Ok(None) };
    check_key(k)?;
    Ok(Some(IdempotencyRecord {
        key: format!("idem#{}#{k}", caller.id),
        job_id: made.to_string(),
        request_hash,
        expires_at: now.timestamp() + IDEMPOTENCY_TTL_S,
    }))
}

/// The answer to an `Idempotency-Key` used before with another request.
pub fn key_conflict() -> ApiError {
    ApiError::Conflict("this Idempotency-Key was already used with a different request".into())
}

/// Validates against the catalog, reserves the estimated cost against the monthly limit (and
/// checks the storage limit), records the queued job and enqueues it. Nothing is queued or
/// reserved when it fails.
pub async fn create_job(
    app: &App,
    caller: &Caller,
    kind: JobKind,
    req: &GenerateRequest,
    sources: Vec<AssetId>,
    idem_key: Option<&str>,
) -> Result<Created, ApiError> {
    let valid = app
        .catalog
        .validate(kind, &req.model, &req.prompt, &req.options, req.source_asset_ids.len())
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    if sources.len() != req.source_asset_ids.len() {
        return Err(ApiError::validation("source_asset_ids", "source images were not checked"));
    }
    let request_hash = request_hash(kind, req)?;
    let collection = job_collection(app, caller, req.collection_id.as_deref()).await?;
    let new = NewJob {
        kind,
        valid,
        sources,
        roles: vec![],
        request_hash,
        collection,
    };
    queue_job(app, caller, new, idem_key).await
}

/// A queued job of the caller's from a validated request, created `now`, with no sources and no
/// idempotency hash: every create (images, edits, videos, prompt rewrites, comparison sets)
/// starts from this one.
pub(super) fn queued_job(caller: &Caller, kind: JobKind, valid: &ValidRequest<'_>, now: chrono::DateTime<chrono::Utc>) -> Job {
    let stamp = clock::rfc3339(now);
    Job {
        user_id: caller.id.clone(),
        job_id: JobId::new(),
        kind,
        model: valid.model.id.clone(),
        prompt: valid.prompt.as_str().to_string(),
        options: valid.options.clone(),
        source_asset_ids: vec![],
        source_roles: vec![],
        status: JobStatus::Queued,
        error: None,
        asset_ids: vec![],
        estimated_micros: valid.estimated,
        cost_micros: None,
        created_at: stamp.clone(),
        updated_at: stamp,
        prediction_id: None,
        open: Some("1".into()),
        quota_period: clock::period(now),
        request_hash: None,
        claimed_at: None,
        texts: vec![],
        provider: None,
        strays: vec![],
        collection_id: None,
    }
}

/// Whether a job's outputs are stored (its create checks the storage limit) or not (text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Outputs {
    Stored,
    Text,
}

/// The reservation of `amount` for the caller this month (their limits, their start window).
pub(super) async fn reservation(
    app: &App,
    caller: &Caller,
    amount: Micros,
    now: chrono::DateTime<chrono::Utc>,
    outputs: Outputs,
) -> Result<Reservation, ApiError> {
    let limits = app
        .store
        .usage()
        .limits(&caller.id, app.config.default_limits())
        .await
        .map_err(ApiError::from)?;
    let per_minute = app.config.job_starts_per_minute;
    Ok(Reservation {
        period: clock::period(now),
        amount,
        limit: limits.monthly,
        storage_limit: (outputs == Outputs::Stored).then_some(limits.storage_bytes),
        starts: (per_minute > 0).then(|| StartWindow {
            window: now.format("%Y%m%d%H%M").to_string(),
            max: per_minute,
            expires_at: now.timestamp() + 3600,
        }),
    })
}

/// What a create outcome means for the API: Ok when created, else the 429 to answer (an
/// idempotency outcome here is a bug: only `create_job` with a key returns one).
pub(super) async fn created_or_refused(
    app: &App,
    caller: &Caller,
    outcome: CreateOutcome,
    res: &Reservation,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    match outcome {
        CreateOutcome::Created => Ok(()),
        CreateOutcome::QuotaExceeded => {
            let used = app.store.usage().month(&caller.id, &res.period).await.map_err(ApiError::from)?;
            Err(ApiError::QuotaExceeded(format!(
                "This run could cost up to {} but only {} of your {} monthly limit is left.",
                res.amount,
                used.remaining(res.limit),
                res.limit
            )))
        }
        CreateOutcome::StorageExceeded => Err(storage_full(app, caller, res.storage_limit.unwrap_or(0)).await?),
        CreateOutcome::TooManyStarts => {
            let retry_after_s = 60 - u64::from(chrono::Timelike::second(&now).min(59));
            let per_minute = app.config.job_starts_per_minute;
            Err(ApiError::TooManyStarts {
                message: format!(
                    "You started {per_minute} jobs in the last minute, the most one person may start per minute. Try again in {retry_after_s} s."
                ),
                retry_after_s,
            })
        }
        CreateOutcome::Replay(_) | CreateOutcome::KeyConflict => Err(ApiError::internal("unexpected idempotency outcome")),
    }
}

/// The 403 of a request refused because the caller's storage is full, with their figures.
pub(super) async fn storage_full(app: &App, caller: &Caller, limit: u64) -> Result<ApiError, ApiError> {
    use crate::domain::storage::human_bytes;
    let used = app.store.storage(&caller.id).await.map_err(ApiError::from)?;
    let pending = match used.reserved() {
        0 => String::new(),
        r => format!(" ({} of it held for uploads in progress)", human_bytes(r)),
    };
    Ok(ApiError::StorageExceeded(format!(
        "Your storage is full: {} of your {} is in use{pending}. Delete results or uploads you no longer need, or ask your administrator to raise the limit. Nothing was reserved or charged.",
        human_bytes(used.committed),
        human_bytes(limit),
    )))
}

/// Reserves the estimated cost against the monthly limit (and the starts per minute), records
/// the queued job and enqueues it. Nothing is queued or reserved when it fails.
pub async fn queue_job(app: &App, caller: &Caller, new: NewJob<'_>, idem_key: Option<&str>) -> Result<Created, ApiError> {
    let NewJob {
        kind,
        valid,
        sources,
        roles,
        request_hash,
        collection,
    } = new;
    let now = clock::now();
    let job = Job {
        collection_id: collection,
        source_asset_ids: sources,
        source_roles: roles,
        request_hash: idem_key.map(|_| request_hash.clone()),
        ..queued_job(caller, kind, &valid, now)
    };
    let idem = idempotency_claim(caller, idem_key, job.job_id.as_str(), request_hash, now)?;
    let reservation = reservation(app, caller, valid.estimated, now, Outputs::Stored).await?;
    match app
        .store
        .create_job(&job, &reservation, idem.as_ref())
        .await
        .map_err(ApiError::from)?
    {
        CreateOutcome::Replay(prev) => return Ok(Created { job: *prev, replay: true }),
        CreateOutcome::KeyConflict => return Err(key_conflict()),
        outcome => created_or_refused(app, caller, outcome, &reservation, now).await?,
    }
    tracing::info!(job_id = %job.job_id, model = %job.model, estimated_micros = job.estimated_micros.0, "job queued");
    if let Err(e) = app
        .queue
        .send(&JobMessage {
            user_id: job.user_id.clone(),
            job_id: job.job_id.clone(),
        })
        .await
    {
        // Nothing will run it: fail it now so the reservation is released, then report.
        let err = crate::domain::JobError {
            code: "internal".into(),
            message: "The job could not be queued. Nothing was charged.".into(),
        };
        let _ = app
            .store
            .settle_failure(&job, JobStatus::Failed, &err, None, &clock::rfc3339(clock::now()))
            .await;
        return Err(ApiError::internal(e));
    }
    Ok(Created { job, replay: false })
}
