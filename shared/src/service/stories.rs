//! Visual stories: one prompt told as 2–8 frames by one Seedream 4 prediction with sequential
//! generation. The captions are derived from the prompt (domain::story_captions); the worst
//! case (every frame at its price) is reserved at once, all or nothing, and the job then runs
//! and settles like any generation: only the frames returned are kept and charged, at most
//! `frames` of them.
use super::generate::{created_or_refused, idempotency_claim, key_conflict, queued_job, request_hash, reservation};
use super::views::asset_json;
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::catalog::estimate;
use crate::clock;
use crate::domain::{
    AssetId, Job, JobError, JobKind, JobStatus, MAX_PROMPT_CHARS, Micros, STORY_MODEL, Story, StoryId, check_story_frames, story_captions,
    story_prompt,
};
use crate::queue::JobMessage;
use crate::store::{CreateOutcome, StoryOutcome};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoryRequest {
    #[serde(default)]
    pub prompt: String,
    /// 2–8; checked by hand so a missing or wrong one is a 400 naming `frames`.
    #[serde(default)]
    pub frames: Value,
    /// Seedream 4's options (size, aspect_ratio, enhance_prompt), the same for every frame.
    #[serde(default, deserialize_with = "crate::api::unique_keys")]
    pub options: Map<String, Value>,
}

/// A story made (or found again by its Idempotency-Key) with its job.
pub struct CreatedStory {
    pub story: Story,
    pub job: Job,
    pub replay: bool,
}

/// Checks every rule, reserves the story's worst case and records the story and its job, then
/// queues the job. Nothing is written when any check fails.
pub async fn create_story(app: &App, caller: &Caller, req: &StoryRequest, idem_key: Option<&str>) -> Result<CreatedStory, ApiError> {
    let frames = crate::api::whole_number(&req.frames)
        .ok_or_else(|| ApiError::validation("frames", "frames must be a whole number from 2 to 8"))
        .and_then(|n| check_story_frames(n).map_err(|m| ApiError::validation("frames", m)))?;
    // The prompt and options as the user gave them, against Seedream 4's rules.
    app.catalog
        .validate(JobKind::Image, STORY_MODEL, &req.prompt, &req.options, 0)
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    let captions = story_captions(&req.prompt, frames);
    let told = story_prompt(&req.prompt, &captions);
    if told.chars().count() > MAX_PROMPT_CHARS {
        return Err(ApiError::validation(
            "prompt",
            format!(
                "the story of {frames} frames would be {} characters for the model; the maximum is {MAX_PROMPT_CHARS}: shorten the prompt",
                told.chars().count()
            ),
        ));
    }
    let mut valid = app
        .catalog
        .validate(JobKind::Image, STORY_MODEL, &told, &req.options, 0)
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    valid.options.insert("sequential_image_generation".into(), Value::from("auto"));
    valid.options.insert("max_images".into(), Value::from(frames));
    valid.estimated = estimate(valid.model, &valid.options);
    let now = clock::now();
    let hash = request_hash(JobKind::Image, &("story", req))?;
    let mut job = queued_job(caller, JobKind::Image, &valid, now);
    job.request_hash = idem_key.map(|_| hash.clone());
    let story = Story {
        user_id: caller.id.clone(),
        story_id: StoryId::new(),
        prompt: req.prompt.trim().to_string(),
        frames,
        captions,
        model: STORY_MODEL.into(),
        options: req.options.clone(),
        job_id: job.job_id.clone(),
        estimated_micros: job.estimated_micros,
        created_at: clock::rfc3339(now),
    };
    // The record names the story (its id is a ULID like a job's).
    let idem = idempotency_claim(caller, idem_key, story.story_id.as_str(), hash, now)?;
    let res = reservation(app, caller, story.estimated_micros, now).await?;
    match app
        .store
        .create_story(&story, &job, &res, idem.as_ref())
        .await
        .map_err(ApiError::from)?
    {
        StoryOutcome::Replay(prev) => {
            let job = app
                .store
                .get_job(&caller.id, &prev.job_id)
                .await
                .map_err(ApiError::from)?
                .ok_or_else(|| ApiError::internal("a story's job is missing"))?;
            return Ok(CreatedStory {
                story: *prev,
                job,
                replay: true,
            });
        }
        StoryOutcome::Done(CreateOutcome::KeyConflict) => return Err(key_conflict()),
        StoryOutcome::Done(outcome) => created_or_refused(app, caller, outcome, &res, now).await?,
    }
    tracing::info!(story_id = %story.story_id, frames, estimated_micros = story.estimated_micros.0, "story created");
    let msg = JobMessage {
        user_id: job.user_id.clone(),
        job_id: job.job_id.clone(),
    };
    if let Err(e) = app.queue.send(&msg).await {
        // Nothing will run it: fail it so its reservation is released.
        let err = JobError {
            code: "internal".into(),
            message: "The job could not be queued. Nothing was charged.".into(),
        };
        let _ = app
            .store
            .settle_failure(&job, JobStatus::Failed, &err, None, &clock::rfc3339(clock::now()))
            .await;
        return Err(ApiError::internal(e));
    }
    Ok(CreatedStory { story, job, replay: false })
}

/// `{"story": Story, "job": Job, "frames": [{"index", "caption", "asset"}]}`: one entry per
/// frame in order, `asset` null until it arrived (or when the model returned fewer frames, or
/// the user deleted it). `Story.status` is the job's; `Story.cost_usd` what it was charged.
pub async fn story_view(app: &App, story: &Story) -> Result<Value, ApiError> {
    let job = app.store.get_job(&story.user_id, &story.job_id).await.map_err(ApiError::from)?;
    let assets = match &job {
        Some(j) => app
            .store
            .get_assets(&story.user_id, &j.asset_ids)
            .await
            .map_err(ApiError::internal)?,
        None => vec![],
    };
    let mut frames = Vec::with_capacity(story.captions.len());
    for (i, caption) in story.captions.iter().enumerate() {
        let id = AssetId::for_output(&story.job_id, i);
        let asset = match assets.iter().find(|a| a.asset_id == id) {
            Some(a) => asset_json(app, a).await?,
            None => Value::Null,
        };
        frames.push(json!({ "index": i, "caption": caption, "asset": asset }));
    }
    let mut s = story.to_api();
    let job_api = job.as_ref().map(Job::to_api);
    s["status"] = job_api.as_ref().map_or(json!("failed"), |j| j["status"].clone());
    s["cost_usd"] = json!(Micros(job.as_ref().and_then(|j| j.cost_micros).map_or(0, |c| c.0)).usd());
    Ok(json!({ "story": s, "job": job_api, "frames": frames }))
}
