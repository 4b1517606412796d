//! A Replicate-compatible HTTP server for the local stack and the tests.
//!
//! It speaks the subset of Replicate's API that `shared::replicate::ReplicateClient` uses:
//!
//! | route | |
//! |---|---|
//! | `POST /v1/models/{owner}/{name}/predictions` | create for an official model (201, `starting`); a body field other than `input`, `webhook`, `webhook_events_filter`, `stream` (e.g. `version`) → 422; a model that is not an official one of the schema fixture → 404 |
//! | `POST /v1/predictions` | create for a community model: `version` = `<64-hex>` or `owner/name:<64-hex>`; unknown → 422 `Invalid version or not permitted` |
//! | `GET /v1/predictions` | the account's predictions, newest first, 100 a page with a `next` cursor URL; `created_after`/`created_before`; each with `source` and `webhook` ([`list`]) |
//! | `GET /v1/predictions/{id}` | read |
//! | `POST /v1/predictions/{id}/cancel` | cancel (`throttle-cancel`: 429 first) |
//! | `GET /v1/models/{owner}/{name}` | the model: `is_official`, `latest_version` with its `openapi_schema` in Cog's shape ([`models`]) |
//! | `GET /v1/models/{owner}/{name}/versions/{id}` | that version (404 unless it is the latest) |
//! | `GET /v1/webhooks/default/secret` | `{"key": "whsec_..."}` |
//! | `GET /files/{id}/{n}.{png,jpg,webp,mp4}` | the outputs (no auth, like `replicate.delivery`) |
//! | `POST /_sim/fault` | `{"fault": "fail"\|...\|null, "count": n, "oversize_bytes"?: b}`: fault for the next n predictions |
//! | `GET /_sim/fault`, `GET /_sim/stats` | current runtime fault; counters |
//! | `POST /_sim/predictions` | predictions made outside the stack ([`list::Outside`]: an orphan, a web-console run) |
//! | `POST /_sim/list`, `GET /_sim/list` | `{"page_size"?, "fail_page"?, "rate_limit"?: [max, window_ms]}` for the listing; its counters |
//! | `GET /_sim/ledger` | what Replicate would have billed, one entry per finished prediction ([`billing`]) |
//!
//! `/v1/*` needs `Authorization: Bearer <SimConfig::api_token>` (401 otherwise).
//!
//! Every model has an input schema in [`schemas.json`](schema) (written from Replicate's model
//! pages, kept apart from the product's catalog): the `input` is checked against it like Replicate
//! does (unknown name, wrong type, value outside the enum or range, missing required input → 422
//! with `invalid_fields`, no prediction), and so are the combinations its `refuses` lists
//! ([`refuse`]: Veo's reference images with a start frame, say). Adding a model to the product
//! is one catalog entry plus its entry in that fixture ([`SimConfig::schemas`] takes more, e.g. a
//! test's own model).
//!
//! A prediction goes `starting` → (after `step_delay`) `processing` → (after `step_delay`)
//! `succeeded` with real images, or `failed`. Every URI input is downloaded first (size cap,
//! timeout, no redirects; a failure fails the prediction). With no source the picture is drawn
//! from the prompt ([`image`]); an edit is the first source tinted by the prompt at the source's
//! size, a restoration the first source upscaled by the real factor ([`derive`]). Text-to-image
//! files are PNG; files derived from a source are PNG unless the input has `output_format` `jpg`
//! or `webp`. The output is a list when the schema says so (or when a fault gives several
//! images), else one URL. Webhooks
//! (`start`, `completed`, as asked by `webhook_events_filter`; all when absent) are POSTed to the
//! create body's `webhook` URL, signed with Standard Webhooks (`webhook-id` stable per
//! prediction and event: `msg_{prediction}_{event}`), never following redirects; `completed` is
//! retried on non-2xx with the delays of [`SimConfig::webhook_retry_delays`]. A `Cancel-After`
//! header sets `deadline`: a prediction still running then becomes `canceled` (`aborted` if it
//! never started).
//!
//! A language model (schema `output: text`) answers deterministic prompt rewrites as a list of
//! text pieces ([`text`]) with `input_token_count`/`output_token_count` metrics. A create with
//! `Prefer: wait=N` is answered once the prediction finished or N seconds passed (`stall` makes
//! the wait run out).
//! A video model (`"output_media": "video"` in the schema fixture: Veo 3.1) downloads its
//! frame inputs (`image`, `last_frame`, `reference_images`) the same way, then returns the
//! compiled-in MP4 of the requested `duration` and `aspect_ratio` ([`video`]).
//!
//! Every finished prediction reports metrics shaped like Replicate's and is entered in the
//! simulator's own ledger of what Replicate would bill for it ([`billing`]).
//!
//! Faults ([`Fault`]): a `[sim:fail]`-style marker in the prompt (`[sim:throttle:N]` throttles,
//! `[sim:unavailable:N]` answers 502 without a prediction to,
//! the first N creates with that prompt), a runtime switch for the next n predictions, or
//! [`SimConfig::default_fault`] for all of them, in that order of precedence.

pub mod billing;
pub mod codec;
mod create;
pub mod derive;
mod fault;
pub mod image;
mod lifecycle;
pub mod list;
pub mod models;
pub mod refuse;
pub mod schema;
mod server;
mod source;
mod text;
pub mod video;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use shared::replicate::{Prediction, WebhookEvent, WebhookSecret};

pub use billing::Bill;
pub use fault::{Fault, UnknownFault, from_prompt as fault_from_prompt};
pub use schema::{ModelSchema, Schemas};

/// Token the simulator accepts when none is configured. Not a secret: local use only.
pub const DEFAULT_API_TOKEN: &str = "r8_simulator_local_token";

/// Configuration of a simulator instance.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The Bearer token `/v1/*` requires.
    pub api_token: String,
    /// Webhook signing secret, `whsec_<base64>`; served at `GET /v1/webhooks/default/secret`.
    pub webhook_secret: String,
    /// Delay between `starting` → `processing` and `processing` → done.
    pub step_delay: Duration,
    /// Fault applied to every prediction that has no marker and no runtime fault.
    pub default_fault: Option<Fault>,
    /// Waits between the tries of a `completed` webhook (so 1 + len tries in all).
    pub webhook_retry_delays: Vec<Duration>,
    /// Timeout of one webhook POST.
    pub webhook_timeout: Duration,
    /// Long side of the generated images, in pixels.
    pub image_long_side: u32,
    /// The models and their input schemas ([`Schemas::builtin`]: `schemas.json`).
    pub schemas: Arc<Schemas>,
    /// Largest source file downloaded, in bytes.
    pub source_max_bytes: u64,
    /// Timeout of one source download.
    pub source_timeout: Duration,
    /// Size of the MP4 (or of each padded PNG) an `oversize-output` prediction returns (600 MB
    /// unless set).
    pub oversize_bytes: u64,
}

impl SimConfig {
    /// A configuration with the given token, a fresh random webhook secret, 200 ms steps,
    /// no fault, webhook retries after 0.25, 0.5, 1 and 2 s, the built-in schemas, sources up to
    /// 32 MiB fetched within 20 s.
    pub fn new(api_token: impl Into<String>) -> Self {
        Self {
            api_token: api_token.into(),
            webhook_secret: random_secret().to_whsec(),
            step_delay: Duration::from_millis(200),
            default_fault: None,
            webhook_retry_delays: [250, 500, 1000, 2000].map(Duration::from_millis).to_vec(),
            webhook_timeout: Duration::from_secs(5),
            image_long_side: 768,
            schemas: Arc::new(Schemas::builtin()),
            source_max_bytes: 32 * 1024 * 1024,
            source_timeout: Duration::from_secs(20),
            oversize_bytes: 600_000_000,
        }
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self::new(DEFAULT_API_TOKEN)
    }
}

/// Counters, for tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SimStats {
    /// Predictions created (201 answers).
    pub predictions_created: u64,
    /// Create calls answered 429.
    pub creates_throttled: u64,
    /// Cancel calls answered 429 (`throttle-cancel`).
    pub cancels_throttled: u64,
    /// Webhook POSTs attempted (each retry counts).
    pub webhook_attempts: u64,
    /// Webhook POSTs answered 2xx.
    pub webhooks_delivered: u64,
    /// Output files whose whole body was sent (a held or cut download doesn't count).
    pub outputs_served: u64,
    /// Downloads cut mid-body by the `drop-output` fault.
    pub outputs_cut: u64,
    /// Creates that came back sooner than the `Retry-After` of their prompt's last 429.
    pub early_retries: u64,
    /// Downloads that followed a `redirect-output` redirect to the other host.
    pub redirects_followed: u64,
}

/// One webhook POST the simulator made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WebhookDelivery {
    pub prediction_id: String,
    pub event: WebhookEvent,
    pub webhook_id: String,
    /// 1 for the first try of this delivery.
    pub attempt: u32,
    /// The receiver's status, `None` when the request failed (refused, timeout).
    pub status: Option<u16>,
}

/// A running simulator. Dropping the handle leaves the server running; call
/// [`SimHandle::shutdown`] to stop it.
pub struct SimHandle {
    sim: Arc<server::Sim>,
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl SimHandle {
    /// API root for `ReplicateClient::new`, e.g. `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        self.sim.api_base.clone()
    }

    /// `http://127.0.0.1:PORT` (output files live under `/files/`).
    pub fn origin(&self) -> String {
        self.sim.origin.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_token(&self) -> &str {
        &self.sim.cfg.api_token
    }

    /// The webhook secret, `whsec_...`.
    pub fn webhook_secret(&self) -> &str {
        &self.sim.cfg.webhook_secret
    }

    /// Applies `fault` to the next `count` predictions (for `Throttle`: the next `count`
    /// creates answer 429). `None` clears the runtime fault.
    pub fn set_fault(&self, fault: Option<Fault>, count: u32) {
        self.sim.set_fault(fault, count);
    }

    pub fn stats(&self) -> SimStats {
        let s = &self.sim.stats;
        SimStats {
            predictions_created: s.predictions_created.load(Ordering::Relaxed),
            creates_throttled: s.creates_throttled.load(Ordering::Relaxed),
            cancels_throttled: s.cancels_throttled.load(Ordering::Relaxed),
            webhook_attempts: s.webhook_attempts.load(Ordering::Relaxed),
            webhooks_delivered: s.webhooks_delivered.load(Ordering::Relaxed),
            outputs_served: s.outputs_served.load(Ordering::Relaxed),
            outputs_cut: s.outputs_cut.load(Ordering::Relaxed),
            early_retries: s.early_retries.load(Ordering::Relaxed),
            redirects_followed: s.redirects_followed.load(Ordering::Relaxed),
        }
    }

    /// The `Retry-After` (whole seconds, at least 1) that throttled creates answer from now on.
    pub fn set_throttle_retry_after(&self, secs: u64) {
        self.sim.throttle_retry_after_s.store(secs.max(1), Ordering::Relaxed);
    }

    /// Lets every `slow-output` body go (those held now and later ones).
    pub fn set_api_delay(&self, delay: Duration) {
        self.sim.api_delay_ms.store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    pub fn release_outputs(&self) {
        self.sim.release_outputs();
    }

    /// Sends every `hold-webhook` `completed` webhook (those held now and later ones).
    pub fn release_webhooks(&self) {
        self.sim.release_webhooks();
    }

    /// Size of `oversize-output` files from now on.
    pub fn set_oversize_bytes(&self, bytes: u64) {
        self.sim.oversize_bytes.store(bytes, Ordering::Relaxed);
    }

    /// Every webhook POST so far, in the order they were made.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.sim.deliveries.lock().unwrap().clone()
    }

    /// What Replicate would have billed so far, one entry per finished prediction (models of
    /// `billing.json` only), oldest first.
    pub fn ledger(&self) -> Vec<Bill> {
        self.sim.ledger.lock().unwrap().clone()
    }

    /// The current state of a prediction.
    pub fn prediction(&self, id: &str) -> Option<Prediction> {
        self.sim.preds.lock().unwrap().get(id).map(|e| e.pred.clone())
    }

    /// Every prediction made so far, oldest first.
    pub fn predictions(&self) -> Vec<Prediction> {
        let mut all: Vec<Prediction> = self.sim.preds.lock().unwrap().values().map(|e| e.pred.clone()).collect();
        all.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        all
    }

    /// Simulates Replicate's data removal (about an hour after completion on the real
    /// service): `output` becomes null, `data_removed` true, the files 404. Returns false for an
    /// unknown id.
    pub fn remove_data(&self, id: &str) -> bool {
        self.sim.remove_data(id)
    }

    /// Stops accepting requests. Background work already started may still finish.
    pub fn shutdown(&self) {
        self.task.abort();
    }
}

/// Starts the simulator on `listener` (spawned on the current tokio runtime) and returns at
/// once. URLs it hands out use the listener's address (`127.0.0.1` when bound to `0.0.0.0`).
///
/// # Panics
/// When `cfg.webhook_secret` is not a valid `whsec_<base64>` key.
pub async fn start(cfg: SimConfig, listener: tokio::net::TcpListener) -> SimHandle {
    let mut addr = listener.local_addr().expect("listener has a local address");
    if addr.ip().is_unspecified() {
        addr.set_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let secret = WebhookSecret::parse(&cfg.webhook_secret).expect("SimConfig::webhook_secret must be a whsec_<base64> key");
    let sim = Arc::new(server::Sim::new(cfg, secret, addr));
    let app = server::router(sim.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "replicate simulator stopped");
        }
    });
    tracing::info!(base_url = %sim.api_base, "replicate simulator listening");
    SimHandle { sim, addr, task }
}

/// A fresh random 24-byte key (no `rand` dependency: std's randomly seeded hasher, mixed
/// through SHA-256).
fn random_secret() -> WebhookSecret {
    use sha2::{Digest, Sha256};
    use std::hash::{BuildHasher, Hasher};
    let mut d = Sha256::new();
    for i in 0..4u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        d.update(h.finish().to_le_bytes());
    }
    d.update(format!("{:?}", std::time::SystemTime::now()).as_bytes());
    let key: [u8; 32] = d.finalize().into();
    WebhookSecret::from_bytes(&key[..24]).expect("non-empty key")
}
