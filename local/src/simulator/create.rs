//! The two create routes: official models by name, community models by pinned version. Both
//! check the body and the `input` against the model's schema (422, no prediction), then apply
//! the create faults and start a prediction.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use shared::replicate::{Prediction, PredictionStatus, WebhookEvent};

use super::fault::{self, Fault};
use super::lifecycle;
use super::schema::{self, InvalidField, ModelSchema};
use super::server::{Entry, Sim, authorized, not_found, problem, unauthorized};

/// Replicate's 422 for a body or input that fails its schema: `detail` has one
/// `- field: description` line per problem, `invalid_fields` the same as objects.
fn invalid_fields(fields: &[InvalidField]) -> Response {
    let detail: Vec<String> = fields.iter().map(InvalidField::detail_line).collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({
            "title": "Input validation failed",
            "detail": detail.join("\n"),
            "status": 422,
            "invalid_fields": fields,
        })),
    )
        .into_response()
}

fn root_problem(kind: &str, description: String) -> Response {
    invalid_fields(&[InvalidField::new(kind, "(root)", description)])
}

/// Replicate's answer for a version that does not exist (or is not yours).
fn invalid_version() -> Response {
    problem(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid version or not permitted",
        "The specified version does not exist (or perhaps you don't have permission to use it?)",
    )
}

/// `Cancel-After` value: Go-style duration such as `30m`, `1h30m`, `90s`, `500ms`.
fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let secs = match &rest[..unit_len] {
            "h" => n * 3600.0,
            "m" => n * 60.0,
            "s" | "" => n,
            "ms" => n / 1000.0,
            _ => return None,
        };
        if !(0.0..1e9).contains(&secs) {
            return None;
        }
        total += Duration::from_secs_f64(secs);
        rest = &rest[unit_len..];
    }
    Some(total)
}

/// Body fields of `POST /v1/models/{owner}/{name}/predictions` (`additionalProperties: false`:
/// no `version` there).
const OFFICIAL_FIELDS: [&str; 4] = ["input", "webhook", "webhook_events_filter", "stream"];
/// Body fields of `POST /v1/predictions`.
const VERSIONED_FIELDS: [&str; 5] = ["version", "input", "webhook", "webhook_events_filter", "stream"];

/// The JSON object of a create body with only `allowed` fields.
fn parse_body(body: &[u8], allowed: &[&str]) -> Result<serde_json::Map<String, Value>, Box<Response>> {
    let body: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Err(Box::new(problem(StatusCode::BAD_REQUEST, "Invalid JSON", &e.to_string()))),
    };
    let Value::Object(obj) = body else {
        return Err(Box::new(root_problem("invalid_type", "Invalid type. Expected: object".into())));
    };
    if let Some(extra) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Box::new(root_problem(
            "additional_property_not_allowed",
            format!("Additional property {extra} is not allowed"),
        )));
    }
    Ok(obj)
}

/// `POST /v1/models/{owner}/{name}/predictions`: an official model of the schema fixture (404
/// for any other model, community models included: they run by version).
pub(super) async fn create_official(
    State(sim): State<Arc<Sim>>,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    let obj = match parse_body(&body, &OFFICIAL_FIELDS) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let Some(schema) = sim.cfg.schemas.official(&format!("{owner}/{name}")).cloned() else {
        return not_found();
    };
    create(sim, schema, "hidden".into(), obj, headers).await
}

/// `POST /v1/predictions` with `version` = `<64-hex>` or `owner/name:<64-hex>`: a community model
/// by its pinned version. An unknown version (or a name that does not go with it) → 422
/// "Invalid version or not permitted", as Replicate answers.
pub(super) async fn create_versioned(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    let obj = match parse_body(&body, &VERSIONED_FIELDS) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let version = match obj.get("version") {
        None => return root_problem("required", "version is required".into()),
        Some(Value::String(v)) => v.clone(),
        Some(_) => {
            return invalid_fields(&[InvalidField::new(
                "invalid_type",
                "version",
                "Invalid type. Expected: string".into(),
            )]);
        }
    };
    let (named, id) = match version.split_once(':') {
        Some((model, id)) => (Some(model), id),
        None => (None, version.as_str()),
    };
    let schema = schema::is_version_id(id).then(|| sim.cfg.schemas.by_version(id)).flatten();
    let Some(schema) = schema.filter(|s| named.is_none_or(|m| m == s.model)).cloned() else {
        return invalid_version();
    };
    create(sim, schema, id.to_owned(), obj, headers).await
}

/// The create both routes share, once the model is known: input validation against its schema
/// (422, no prediction), faults, then a `starting` prediction.
async fn create(sim: Arc<Sim>, schema: ModelSchema, version: String, obj: serde_json::Map<String, Value>, headers: HeaderMap) -> Response {
    let Some(input) = obj.get("input").cloned() else {
        return root_problem("required", "input is required".into());
    };
    if let Err(fields) = schema.validate(&input) {
        return invalid_fields(&fields);
    }
    let webhook = match obj.get("webhook") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if reqwest::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) => Some(u.clone()),
        Some(_) => {
            return invalid_fields(&[InvalidField::new("format", "webhook", "Does not match format 'uri'".into())]);
        }
    };
    let events: Vec<WebhookEvent> = match obj.get("webhook_events_filter") {
        None | Some(Value::Null) => vec![
            WebhookEvent::Start,
            WebhookEvent::Output,
            WebhookEvent::Logs,
            WebhookEvent::Completed,
        ],
        Some(v) => match serde_json::from_value(v.clone()) {
            Ok(ev) => ev,
            Err(_) => {
                return invalid_fields(&[InvalidField::new(
                    "enum",
                    "webhook_events_filter.0",
                    "webhook_events_filter.0 must be one of the following: \"start\", \"output\", \"logs\", \"completed\"".into(),
                )]);
            }
        },
    };
    let deadline = match headers.get("cancel-after").map(|v| v.to_str().ok().and_then(parse_go_duration)) {
        None => None,
        Some(Some(d)) if d >= Duration::from_secs(5) => Some(d),
        Some(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "Invalid Cancel-After header",
                "Cancel-After must be a duration of at least 5s, e.g. 30m",
            );
        }
    };

    let prompt = input.get("prompt").and_then(Value::as_str).unwrap_or("").to_owned();
    let marker = fault::from_prompt(&prompt);
    if sim.refuse(Fault::Unavailable, &prompt, marker) {
        return problem(
            StatusCode::BAD_GATEWAY,
            "Bad Gateway",
            "simulator fault `unavailable`: no prediction was made",
        );
    }
    let now = std::time::Instant::now();
    if sim.throttled_until.lock().unwrap().get(&prompt).is_some_and(|until| now < *until) {
        sim.stats.early_retries.fetch_add(1, Ordering::Relaxed);
    }
    if sim.refuse(Fault::Throttle, &prompt, marker) {
        sim.stats.creates_throttled.fetch_add(1, Ordering::Relaxed);
        let wait = sim.throttle_retry_after_s.load(Ordering::Relaxed);
        sim.throttled_until
            .lock()
            .unwrap()
            .insert(prompt.clone(), now + std::time::Duration::from_secs(wait));
        // Replicate's 429 body is just {"detail": ...}.
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            axum::Json(json!({"detail": format!("Request was throttled. Your rate limit resets in ~{wait}s.")})),
        )
            .into_response();
    }
    let fault = sim.pick_fault(marker.map(|(f, _)| f));

    let id = sim.new_id();
    let created = chrono::Utc::now();
    let pred = Prediction {
        id: id.clone(),
        model: schema.model.clone(),
        version: Some(version),
        input,
        output: Value::Null,
        error: None,
        status: PredictionStatus::Starting,
        logs: Some(String::new()),
        created_at: Some(created.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        started_at: None,
        completed_at: None,
        deadline: deadline
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .and_then(|d| created.checked_add_signed(d))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        metrics: None,
        data_removed: false,
        urls: sim.prediction_urls(&id),
        source: None,
        webhook: None,
    };
    sim.preds.lock().unwrap().insert(
        id.clone(),
        Entry {
            pred: pred.clone(),
            webhook,
            events,
            fault,
            schema: Arc::new(schema),
            files: Vec::new(),
            start_snapshot: None,
            drops_left: u32::from(fault == Some(Fault::DropOutput)),
            cancels_throttled_left: if fault == Some(Fault::ThrottleCancel) {
                shared::replicate::client::DEFAULT_MAX_ATTEMPTS
            } else {
                0
            },
        },
    );
    sim.stats.predictions_created.fetch_add(1, Ordering::Relaxed);
    tracing::debug!(id = %id, model = %pred.model, fault = ?fault, "simulated prediction created");

    tokio::spawn(lifecycle::run(sim.clone(), id.clone()));
    if let Some(d) = deadline {
        tokio::spawn(lifecycle::deadline(sim.clone(), id.clone(), d));
    }
    match fault {
        Some(Fault::BadGateway) => return problem(StatusCode::BAD_GATEWAY, "Bad Gateway", "simulator fault `bad-gateway`"),
        Some(Fault::SlowCreate) => {
            // Answer once the completed webhook was delivered (or after 10 s at most).
            for _ in 0..500 {
                let delivered = sim.deliveries.lock().unwrap().iter().any(|d| {
                    d.prediction_id == id && d.event == WebhookEvent::Completed && d.status.is_some_and(|s| (200..300).contains(&s))
                });
                if delivered {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        _ => {}
    }
    // `Prefer: wait=N` (or `wait`: 60 s) holds the answer until the prediction finished.
    let wait = headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("wait"))
        .and_then(|rest| match rest.strip_prefix('=') {
            Some(n) => n.trim().parse::<u64>().ok(),
            None => rest.is_empty().then_some(60),
        });
    let mut pred = pred;
    if let Some(secs) = wait {
        let until = tokio::time::Instant::now() + Duration::from_secs(secs.clamp(1, 60));
        loop {
            if let Some(e) = sim.preds.lock().unwrap().get(&id) {
                pred = e.pred.clone();
            }
            if pred.status.is_terminal() || tokio::time::Instant::now() >= until {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    (StatusCode::CREATED, axum::Json(pred)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(parse_go_duration("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_go_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_go_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_go_duration("1500ms"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("soon"), None);
        assert_eq!(parse_go_duration("5x"), None);
    }
}
