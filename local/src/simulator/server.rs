//! HTTP routes and shared state of the simulator.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use shared::replicate::{Prediction, PredictionUrls, WebhookEvent, WebhookSecret};

use super::billing::{Bill, Pricing};
use super::codec::Format;
use super::fault::Fault;
use super::schema::ModelSchema;
use super::video::{self, Delivery, OutBody};
use super::{SimConfig, WebhookDelivery, lifecycle};

#[derive(Default)]
pub(super) struct Stats {
    pub predictions_created: AtomicU64,
    pub creates_throttled: AtomicU64,
    /// Cancel calls answered 429 (`throttle-cancel`).
    pub cancels_throttled: AtomicU64,
    pub webhook_attempts: AtomicU64,
    pub webhooks_delivered: AtomicU64,
    /// Output files whose whole body was sent.
    pub outputs_served: AtomicU64,
    /// Downloads cut mid-body (`drop-output`).
    pub outputs_cut: AtomicU64,
    /// Creates that came back sooner than the `Retry-After` their prompt's last 429 named.
    pub early_retries: AtomicU64,
    /// Requests that followed a `redirect-output` redirect to the other host.
    pub redirects_followed: AtomicU64,
}

/// One output file, served at `/files/{id}/{n}.{ext}`.
#[derive(Clone)]
pub(super) struct OutFile {
    pub body: OutBody,
    pub ext: &'static str,
    pub content_type: &'static str,
}

impl OutFile {
    pub fn image(bytes: Vec<u8>, format: Format) -> Self {
        Self {
            body: OutBody::Bytes(Bytes::from(bytes)),
            ext: format.ext(),
            content_type: format.content_type(),
        }
    }

    /// A PNG padded to `total` bytes, streamed ([`OutBody::padded_png`]).
    pub fn padded_png(png: Vec<u8>, total: u64) -> Self {
        Self {
            body: OutBody::padded_png(png, total),
            ext: "png",
            content_type: "image/png",
        }
    }
}

pub(super) struct Entry {
    pub pred: Prediction,
    pub webhook: Option<String>,
    pub events: Vec<WebhookEvent>,
    pub fault: Option<Fault>,
    /// The model's schema (output shape, source inputs, upscale factor).
    pub schema: Arc<ModelSchema>,
    pub files: Vec<OutFile>,
    /// Snapshot of the prediction when it started processing (for the `start` webhook).
    pub start_snapshot: Option<Prediction>,
    /// Downloads still to be cut mid-body (the `drop-output` fault: the first one).
    pub drops_left: u32,
    /// Cancels still to be answered 429 (the `throttle-cancel` fault).
    pub cancels_throttled_left: u32,
}

impl Entry {
    pub fn wants(&self, event: WebhookEvent) -> bool {
        self.webhook.is_some() && self.events.contains(&event)
    }
}

pub(super) struct Sim {
    pub cfg: SimConfig,
    pub secret: WebhookSecret,
    pub api_base: String,
    pub origin: String,
    pub preds: Mutex<HashMap<String, Entry>>,
    /// Runtime fault and how many predictions (or creates, for throttle) it still applies to.
    pub runtime_fault: Mutex<Option<(Fault, u32)>>,
    /// Prompt → how many creates with a `[sim:throttle:N]` marker were throttled so far.
    pub throttled_prompts: Mutex<HashMap<String, u32>>,
    /// `Retry-After` of a throttled create, in seconds (1 unless a test sets it).
    pub throttle_retry_after_s: AtomicU64,
    /// Prompt → when its last 429 said it could come back.
    pub throttled_until: Mutex<HashMap<String, std::time::Instant>>,
    pub stats: Stats,
    pub deliveries: Mutex<Vec<WebhookDelivery>>,
    /// False while `slow-output` bodies are held; [`Sim::release_outputs`] sets it.
    pub outputs_released: tokio::sync::watch::Sender<bool>,
    /// False while `hold-webhook` completions are held; [`Sim::release_webhooks`] sets it.
    pub webhooks_released: tokio::sync::watch::Sender<bool>,
    /// Size of `oversize-output` files.
    pub oversize_bytes: AtomicU64,
    /// How long every API answer (`/v1/*`) is held back: a slow provider (0: none).
    pub api_delay_ms: AtomicU64,
    /// What Replicate would charge for each model ([`super::billing`]).
    pub pricing: Pricing,
    /// What Replicate would have billed so far, one entry per finished prediction.
    pub ledger: Mutex<Vec<Bill>>,
    pub http: reqwest::Client,
    /// `GET /v1/predictions`'s settings and counters (super::list).
    pub list: super::list::ListState,
    /// For source downloads (its own timeout; no redirects either).
    pub source_http: reqwest::Client,
    next_id: AtomicU64,
    id_salt: u64,
}

impl Sim {
    pub fn new(cfg: SimConfig, secret: WebhookSecret, addr: SocketAddr) -> Self {
        use std::hash::{BuildHasher, Hasher};
        let origin = format!("http://{addr}");
        let oversize_bytes = AtomicU64::new(cfg.oversize_bytes);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(cfg.webhook_timeout)
            .user_agent("replicate-simulator")
            .build()
            .expect("reqwest client");
        let source_http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(cfg.source_timeout)
            .user_agent("replicate-simulator")
            .build()
            .expect("reqwest client");
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u16(addr.port());
        Self {
            api_base: format!("{origin}/v1"),
            origin,
            cfg,
            secret,
            preds: Mutex::default(),
            runtime_fault: Mutex::default(),
            throttled_prompts: Mutex::default(),
            throttle_retry_after_s: AtomicU64::new(1),
            api_delay_ms: AtomicU64::new(0),
            throttled_until: Mutex::default(),
            stats: Stats::default(),
            deliveries: Mutex::default(),
            outputs_released: tokio::sync::watch::Sender::new(false),
            webhooks_released: tokio::sync::watch::Sender::new(false),
            oversize_bytes,
            list: Default::default(),
            pricing: Pricing::builtin(),
            ledger: Mutex::default(),
            http,
            source_http,
            next_id: AtomicU64::new(1),
            id_salt: h.finish(),
        }
    }

    /// Lets every held (`slow-output`) body go, now and from now on.
    pub fn release_outputs(&self) {
        self.outputs_released.send_replace(true);
    }

    /// Sends every held (`hold-webhook`) `completed` webhook, now and from now on.
    pub fn release_webhooks(&self) {
        self.webhooks_released.send_replace(true);
    }

    pub fn set_fault(&self, fault: Option<Fault>, count: u32) {
        *self.runtime_fault.lock().unwrap() = fault.filter(|_| count > 0).map(|f| (f, count));
    }

    pub fn remove_data(&self, id: &str) -> bool {
        let mut preds = self.preds.lock().unwrap();
        let Some(e) = preds.get_mut(id) else {
            return false;
        };
        e.files.clear();
        e.pred.output = Value::Null;
        e.pred.input = json!({});
        e.pred.logs = None;
        e.pred.data_removed = true;
        true
    }

    /// Replicate-looking id: 26 lowercase base32 characters, unique per instance.
    pub(super) fn new_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let d: [u8; 32] = Sha256::new()
            .chain_update(self.id_salt.to_le_bytes())
            .chain_update(n.to_le_bytes())
            .finalize()
            .into();
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        // 21 hashed characters + 5 from the counter keep ids unique even on a hash collision.
        let mut id: String = d.iter().take(21).map(|b| ALPHABET[(b & 31) as usize] as char).collect();
        for i in 0..5 {
            id.push(ALPHABET[((n >> (5 * i)) & 31) as usize] as char);
        }
        id
    }

    pub(super) fn prediction_urls(&self, id: &str) -> PredictionUrls {
        PredictionUrls {
            get: Some(format!("{}/predictions/{id}", self.api_base)),
            cancel: Some(format!("{}/predictions/{id}/cancel", self.api_base)),
            web: Some(format!("{}/p/{id}", self.origin)),
            stream: None,
        }
    }

    /// Which fault a new prediction gets (after throttling was decided): prompt marker, then
    /// the runtime switch (consumed), then the default.
    pub(super) fn pick_fault(&self, marker: Option<Fault>) -> Option<Fault> {
        if let Some(f) = marker.filter(|f| !f.refuses_create()) {
            return Some(f);
        }
        let mut rt = self.runtime_fault.lock().unwrap();
        if let Some((f, n)) = *rt
            && !f.refuses_create()
        {
            *rt = (n > 1).then_some((f, n - 1));
            return Some(f);
        }
        self.cfg.default_fault.filter(|f| !f.refuses_create())
    }

    /// Whether this create is refused with `kind` (a fault that makes no prediction:
    /// `throttle`, `unavailable`), per prompt marker count, runtime switch or default.
    pub(super) fn refuse(&self, kind: Fault, prompt: &str, marker: Option<(Fault, u32)>) -> bool {
        if let Some((f, times)) = marker
            && f == kind
        {
            let mut seen = self.throttled_prompts.lock().unwrap();
            let n = seen.entry(format!("{kind}:{prompt}")).or_insert(0);
            if *n < times {
                *n += 1;
                return true;
            }
            return false;
        }
        let mut rt = self.runtime_fault.lock().unwrap();
        if let Some((f, n)) = *rt
            && f == kind
        {
            *rt = (n > 1).then_some((f, n - 1));
            return true;
        }
        self.cfg.default_fault == Some(kind)
    }
}

pub(super) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/v1/models/{owner}/{name}/predictions", post(super::create::create_official))
        .route("/v1/predictions", post(super::create::create_versioned))
        .route("/v1/models/{owner}/{name}", get(super::models::get_model))
        .route("/v1/models/{owner}/{name}/versions/{id}", get(super::models::get_version))
        .route("/v1/predictions/{id}", get(read))
        .route("/v1/predictions/{id}/cancel", post(cancel))
        .route("/v1/webhooks/default/secret", get(secret))
        .route("/files/{id}/{file}", get(file))
        .route("/elsewhere/{id}/{file}", get(elsewhere))
        .route("/_sim/fault", post(set_fault).get(get_fault))
        .route("/_sim/stats", get(stats))
        .merge(super::list::routes())
        .route("/_sim/ledger", get(ledger))
        .layer(axum::middleware::from_fn_with_state(sim.clone(), slow_api))
        .layer(DefaultBodyLimit::max(16 * 1024 * 1024))
        .with_state(sim)
}

/// A slow provider: every `/v1/*` answer held back by [`Sim::api_delay_ms`].
async fn slow_api(State(sim): State<Arc<Sim>>, req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let ms = sim.api_delay_ms.load(Ordering::Relaxed);
    if ms > 0 && req.uri().path().starts_with("/v1/") {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    next.run(req).await
}

pub(super) fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        axum::Json(json!({"title": title, "detail": detail, "status": status.as_u16()})),
    )
        .into_response()
}

pub(super) fn unauthorized() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "Unauthenticated",
        "You did not pass a valid authentication token",
    )
}

pub(super) fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "Not found", "The requested resource could not be found.")
}

pub(super) fn invalid(detail: &str) -> Response {
    problem(StatusCode::UNPROCESSABLE_ENTITY, "Input validation failed", detail)
}

pub(super) fn authorized(sim: &Sim, headers: &HeaderMap) -> bool {
    let Some(v) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some(token) = v.strip_prefix("Bearer ") else {
        return false;
    };
    // Constant-time enough for a local simulator, but do it properly anyway.
    let (a, b) = (token.trim().as_bytes(), sim.cfg.api_token.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn read(State(sim): State<Arc<Sim>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    match sim.preds.lock().unwrap().get(&id) {
        Some(e) => axum::Json(e.pred.clone()).into_response(),
        None => not_found(),
    }
}

async fn cancel(State(sim): State<Arc<Sim>>, Path(id): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    let throttled = sim.preds.lock().unwrap().get_mut(&id).is_some_and(|e| {
        let refuse = e.cancels_throttled_left > 0 && !e.pred.status.is_terminal();
        e.cancels_throttled_left -= u32::from(refuse);
        refuse
    });
    if throttled {
        sim.stats.cancels_throttled.fetch_add(1, Ordering::Relaxed);
        let wait = sim.throttle_retry_after_s.load(Ordering::Relaxed);
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            axum::Json(json!({"detail": format!("Request was throttled. Your rate limit resets in ~{wait}s.")})),
        )
            .into_response();
    }
    match lifecycle::cancel(&sim, &id) {
        Some(p) => axum::Json(p).into_response(),
        None => not_found(),
    }
}

async fn secret(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    if !authorized(&sim, &headers) {
        return unauthorized();
    }
    axum::Json(json!({"key": sim.secret.to_whsec()})).into_response()
}

/// Where `redirect-output` sends its downloads: counts them and serves nothing.
async fn elsewhere(State(sim): State<Arc<Sim>>) -> Response {
    sim.stats.redirects_followed.fetch_add(1, Ordering::Relaxed);
    (StatusCode::OK, [(header::CONTENT_TYPE, "image/png")], "followed").into_response()
}

async fn file(State(sim): State<Arc<Sim>>, Path((id, file)): Path<(String, String)>) -> Response {
    let Some((n, ext)) = file.split_once('.') else {
        return not_found();
    };
    let Ok(n) = n.parse::<usize>() else {
        return not_found();
    };
    let found = {
        let mut preds = sim.preds.lock().unwrap();
        preds.get_mut(&id).and_then(|e| {
            let f = e.files.get(n).cloned()?;
            let delivery = match e.fault {
                Some(Fault::SlowOutput) => Delivery::HeldUntilReleased,
                Some(Fault::DropOutput) if e.drops_left > 0 => {
                    e.drops_left -= 1;
                    sim.stats.outputs_cut.fetch_add(1, Ordering::Relaxed);
                    Delivery::Dropped
                }
                _ => Delivery::Normal,
            };
            Some((
                f,
                delivery,
                e.fault == Some(Fault::UnsizedOutput),
                e.fault == Some(Fault::RedirectOutput),
            ))
        })
    };
    if let Some((_, _, _, true)) = found {
        // The same server under another host name: a client that follows this left the origin.
        let port = sim.origin.rsplit(':').next().unwrap_or_default();
        let to = format!("http://localhost:{port}/elsewhere/{id}/{file}");
        return (StatusCode::FOUND, [(header::LOCATION, to)], "").into_response();
    }
    match found {
        Some((f, delivery, no_length, _)) if f.ext == ext => {
            let mut resp = (
                [
                    (header::CONTENT_TYPE, f.content_type.to_string()),
                    (header::CACHE_CONTROL, "private, max-age=3600".to_string()),
                ],
                video::body(sim.clone(), &f.body, delivery),
            )
                .into_response();
            if !no_length {
                resp.headers_mut().insert(header::CONTENT_LENGTH, f.body.len().into());
            }
            resp
        }
        _ => not_found(),
    }
}

#[derive(Deserialize)]
struct FaultRequest {
    fault: Option<String>,
    count: Option<u32>,
    /// Size of `oversize-output` files from now on.
    oversize_bytes: Option<u64>,
}

async fn set_fault(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    let req: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "Invalid JSON", &e.to_string()),
    };
    let fault = match req.fault.as_deref().map(str::parse::<Fault>) {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(e)) => return invalid(&e.to_string()),
    };
    sim.set_fault(fault, req.count.unwrap_or(1));
    if let Some(b) = req.oversize_bytes {
        sim.oversize_bytes.store(b, Ordering::Relaxed);
    }
    get_fault(State(sim)).await
}

async fn get_fault(State(sim): State<Arc<Sim>>) -> Response {
    let rt = *sim.runtime_fault.lock().unwrap();
    axum::Json(json!({
        "fault": rt.map(|(f, _)| f),
        "remaining": rt.map_or(0, |(_, n)| n),
        "default_fault": sim.cfg.default_fault,
    }))
    .into_response()
}

async fn stats(State(sim): State<Arc<Sim>>) -> Response {
    let s = &sim.stats;
    axum::Json(json!({
        "predictions_created": s.predictions_created.load(Ordering::Relaxed),
        "creates_throttled": s.creates_throttled.load(Ordering::Relaxed),
        "cancels_throttled": s.cancels_throttled.load(Ordering::Relaxed),
        "webhook_attempts": s.webhook_attempts.load(Ordering::Relaxed),
        "webhooks_delivered": s.webhooks_delivered.load(Ordering::Relaxed),
        "outputs_served": s.outputs_served.load(Ordering::Relaxed),
        "outputs_cut": s.outputs_cut.load(Ordering::Relaxed),
        "early_retries": s.early_retries.load(Ordering::Relaxed),
        "redirects_followed": s.redirects_followed.load(Ordering::Relaxed),
    }))
    .into_response()
}

/// What Replicate would have billed so far (`GET /_sim/ledger`), oldest first.
async fn ledger(State(sim): State<Arc<Sim>>) -> Response {
    axum::Json(sim.ledger.lock().unwrap().clone()).into_response()
}
