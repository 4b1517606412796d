//! Prompt variations and enhancement: a language model on Replicate rewrites the user's prompt.
//! It is a job like any other (reserved by its worst case, charged at its real cost from the
//! prediction's token counts, listed in usage), but it is created with `Prefer: wait` so that a
//! short answer comes back in the same request; when the wait runs out, the job is polled.
use super::bill::bill;
use super::generate::{Outputs, created_or_refused, queued_job, reservation};
use super::settle::{SettleError, Settled, capped_charge};
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::billing::ProviderRecord;
use crate::catalog::{ModelKind, token_cost};
use crate::clock;
use crate::domain::text::{MAX_PROPOSALS, proposals};
use crate::domain::{Job, JobError, JobKind, JobStatus};
use crate::replicate::{ModelRef, Prediction, PredictionStatus, WebhookEvent};
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// What the model is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PromptMode {
    /// Up to four rewrites, each in a different direction.
    Vary,
    /// One richer prompt.
    Enhance,
}

const VARY_INSTRUCTIONS: &str = "You rewrite prompts for a text-to-image model. Write four rewrites of the user's prompt, \
each taking it in a clearly different direction (style, mood, composition, setting or era), each keeping its subject. \
Write one rewrite per line, at most 60 words each, with no numbering, no quotes and no other text.";
const ENHANCE_INSTRUCTIONS: &str = "You improve prompts for a text-to-image model. Rewrite the user's prompt into one richer \
prompt: keep its subject and intent, add concrete detail about subject, setting, lighting, composition and style. \
Answer with the prompt only, on one line, at most 90 words, with no quotes and no other text.";

impl PromptMode {
    fn instructions(self) -> &'static str {
        match self {
            PromptMode::Vary => VARY_INSTRUCTIONS,
            PromptMode::Enhance => ENHANCE_INSTRUCTIONS,
        }
    }
    fn max_tokens(self) -> i64 {
        match self {
            PromptMode::Vary => 400,
            PromptMode::Enhance => 200,
        }
    }
    fn max_proposals(self) -> usize {
        match self {
            PromptMode::Vary => MAX_PROPOSALS,
            PromptMode::Enhance => 1,
        }
    }
    /// The mode a text job was made for (from the instructions it carries).
    pub fn of_job(job: &Job) -> Self {
        match job.options.get("system_prompt").and_then(Value::as_str) {
            Some(ENHANCE_INSTRUCTIONS) => PromptMode::Enhance,
            _ => PromptMode::Vary,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PromptMode::Vary => "vary",
            PromptMode::Enhance => "enhance",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptRequest {
    pub prompt: String,
    /// Left out or null: the default text model (the contract allows both).
    #[serde(default)]
    pub model: Option<String>,
}

/// A rewrite job after the request: finished (succeeded or failed) within the wait, or still
/// running (poll `GET /api/jobs/{id}`).
#[derive(Debug)]
pub struct Rewrite {
    pub job: Job,
    pub finished: bool,
}

/// Validates, reserves the worst case, records the job, and runs it with `Prefer: wait`.
pub async fn rewrite_prompt(app: &App, caller: &Caller, mode: PromptMode, req: &PromptRequest) -> Result<Rewrite, ApiError> {
    let model = match &req.model {
        Some(m) => m.clone(),
        None => app
            .catalog
            .models()
            .iter()
            .find(|m| m.default_for.contains(&ModelKind::Text))
            .map(|m| m.id.clone())
            .ok_or_else(|| ApiError::validation("model", "no language model is configured"))?,
    };
    let mut options = Map::new();
    options.insert("system_prompt".into(), json!(mode.instructions()));
    options.insert("max_tokens".into(), json!(mode.max_tokens()));
    let valid = app
        .catalog
        .validate(JobKind::Text, &model, &req.prompt, &options, 0)
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    let spec = valid.model;
    let model_ref = ModelRef::parse(&spec.replicate).map_err(ApiError::internal)?;
    let now = clock::now();
    let job = queued_job(caller, JobKind::Text, &valid, now);
    let res = reservation(app, caller, job.estimated_micros, now, Outputs::Text).await?;
    let outcome = app.store.create_job(&job, &res, None).await.map_err(ApiError::from)?;
    created_or_refused(app, caller, outcome, &res, now).await?;

    // Claimed like the worker claims: the reconciler leaves a claimed job alone until the
    // submit deadline, and re-queues it for the worker if no prediction ever came of it.
    let now_ms = clock::now().timestamp_millis();
    let stale = now_ms - app.config.submit_deadline.as_millis() as i64;
    app.store.claim_job(&job, now_ms, stale).await.map_err(ApiError::from)?;
    let client = match app.replicate().await {
        Ok(c) => c.with_max_attempts(1),
        Err(e) => {
            fail(
                app,
                &job,
                "internal",
                "The language model could not be reached. Nothing was charged.",
            )
            .await;
            return Err(ApiError::internal(e));
        }
    };
    let input = spec.replicate_input(&job.prompt, &job.options, &[]);
    let webhook = app.config.webhook_url_for(&job);
    let created = client
        .create_prediction_waiting(
            &model_ref,
            input,
            webhook.as_deref(),
            &[WebhookEvent::Completed],
            app.config.prompt_wait,
        )
        .await;
    let p = match created {
        Ok(p) => p,
        Err(e) if e.may_have_created() => {
            // A prediction may run; its webhook names the job and settles it.
            tracing::warn!(job_id = %job.job_id, error = %e, "rewrite create outcome unknown; the job is polled");
            return Ok(Rewrite { job, finished: false });
        }
        Err(e) => {
            tracing::warn!(job_id = %job.job_id, error = %e, "provider refused the rewrite");
            let _ = app.store.release_claim(&job, now_ms).await;
            fail(
                app,
                &job,
                "provider_error",
                "The language model refused this request. Nothing was charged.",
            )
            .await;
            return Err(if e.is_retryable() {
                ApiError::Unavailable("The language model is busy; try again in a moment.".into())
            } else {
                ApiError::Provider("The language model refused this request.".into())
            });
        }
    };
    tracing::info!(job_id = %job.job_id, prediction_id = %p.id, status = p.status.as_str(), "rewrite prediction created");
    let now = clock::rfc3339(clock::now());
    // False when the webhook adopted this prediction first: the read below shows its state.
    let _ = app.store.record_prediction(&job, &p.id, &now).await;
    if p.status.is_terminal() {
        settle_in_request(app, &job, &p, &now).await?;
    }
    let job = app
        .store
        .get_job(&caller.id, &job.job_id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(|| ApiError::internal("rewrite job vanished"))?;
    let finished = job.status.is_terminal();
    Ok(Rewrite { job, finished })
}

/// Settles a text job whose prediction finished within the wait, as its webhook would (the
/// webhook, arriving too, then finds it finished). Text jobs never copy outputs, so this is not
/// `settle_job`: a rewrite touches no asset and no media.
async fn settle_in_request(app: &App, job: &Job, p: &Prediction, now: &str) -> Result<(), ApiError> {
    let billed = bill(app, job, p);
    let settled = match &p.status {
        PredictionStatus::Succeeded => settle_text(app, job, p, now).await.map(|_| ()),
        PredictionStatus::Canceled => failure(app, job, JobStatus::Canceled, "canceled", "The run was canceled.", &billed, now).await,
        _ => {
            let why = p.error.as_deref().unwrap_or("The model failed without a message.");
            let why: String = why.chars().take(500).collect();
            failure(app, job, JobStatus::Failed, "provider_failed", &why, &billed, now).await
        }
    };
    settled.map_err(|e| ApiError::internal(e.0))
}

async fn failure(
    app: &App,
    job: &Job,
    status: JobStatus,
    code: &str,
    message: &str,
    billed: &ProviderRecord,
    now: &str,
) -> Result<(), SettleError> {
    let err = JobError {
        code: code.into(),
        message: message.into(),
    };
    app.store
        .settle_failure(job, status, &err, Some(billed), now)
        .await
        .map(|_| ())
        .map_err(|e| SettleError(e.to_string()))
}

async fn fail(app: &App, job: &Job, code: &str, message: &str) {
    let err = JobError {
        code: code.into(),
        message: message.into(),
    };
    if let Err(e) = app
        .store
        .settle_failure(job, JobStatus::Failed, &err, None, &clock::rfc3339(clock::now()))
        .await
    {
        tracing::error!(job_id = %job.job_id, error = %e, "could not fail a rewrite job");
    }
}

/// The text of a language model's output: Replicate streams it as an array of string pieces
/// (or, for some models, one string).
fn output_text(output: &Value) -> String {
    match output {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts.iter().filter_map(Value::as_str).collect(),
        _ => String::new(),
    }
}

fn token_count(p: &Prediction, name: &str) -> Option<i64> {
    p.metrics.as_ref()?.integer(name)
}

/// Settles a succeeded text prediction: the answer cleaned and split into proposals, the
/// charge from the prediction's token counts (`metrics.input_token_count` and
/// `output_token_count`), at most the reservation; without counts, the reservation.
pub(super) async fn settle_text(app: &App, job: &Job, p: &Prediction, now: &str) -> Result<Settled, SettleError> {
    let billed = bill(app, job, p);
    let texts = proposals(&output_text(&p.output), PromptMode::of_job(job).max_proposals());
    if texts.is_empty() {
        let err = JobError {
            code: "no_output".into(),
            message: "The language model returned no usable text.".into(),
        };
        let applied = app
            .store
            .settle_failure(job, JobStatus::Failed, &err, Some(&billed), now)
            .await
            .map_err(|e| SettleError(e.to_string()))?;
        return Ok(if applied {
            Settled::Applied(JobStatus::Failed)
        } else {
            Settled::AlreadyFinal
        });
    }
    let real = match (
        app.catalog.get(&job.model),
        token_count(p, "input_token_count"),
        token_count(p, "output_token_count"),
    ) {
        (Some(spec), Some(i), Some(o)) => token_cost(spec, i, o),
        _ => {
            tracing::warn!(job_id = %job.job_id, "no token counts in the prediction; charged the reservation");
            job.estimated_micros
        }
    };
    let cost = capped_charge(real, job.estimated_micros);
    let applied = app
        .store
        .settle_text_success(job, &texts, cost, &billed, now)
        .await
        .map_err(|e| SettleError(e.to_string()))?;
    tracing::info!(job_id = %job.job_id, cost_micros = cost.0, proposals = texts.len(), applied, "text job settled");
    Ok(if applied {
        Settled::Applied(JobStatus::Succeeded)
    } else {
        Settled::AlreadyFinal
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_output_is_joined_from_its_pieces() {
        assert_eq!(output_text(&json!(["a ", "fox", "\n", "b"])), "a fox\nb");
        assert_eq!(output_text(&json!("one")), "one");
        assert_eq!(output_text(&json!({"x": 1})), "");
    }
}
