//! The HTTP client.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ReplicateError;
use super::types::{ModelRef, Prediction, PredictionPage, WebhookEvent};
use super::webhook::WebhookSecret;

/// Default `Cancel-After` deadline sent with every create.
pub const DEFAULT_CANCEL_AFTER: Duration = Duration::from_secs(30 * 60);
/// Default number of tries per call (the first one included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Default cap on the total time spent waiting between tries of one call.
pub const DEFAULT_MAX_RETRY_WAIT: Duration = Duration::from_secs(20);
/// Default timeout of one HTTP request.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How much longer than its `Prefer: wait` a waiting create may take (the answer's own time).
pub const PREFER_WAIT_SLACK: Duration = Duration::from_secs(3);
/// Wait used for a 429 without a usable `Retry-After`.
const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(1);

/// A Replicate API token. `Debug` and `Display` never show it.
#[derive(Clone)]
pub struct ApiToken(String);

impl ApiToken {
    /// Wraps a token (surrounding whitespace, e.g. a trailing newline from a file, is removed).
    pub fn new(token: impl Into<String>) -> Self {
        let t: String = token.into();
        Self(t.trim().to_owned())
    }

    /// The token itself, for the `Authorization` header. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken(<redacted>)")
    }
}

impl fmt::Display for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Client for the subset of Replicate's API the backend uses. Cheap to clone.
///
/// Retries: a 429 is retried on every method after `Retry-After` (or 1 s), a 5xx or a
/// connection failure only on GET (with exponential backoff), up to `max_attempts` tries and
/// while the total wait stays within `max_retry_wait`. When the server asks for a longer wait,
/// the call returns [`ReplicateError::RateLimited`] at once so the caller can retry later.
#[derive(Clone)]
pub struct ReplicateClient {
    base: String,
    token: ApiToken,
    http: reqwest::Client,
    cancel_after: Option<Duration>,
    max_attempts: u32,
    max_retry_wait: Duration,
    request_timeout: Duration,
}

impl fmt::Debug for ReplicateClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplicateClient")
            .field("base", &self.base)
            .field("token", &self.token)
            .field("cancel_after", &self.cancel_after)
            .field("max_attempts", &self.max_attempts)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

#[derive(Deserialize)]
struct SecretBody {
    key: String,
}

impl ReplicateClient {
    /// `base_url` is the API root including `/v1`, e.g. `https://api.replicate.com/v1`
    /// (a trailing slash is ignored). Give `http` no redirect-following if you like; the
    /// client sets its own per-request timeout.
    pub fn new(base_url: &str, token: ApiToken, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            token,
            http,
            cancel_after: Some(DEFAULT_CANCEL_AFTER),
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            max_retry_wait: DEFAULT_MAX_RETRY_WAIT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// `Cancel-After` deadline sent on create (`None`: no header). Replicate's minimum is 5 s;
    /// shorter values are raised to 5 s.
    pub fn with_cancel_after(mut self, cancel_after: Option<Duration>) -> Self {
        self.cancel_after = cancel_after;
        self
    }

    /// Tries per call, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Cap on the total wait between tries of one call.
    pub fn with_max_retry_wait(mut self, wait: Duration) -> Self {
        self.max_retry_wait = wait;
        self
    }

    /// Timeout of each HTTP request.
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn cancel_after(&self) -> Option<Duration> {
        self.cancel_after
    }

    /// Creates a prediction of an official model:
    /// `POST {base}/models/{owner}/{name}/predictions` with `{input, webhook,
    /// webhook_events_filter}` (never `version`). `webhook_events_filter` is sent only with a
    /// webhook and a non-empty `events`. Retried only on 429.
    pub async fn create_prediction(
        &self,
        model: &ModelRef,
        input: Value,
        webhook: Option<&str>,
        events: &[WebhookEvent],
    ) -> Result<Prediction, ReplicateError> {
        let path = format!("/models/{}/{}/predictions", model.owner(), model.name());
        self.create(&path, json!({ "input": input }), webhook, events).await
    }

    /// [`Self::create_prediction`] with `Prefer: wait=N` (1–60 s): Replicate holds the answer
    /// until the prediction finished or `wait` passed, whichever comes first; the returned
    /// prediction may still be running. The request's own timeout is raised above `wait`.
    pub async fn create_prediction_waiting(
        &self,
        model: &ModelRef,
        input: Value,
        webhook: Option<&str>,
        events: &[WebhookEvent],
        wait: Duration,
    ) -> Result<Prediction, ReplicateError> {
        // Replicate holds the answer up to `wait`, then needs a moment to send it: the request
        // may take `wait` + PREFER_WAIT_SLACK, and all of it must fit in what the invocation has
        // left (crate::deadline), so the wait is cut to make room.
        let room = crate::deadline::bound(wait + PREFER_WAIT_SLACK).saturating_sub(PREFER_WAIT_SLACK);
        let secs = room.min(wait).as_secs().clamp(1, 60);
        let path = format!("/models/{}/{}/predictions", model.owner(), model.name());
        let client = self
            .clone()
            .with_request_timeout(self.request_timeout.max(Duration::from_secs(secs) + PREFER_WAIT_SLACK));
        let prefer = ("prefer", format!("wait={secs}"));
        client
            .create_with(&path, json!({ "input": input }), webhook, events, Some(prefer))
            .await
    }

    /// `POST {base}/predictions` with a pinned `version` (64 hex): how community models run.
    pub async fn create_version_prediction(
        &self,
        version: &str,
        input: Value,
        webhook: Option<&str>,
        events: &[WebhookEvent],
    ) -> Result<Prediction, ReplicateError> {
        if version.len() != 64 || !version.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ReplicateError::InvalidModel(format!("version {version:?}")));
        }
        self.create("/predictions", json!({ "version": version, "input": input }), webhook, events)
            .await
    }

    async fn create(&self, path: &str, body: Value, webhook: Option<&str>, events: &[WebhookEvent]) -> Result<Prediction, ReplicateError> {
        self.create_with(path, body, webhook, events, None).await
    }

    async fn create_with(
        &self,
        path: &str,
        mut body: Value,
        webhook: Option<&str>,
        events: &[WebhookEvent],
        extra: Option<(&'static str, String)>,
    ) -> Result<Prediction, ReplicateError> {
        if let Some(url) = webhook {
            body["webhook"] = json!(url);
            if !events.is_empty() {
                body["webhook_events_filter"] = json!(events);
            }
        }
        let mut headers = Vec::new();
        if let Some(d) = self.cancel_after {
            headers.push(("cancel-after", format_cancel_after(d)));
        }
        headers.extend(extra);
        let bytes = self.execute(Method::POST, path, Some(&body), &headers).await?;
        decode(&bytes)
    }

    /// `GET {base}/predictions/{id}`. Retried on 429, 5xx and connection failures.
    pub async fn get_prediction(&self, id: &str) -> Result<Prediction, ReplicateError> {
        check_id(id)?;
        let bytes = self.execute(Method::GET, &format!("/predictions/{id}"), None, &[]).await?;
        decode(&bytes)
    }

    /// `POST {base}/predictions/{id}/cancel`. Returns the prediction as it is after the cancel
    /// (already-finished predictions are returned unchanged). Retried only on 429.
    pub async fn cancel_prediction(&self, id: &str) -> Result<Prediction, ReplicateError> {
        check_id(id)?;
        let path = format!("/predictions/{id}/cancel");
        let bytes = self.execute(Method::POST, &path, None, &[]).await?;
        decode(&bytes)
    }

    /// One page of `GET {base}/predictions` (100, newest first; web and API predictions):
    /// the first page of those created in `[created_after, created_before]` (RFC 3339) when
    /// `next` is `None`, else the page at `next`, the previous page's cursor URL, which must lie
    /// under the API base (the token is never sent elsewhere). Retried like every GET.
    pub async fn list_predictions(
        &self,
        created_after: &str,
        created_before: &str,
        next: Option<&str>,
    ) -> Result<PredictionPage, ReplicateError> {
        let path = match next {
            Some(url) => url
                .strip_prefix(&self.base)
                .filter(|rest| rest.starts_with("/predictions?"))
                .ok_or_else(|| ReplicateError::Decode("the listing's next page is not under the API base".into()))?
                .to_owned(),
            None => {
                let query = url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("created_after", created_after)
                    .append_pair("created_before", created_before)
                    .finish();
                format!("/predictions?{query}")
            }
        };
        let bytes = self.execute(Method::GET, &path, None, &[]).await?;
        serde_json::from_slice(&bytes).map_err(|e| ReplicateError::Decode(format!("predictions page: {e}")))
    }

    /// `GET {base}/webhooks/default/secret`: the account's webhook signing secret. Cache it.
    pub async fn default_webhook_secret(&self) -> Result<WebhookSecret, ReplicateError> {
        let bytes = self.execute(Method::GET, "/webhooks/default/secret", None, &[]).await?;
        let body: SecretBody = serde_json::from_slice(&bytes).map_err(|e| ReplicateError::Decode(format!("webhook secret: {e}")))?;
        WebhookSecret::parse(&body.key).map_err(|e| ReplicateError::Decode(format!("webhook secret: {e}")))
    }

    pub(super) async fn execute(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&'static str, String)],
    ) -> Result<Vec<u8>, ReplicateError> {
        let url = format!("{}{}", self.base, path);
        let idempotent = method == Method::GET;
        let mut waited = Duration::ZERO;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            // Never past the invocation's deadline (less its reserve: crate::deadline).
            let timeout = crate::deadline::bound(self.request_timeout);
            if timeout.is_zero() {
                return Err(ReplicateError::OutOfTime);
            }
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(self.token.expose())
                .header(header::ACCEPT, "application/json")
                .timeout(timeout);
            for (name, value) in headers {
                req = req.header(*name, value);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let can_retry = attempt < self.max_attempts;

            let resp = match req.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    tracing::debug!(%method, path, attempt, error = %e, "replicate request failed");
                    if e.is_timeout() {
                        return Err(ReplicateError::Timeout);
                    }
                    let wait = backoff(attempt);
                    if idempotent && e.is_connect() && can_retry && self.may_wait(waited, wait) {
                        tokio::time::sleep(wait).await;
                        waited += wait;
                        continue;
                    }
                    return Err(ReplicateError::Transport(e));
                }
            };
            let status = resp.status();
            tracing::debug!(%method, path, status = status.as_u16(), attempt, "replicate request");

            if status.is_success() {
                return match resp.bytes().await {
                    Ok(b) => Ok(b.to_vec()),
                    Err(e) if e.is_timeout() => Err(ReplicateError::Timeout),
                    Err(e) => Err(ReplicateError::Transport(e)),
                };
            }

            let retry_after = parse_retry_after(resp.headers());
            let text = resp.text().await.unwrap_or_default();
            let detail = extract_detail(&text, status);

            if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after.unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
                if can_retry && self.may_wait(waited, wait) {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    continue;
                }
                return Err(ReplicateError::RateLimited { retry_after, detail });
            }
            if status.is_server_error() {
                let wait = retry_after.unwrap_or_else(|| backoff(attempt));
                if idempotent && can_retry && self.may_wait(waited, wait) {
                    tokio::time::sleep(wait).await;
                    waited += wait;
                    continue;
                }
                return Err(ReplicateError::Server {
                    status: status.as_u16(),
                    detail,
                });
            }
            return Err(ReplicateError::Client {
                status: status.as_u16(),
                detail,
            });
        }
    }
}

impl ReplicateClient {
    /// Whether a call that already waited `waited` may sleep `wait` more before its next try:
    /// within `max_retry_wait`, and only if a try still fits after it (crate::deadline).
    fn may_wait(&self, waited: Duration, wait: Duration) -> bool {
        waited + wait <= self.max_retry_wait && crate::deadline::remaining().is_none_or(|left| wait < left)
    }

    /// The longest one call can take: every try at its timeout, and every wait between tries
    /// (`budget` checks each function's settings against its timeout with it).
    pub fn worst_case(&self) -> Duration {
        self.request_timeout * self.max_attempts + self.max_retry_wait
    }
}

fn decode(bytes: &[u8]) -> Result<Prediction, ReplicateError> {
    serde_json::from_slice(bytes).map_err(|e| ReplicateError::Decode(format!("prediction: {e}")))
}

fn check_id(id: &str) -> Result<(), ReplicateError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(ReplicateError::InvalidId(id.to_owned()));
    }
    Ok(())
}

/// 250 ms, 500 ms, 1 s, 2 s, ... capped at 4 s.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250u64 << attempt.saturating_sub(1).min(4))
}

/// Formats a deadline the way Replicate's `Cancel-After` expects (`30m`, `1h`, `90s`), at least 5 s.
pub fn format_cancel_after(d: Duration) -> String {
    let secs = d.as_secs().max(5);
    if secs.is_multiple_of(3600) {
        format!("{}h", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{}m", secs / 60)
    } else {
        format!("{secs}s")
    }
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn parse_retry_after(headers: &header::HeaderMap) -> Option<Duration> {
    let v = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>()
        && secs.is_finite()
        && secs >= 0.0
    {
        return Some(Duration::from_secs_f64(secs.min(86_400.0)));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

/// Replicate's error bodies carry `detail` (and sometimes `title`); fall back to the raw text.
fn extract_detail(text: &str, status: reqwest::StatusCode) -> String {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        for key in ["detail", "title"] {
            if let Some(s) = v.get(key).and_then(Value::as_str)
                && !s.is_empty()
            {
                return s.to_owned();
            }
        }
    }
    let t = text.trim();
    if t.is_empty() {
        return status.canonical_reason().unwrap_or("error").to_owned();
    }
    t.chars().take(300).collect()
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
