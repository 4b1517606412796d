//! Hand-written client for Replicate's HTTP API (see `docs/replicate.md` in the team handbook).
//!
//! * [`ReplicateClient`] creates, reads and cancels predictions of official models
//!   (`POST /v1/models/{owner}/{name}/predictions`, never with a `version`), with Bearer auth,
//!   a `Cancel-After` deadline, a per-request timeout and bounded retries (429 on every method,
//!   honouring `Retry-After`; 5xx on GET only).
//! * [`types`] holds the prediction JSON model: [`Prediction`], [`PredictionStatus`] (with a
//!   catch-all so a new status never breaks parsing), [`ModelRef`], [`WebhookEvent`].
//! * [`models`] reads a model (`is_official`, `latest_version` with its `openapi_schema`) and one
//!   of its versions, for `make catalog-check`.
//! * [`webhook`] verifies (and, for the simulator and tests, signs) Standard Webhooks signatures.
//!
//! This module is self-contained: it depends on external crates only.

pub mod client;
pub mod error;
pub mod models;
pub mod types;
pub mod webhook;

pub use client::{ApiToken, DEFAULT_MAX_RETRY_WAIT, ReplicateClient};
pub use error::ReplicateError;
pub use models::{ModelInfo, VersionInfo};
pub use types::{Metrics, ModelRef, Prediction, PredictionPage, PredictionStatus, PredictionUrls, WebhookEvent};
pub use webhook::{SignatureError, WebhookSecret};
