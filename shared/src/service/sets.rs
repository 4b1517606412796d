//! Compare models: one prompt on 2–4 text→image models, as one set. The whole set's estimate is
//! reserved at once (all or nothing); its jobs then run like any generation.
use super::generate::{created_or_refused, idempotency_claim, key_conflict, queued_job, request_hash, reservation};
use super::views::job_with_assets;
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::{CompareSet, Job, JobError, JobKind, JobStatus, Micros, SetId, check_set_models};
use crate::queue::JobMessage;
use crate::store::ReplayOr;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetRequest {
    #[serde(default)]
    pub prompt: String,
    pub models: Vec<String>,
    /// Applied to every chosen model that takes the option; an option none takes is a 400.
    #[serde(default, deserialize_with = "crate::api::unique_keys")]
    pub options: Map<String, Value>,
}

/// A set made (or found again by its Idempotency-Key) with its jobs.
pub struct CreatedSet {
    pub set: CompareSet,
    pub jobs: Vec<Job>,
    /// True when an earlier request with the same Idempotency-Key made this set.
    pub replay: bool,
}

/// Validates every model against the catalog, reserves the set's summed estimate, records the
/// set and its jobs (and the Idempotency-Key's claim), and queues the jobs. Nothing is written
/// when any check fails.
pub async fn create_set(app: &App, caller: &Caller, req: &SetRequest, idem_key: Option<&str>) -> Result<CreatedSet, ApiError> {
    check_set_models(&req.models).map_err(|m| ApiError::validation("models", m))?;
    let mut specs = Vec::with_capacity(req.models.len());
    for (i, id) in req.models.iter().enumerate() {
        let field = format!("models[{i}]");
        let spec = app
            .catalog
            .get(id)
            .ok_or_else(|| ApiError::validation(&field, format!("unknown model {id:?}")))?;
        if !spec.offers(JobKind::Image) {
            return Err(ApiError::validation(field, format!("{} does not make images from text", spec.name)));
        }
        specs.push(spec);
    }
    if let Some(k) = req.options.keys().find(|k| !specs.iter().any(|s| s.options.contains_key(*k))) {
        return Err(ApiError::validation(
            format!("options.{k}"),
            format!("none of the chosen models takes the option {k:?}"),
        ));
    }
    let now = clock::now();
    let stamp = clock::rfc3339(now);
    let mut jobs = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let options: Map<String, Value> = req
            .options
            .iter()
            .filter(|(k, _)| spec.options.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let valid = app
            .catalog
            .validate(JobKind::Image, &spec.id, &req.prompt, &options, 0)
            .map_err(|e| match e.field.as_str() {
                "model" => ApiError::validation(format!("models[{i}]"), e.message),
                "prompt" => ApiError::validation("prompt", e.message),
                f => ApiError::validation(f, format!("{}: {}", spec.name, e.message)),
            })?;
        jobs.push(queued_job(caller, JobKind::Image, &valid, now));
    }
    let set = CompareSet {
        user_id: caller.id.clone(),
        set_id: SetId::new(),
        prompt: jobs[0].prompt.clone(),
        models: req.models.clone(),
        options: req.options.clone(),
        job_ids: jobs.iter().map(|j| j.job_id.clone()).collect(),
        estimated_micros: Micros(jobs.iter().map(|j| j.estimated_micros.0).sum()),
        created_at: stamp,
    };
    let hash = request_hash(JobKind::Image, &("set", req))?;
    let idem = idempotency_claim(caller, idem_key, set.set_id.as_str(), hash, now)?;
    let res = reservation(app, caller, set.estimated_micros, now).await?;
    match app
        .store
        .create_set(&set, &jobs, &res, idem.as_ref())
        .await
        .map_err(ApiError::from)?
    {
        ReplayOr::Replay(prev) => {
            let mut jobs = Vec::with_capacity(prev.job_ids.len());
            for id in &prev.job_ids {
                let job = app.store.get_job(&caller.id, id).await.map_err(ApiError::from)?;
                jobs.push(job.ok_or_else(|| ApiError::internal("a set's job is missing"))?);
            }
            return Ok(CreatedSet {
                set: *prev,
                jobs,
                replay: true,
            });
        }
        ReplayOr::Done(crate::store::CreateOutcome::KeyConflict) => return Err(key_conflict()),
        ReplayOr::Done(outcome) => created_or_refused(app, caller, outcome, &res, now).await?,
    }
    tracing::info!(set_id = %set.set_id, jobs = jobs.len(), estimated_micros = set.estimated_micros.0, "set created");
    for job in &jobs {
        let msg = JobMessage {
            user_id: job.user_id.clone(),
            job_id: job.job_id.clone(),
        };
        if let Err(e) = app.queue.send(&msg).await {
            // Nothing will run this one: fail it so its reservation is released.
            tracing::error!(job_id = %job.job_id, error = %e, "a set's job could not be queued");
            let err = JobError {
                code: "internal".into(),
                message: "The job could not be queued. Nothing was charged.".into(),
            };
            let _ = app
                .store
                .settle_failure(job, JobStatus::Failed, &err, None, &clock::rfc3339(clock::now()))
                .await;
        }
    }
    Ok(CreatedSet { set, jobs, replay: false })
}

/// Seconds from a job's creation to its last change, once it is finished.
fn duration_s(job: &Job) -> Option<f64> {
    if !job.status.is_terminal() {
        return None;
    }
    let a = chrono::DateTime::parse_from_rfc3339(&job.created_at).ok()?;
    let b = chrono::DateTime::parse_from_rfc3339(&job.updated_at).ok()?;
    Some(((b - a).num_milliseconds().max(0) as f64 / 100.0).round() / 10.0)
}

/// `{"set": Set, "jobs": [{"job", "assets", "deleted_asset_ids", "duration_s"}]}`, the jobs in
/// the set's model order. `Set.status` is `running` until every job finished, then `finished`;
/// `Set.cost_usd` sums what the finished jobs were charged.
pub async fn set_view(app: &App, set: &CompareSet) -> Result<Value, ApiError> {
    let mut jobs = Vec::with_capacity(set.job_ids.len());
    let mut cost = 0i64;
    let mut running = false;
    for id in &set.job_ids {
        let Some(job) = app.store.get_job(&set.user_id, id).await.map_err(ApiError::from)? else {
            continue;
        };
        cost += job.cost_micros.map_or(0, |c| c.0);
        running |= !job.status.is_terminal();
        let mut v = job_with_assets(app, &job).await?;
        v["duration_s"] = json!(duration_s(&job));
        jobs.push(v);
    }
    let mut s = set.to_api();
    s["status"] = json!(if running { "running" } else { "finished" });
    s["cost_usd"] = json!(Micros(cost).usd());
    Ok(json!({ "set": s, "jobs": jobs }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_jobs_duration_is_its_creation_to_its_end() {
        let mut job: Job = serde_json::from_value(json!({
            "user_id": "u1", "job_id": "01J00000000000000000000000", "kind": "image", "model": "imagen-4",
            "prompt": "p", "options": {}, "status": "running", "estimated_micros": 40000,
            "created_at": "2026-10-31T10:00:00.000Z", "updated_at": "2026-10-31T10:00:04.260Z",
            "quota_period": "2026-10"
        }))
        .unwrap();
        assert_eq!(duration_s(&job), None);
        job.status = JobStatus::Succeeded;
        assert_eq!(duration_s(&job), Some(4.3));
    }

    #[test]
    fn a_repeated_option_is_refused_like_on_every_create_route() {
        let twice = r#"{"models": ["imagen-4", "nano-banana"], "options": {"aspect_ratio": "1:1", "aspect_ratio": "16:9"}}"#;
        let e = serde_json::from_str::<SetRequest>(twice).unwrap_err();
        assert!(e.to_string().contains("`aspect_ratio` is given twice"), "{e}");
    }
}
