//! `GET /v1/predictions` (the account's predictions, newest first, 100 a page with a `next`
//! cursor URL, `created_after`/`created_before` filters, each with its `source` and `webhook`),
//! and what the provider audit's tests need around it: predictions made outside this stack
//! (`POST /_sim/predictions`: an orphan a lost create leaves, a web-console run), a fault that
//! fails page N of every listing, and a rate limit on listing reads (429 past it).
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::replicate::{Prediction, PredictionStatus};

use super::SimHandle;
use super::server::{Entry, Sim, authorized, now_rfc3339, problem, unauthorized};

/// Replicate's page size.
pub const PAGE_SIZE: usize = 100;

/// The listing's state: its settings and counters.
#[derive(Default)]
pub struct ListState {
    settings: Mutex<Settings>,
    /// Predictions made with `source: web`.
    web: Mutex<std::collections::HashSet<String>>,
    /// Listing reads answered 429, answered 500 by the fault, and made in all.
    pub throttled: AtomicU64,
    pub failed: AtomicU64,
    pub requests: AtomicU64,
    /// When the recent listing reads came (for the rate limit).
    recent: Mutex<Vec<Instant>>,
}

#[derive(Clone, Debug, Default)]
struct Settings {
    page_size: Option<usize>,
    /// Page N (1 = the first) of every listing answers 500.
    fail_page: Option<u32>,
    /// At most `max` listing reads in any `window`.
    rate_limit: Option<(u32, Duration)>,
}

/// A prediction made outside the stack.
#[derive(Debug, Clone, Deserialize)]
pub struct Outside {
    /// `starting`, `processing` (runs until cancelled), `succeeded`, `failed`, ...
    #[serde(default = "processing")]
    pub status: String,
    pub webhook: Option<String>,
    /// `api` (the default) or `web`.
    #[serde(default)]
    pub source: Option<String>,
    /// How long ago it was created (0: now).
    #[serde(default)]
    pub age_s: u64,
    #[serde(default = "one")]
    pub count: usize,
    #[serde(default = "imagen")]
    pub model: String,
}

fn processing() -> String {
    "processing".into()
}
fn one() -> usize {
    1
}
fn imagen() -> String {
    "google/imagen-4".into()
}

pub(super) fn routes() -> Router<Arc<Sim>> {
    Router::new()
        .route("/v1/predictions", get(list))
        .route("/_sim/predictions", post(make))
        .route("/_sim/list", post(configure).get(counters))
}

impl SimHandle {
    /// Makes predictions no job of this stack created (see [`Outside`]); their ids, newest last.
    pub fn make_predictions(&self, o: &Outside) -> Vec<String> {
        make_outside(&self.sim, o)
    }

    /// Page `page` (1 = the first) of every listing answers 500 (`None`: none).
    pub fn fail_list_page(&self, page: Option<u32>) {
        self.sim.list.settings.lock().unwrap().fail_page = page;
    }

    /// Listing reads beyond `max` in any `window` answer 429 (`None`: no limit).
    pub fn set_list_rate_limit(&self, limit: Option<(u32, Duration)>) {
        self.sim.list.settings.lock().unwrap().rate_limit = limit;
    }

    /// Another page size than Replicate's 100 (tests that page through few predictions).
    pub fn set_list_page_size(&self, size: Option<usize>) {
        self.sim.list.settings.lock().unwrap().page_size = size;
    }

    /// Listing reads: (made, answered 429, failed by the fault).
    pub fn list_counters(&self) -> (u64, u64, u64) {
        let l = &self.sim.list;
        (
            l.requests.load(Ordering::Relaxed),
            l.throttled.load(Ordering::Relaxed),
            l.failed.load(Ordering::Relaxed),
        )
    }
}

fn make_outside(sim: &Arc<Sim>, o: &Outside) -> Vec<String> {
    let schema = sim.cfg.schemas.get(&o.model).or_else(|| sim.cfg.schemas.get("google/imagen-4"));
    let schema = Arc::new(schema.cloned().expect("the simulator knows google/imagen-4"));
    let status = PredictionStatus::from(o.status.as_str());
    let created = chrono::Utc::now() - chrono::Duration::seconds(o.age_s as i64);
    let mut ids = Vec::new();
    for i in 0..o.count {
        let id = sim.new_id();
        // Distinct times, the last one made the newest.
        let at = created - chrono::Duration::milliseconds((o.count - i) as i64);
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let pred = Prediction {
            id: id.clone(),
            model: o.model.clone(),
            version: Some("hidden".into()),
            input: json!({"prompt": "made outside the stack"}),
            output: Value::Null,
            error: None,
            status: status.clone(),
            logs: None,
            created_at: Some(at.clone()),
            started_at: (status != PredictionStatus::Starting).then(|| at.clone()),
            completed_at: status.is_terminal().then(now_rfc3339),
            deadline: None,
            metrics: None,
            data_removed: false,
            urls: sim.prediction_urls(&id),
            source: None,
            webhook: None,
        };
        if o.source.as_deref() == Some("web") {
            sim.list.web.lock().unwrap().insert(id.clone());
        }
        sim.preds.lock().unwrap().insert(
            id.clone(),
            Entry {
                pred,
                webhook: o.webhook.clone(),
                // No webhook events: its end concerns no job of this stack.
                events: Vec::new(),
                fault: None,
                schema: schema.clone(),
                files: Vec::new(),
                start_snapshot: None,
                drops_left: 0,
                cancels_throttled_left: 0,
            },
        );
        ids.push(id);
    }
    ids
}

async fn make(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    match serde_json::from_slice::<Outside>(&body) {
        Ok(o) => axum::Json(json!({ "ids": make_outside(&sim, &o) })).into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, "Invalid JSON", &e.to_string()),
    }
}

#[derive(Deserialize)]
struct Configure {
    page_size: Option<usize>,
    fail_page: Option<u32>,
    /// `[max, window_ms]`.
    rate_limit: Option<(u32, u64)>,
}

async fn configure(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let c: Configure = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "Invalid JSON", &e.to_string()),
    };
    *sim.list.settings.lock().unwrap() = Settings {
        page_size: c.page_size,
        fail_page: c.fail_page,
        rate_limit: c.rate_limit.map(|(m, w)| (m, Duration::from_millis(w))),
    };
    counters(State(sim)).await
}

async fn counters(State(sim): State<Arc<Sim>>) -> Response {
    let l = &sim.list;
    axum::Json(json!({
        "requests": l.requests.load(Ordering::Relaxed),
        "throttled": l.throttled.load(Ordering::Relaxed),
        "failed": l.failed.load(Ordering::Relaxed),
    }))
    .into_response()
}

#[derive(Deserialize)]
struct ListQuery {
    created_after: Option<String>,
    created_before: Option<String>,
    /// `<page>|<created_at>|<id>` of the last prediction of the previous page.
    cursor: Option<String>,
}

/// Whether a listing read now goes over the rate limit (and counts it when not).
fn over_limit(l: &ListState, limit: Option<(u32, Duration)>) -> bool {
    let Some((max, window)) = limit else { return false };
    let now = Instant::now();
    let mut recent = l.recent.lock().unwrap();
    recent.retain(|t| now.duration_since(*t) < window);
    if recent.len() >= max as usize {
        return true;
    }
    recent.push(now);
    false
}

async fn list(State(sim): State<Arc<Sim>>, Query(q): Query<ListQuery>, headers: HeaderMap) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    let l = &sim.list;
    l.requests.fetch_add(1, Ordering::Relaxed);
    let settings = l.settings.lock().unwrap().clone();
    if over_limit(l, settings.rate_limit) {
        l.throttled.fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "1")],
            axum::Json(json!({"detail": "Request was throttled. Your rate limit resets in ~1s."})),
        )
            .into_response();
    }
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&chrono::Utc));
    let after = q.created_after.as_deref().map(parse);
    let before = q.created_before.as_deref().map(parse);
    if matches!(after, Some(None)) || matches!(before, Some(None)) {
        return super::server::invalid("created_after and created_before must be RFC 3339 times");
    }
    let (page, cursor) = match q.cursor.as_deref().map(|c| c.splitn(3, '|').collect::<Vec<_>>()) {
        None => (1u32, None),
        Some(parts) if parts.len() == 3 => match parts[0].parse::<u32>() {
            Ok(n) => (n, Some((parts[1].to_string(), parts[2].to_string()))),
            Err(_) => return super::server::invalid("bad cursor"),
        },
        Some(_) => return super::server::invalid("bad cursor"),
    };
    if settings.fail_page == Some(page) {
        l.failed.fetch_add(1, Ordering::Relaxed);
        return problem(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error",
            "simulator fault: list page",
        );
    }
    let web = l.web.lock().unwrap().clone();
    let mut all: Vec<Prediction> = sim
        .preds
        .lock()
        .unwrap()
        .values()
        .map(|e| {
            let mut p = e.pred.clone();
            p.source = Some(if web.contains(&p.id) { "web" } else { "api" }.into());
            p.webhook = e.webhook.clone();
            p
        })
        .filter(|p| {
            let t = p.created_at.as_deref().and_then(parse);
            after.flatten().is_none_or(|a| t.is_some_and(|t| t >= a)) && before.flatten().is_none_or(|b| t.is_some_and(|t| t <= b))
        })
        .collect();
    let key = |p: &Prediction| (p.created_at_utc(), p.id.clone());
    all.sort_by_key(|p| std::cmp::Reverse(key(p)));
    if let Some((at, id)) = &cursor {
        let at = parse(at);
        all.retain(|p| key(p) < (at, id.clone()));
    }
    let size = settings.page_size.unwrap_or(PAGE_SIZE).max(1);
    let more = all.len() > size;
    all.truncate(size);
    let next = more.then(|| {
        let last = all.last().expect("a full page");
        let cursor = format!("{}|{}|{}", page + 1, last.created_at.clone().unwrap_or_default(), last.id);
        let mut url = url::Url::parse(&format!("{}/predictions", sim.api_base)).expect("the API base is a URL");
        {
            let mut qp = url.query_pairs_mut();
            if let Some(a) = &q.created_after {
                qp.append_pair("created_after", a);
            }
            if let Some(b) = &q.created_before {
                qp.append_pair("created_before", b);
            }
            qp.append_pair("cursor", &cursor);
        }
        url.to_string()
    });
    axum::Json(json!({ "previous": Value::Null, "next": next, "results": all })).into_response()
}
