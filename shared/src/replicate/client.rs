//! The HTTP client.

use std::fmt;
use std::time::Duration;

use reqwest::{Method, header};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::ReplicateError;
use super::types::{ModelRef, Prediction, WebhookEvent};
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

    /// `GET {base}/webhooks/default/secret`: the account's webhook signing secret. Cache it.
    pub async fn default_webhook_secret(&self) -> Result<WebhookSecret, ReplicateError> {
        let bytes = self.execute(Method::GET, "/webhooks/default/secret", None, &[]).await?;
        let body: SecretBody = serde_json::from_slice(&bytes).map_err(|e| ReplicateError::Decode(format!("webhook secret: {e}")))?;
        WebhookSecret::parse(&body.key).map_err(|e| ReplicateError::Decode(format!("webhook secret: {e}")))
    }

    async fn execute(
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
mod tests {
    use super::*;
    use axum::Router;
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::any;
    use std::sync::{Arc, Mutex};

    const TOKEN: &str = "r8_unit_test_token";

    #[derive(Debug, Clone)]
    struct Seen {
        method: String,
        path: String,
        headers: HeaderMap,
        body: Value,
    }

    /// One scripted answer: status, headers, body, delay.
    type Answer = (u16, Vec<(&'static str, String)>, String, Duration);

    /// A scripted server: answers the queued responses in order (the last one repeats) and
    /// records each request.
    #[derive(Clone)]
    struct Script {
        answers: Arc<Mutex<Vec<Answer>>>,
        seen: Arc<Mutex<Vec<Seen>>>,
    }

    async fn handler(State(s): State<Script>, req: Request) -> Response {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
        s.seen.lock().unwrap().push(Seen {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            headers: parts.headers.clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        });
        let (status, headers, body, delay) = {
            let mut a = s.answers.lock().unwrap();
            if a.len() > 1 { a.remove(0) } else { a[0].clone() }
        };
        tokio::time::sleep(delay).await;
        let mut resp = (StatusCode::from_u16(status).unwrap(), body).into_response();
        resp.headers_mut().insert("content-type", "application/json".parse().unwrap());
        for (k, v) in headers {
            resp.headers_mut().insert(k, v.parse().unwrap());
        }
        resp
    }

    fn prediction_json(status: &str) -> String {
        json!({"id": "p1", "model": "google/imagen-4", "version": "hidden", "input": {},
               "output": null, "error": null, "status": status, "urls": {}})
        .to_string()
    }

    fn ok(status: &str) -> (u16, Vec<(&'static str, String)>, String, Duration) {
        (200, vec![], prediction_json(status), Duration::ZERO)
    }

    fn err(code: u16, headers: Vec<(&'static str, String)>, detail: &str) -> Answer {
        (code, headers, json!({"detail": detail}).to_string(), Duration::ZERO)
    }

    async fn serve(answers: Vec<Answer>) -> (ReplicateClient, Script) {
        let script = Script {
            answers: Arc::new(Mutex::new(answers)),
            seen: Arc::default(),
        };
        let app = Router::new().fallback(any(handler)).with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let client = ReplicateClient::new(
            &format!("http://{addr}/v1/"),
            ApiToken::new(format!("{TOKEN}\n")),
            reqwest::Client::new(),
        );
        (client, script)
    }

    fn model() -> ModelRef {
        ModelRef::parse("google/imagen-4").unwrap()
    }

    #[tokio::test]
    async fn create_posts_the_official_model_endpoint_without_version() {
        let (client, script) = serve(vec![(201, vec![], prediction_json("starting"), Duration::ZERO)]).await;
        let p = client
            .create_prediction(
                &model(),
                json!({"prompt": "a fox"}),
                Some("https://example.test/webhooks/replicate?job=1"),
                &[WebhookEvent::Start, WebhookEvent::Completed],
            )
            .await
            .unwrap();
        assert_eq!(p.status, crate::replicate::PredictionStatus::Starting);
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        let r = &seen[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/v1/models/google/imagen-4/predictions");
        assert_eq!(r.headers["authorization"], format!("Bearer {TOKEN}").as_str());
        assert_eq!(r.headers["cancel-after"], "30m");
        assert_eq!(
            r.body,
            json!({"input": {"prompt": "a fox"},
                   "webhook": "https://example.test/webhooks/replicate?job=1",
                   "webhook_events_filter": ["start", "completed"]})
        );
    }

    #[tokio::test]
    async fn create_without_webhook_sends_only_input_and_custom_deadline() {
        let (client, script) = serve(vec![(201, vec![], prediction_json("starting"), Duration::ZERO)]).await;
        let client = client.with_cancel_after(Some(Duration::from_secs(90)));
        client
            .create_prediction(&model(), json!({"prompt": "x"}), None, &[WebhookEvent::Completed])
            .await
            .unwrap();
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen[0].body, json!({"input": {"prompt": "x"}}));
        assert_eq!(seen[0].headers["cancel-after"], "90s");
    }

    #[tokio::test]
    async fn invalid_input_is_a_client_error_with_detail_and_is_not_retried() {
        let (client, script) = serve(vec![(
            422,
            vec![],
            json!({"title": "Input validation failed", "detail": "- input.prompt: prompt is required", "status": 422}).to_string(),
            Duration::ZERO,
        )])
        .await;
        let e = client.create_prediction(&model(), json!({}), None, &[]).await.unwrap_err();
        match &e {
            ReplicateError::Client { status, detail } => {
                assert_eq!(*status, 422);
                assert_eq!(detail, "- input.prompt: prompt is required");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(!e.is_retryable());
        assert_eq!(script.seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn server_errors_are_retried_on_get_but_not_on_create() {
        let (client, script) = serve(vec![err(502, vec![], "bad gateway"), err(503, vec![], "busy"), ok("processing")]).await;
        let p = client.get_prediction("p1").await.unwrap();
        assert_eq!(p.status, crate::replicate::PredictionStatus::Processing);
        assert_eq!(script.seen.lock().unwrap().len(), 3);

        let (client, script) = serve(vec![err(500, vec![], "boom"), ok("starting")]).await;
        let e = client
            .create_prediction(&model(), json!({"prompt": "x"}), None, &[])
            .await
            .unwrap_err();
        assert!(matches!(e, ReplicateError::Server { status: 500, .. }), "{e:?}");
        assert!(e.is_retryable());
        assert_eq!(script.seen.lock().unwrap().len(), 1, "a create must not be retried on 5xx");
    }

    #[tokio::test]
    async fn rate_limit_is_retried_until_attempts_run_out() {
        let throttled = err(429, vec![("retry-after", "0".into())], "Request was throttled.");
        let (client, script) = serve(vec![throttled.clone(), ok("starting")]).await;
        client.cancel_prediction("p1").await.unwrap();
        assert_eq!(script.seen.lock().unwrap().len(), 2);

        let (client, script) = serve(vec![throttled]).await;
        let e = client.with_max_attempts(3).get_prediction("p1").await.unwrap_err();
        assert!(
            matches!(e, ReplicateError::RateLimited { retry_after: Some(d), .. } if d.is_zero()),
            "{e:?}"
        );
        assert!(e.is_retryable());
        assert_eq!(script.seen.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn rate_limit_longer_than_the_wait_cap_returns_at_once() {
        let (client, script) = serve(vec![
            err(429, vec![("retry-after", "120".into())], "resets in ~120s"),
            ok("starting"),
        ])
        .await;
        let started = std::time::Instant::now();
        let e = client
            .create_prediction(&model(), json!({"prompt": "x"}), None, &[])
            .await
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
        assert_eq!(e.status(), Some(429));
        assert_eq!(script.seen.lock().unwrap().len(), 1);
    }

    #[tokio::test]
    async fn slow_answer_times_out() {
        let (client, _script) = serve(vec![(200, vec![], prediction_json("starting"), Duration::from_secs(3))]).await;
        let e = client
            .with_request_timeout(Duration::from_millis(150))
            .get_prediction("p1")
            .await
            .unwrap_err();
        assert!(matches!(e, ReplicateError::Timeout), "{e:?}");
    }

    #[tokio::test]
    async fn ids_that_could_change_the_path_are_refused_without_a_request() {
        let (client, script) = serve(vec![ok("starting")]).await;
        for bad in ["", "../models", "a/b", "p1?x=1"] {
            assert!(
                matches!(client.get_prediction(bad).await, Err(ReplicateError::InvalidId(_))),
                "{bad}"
            );
        }
        assert!(script.seen.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn fetches_the_default_webhook_secret() {
        let (client, script) = serve(vec![(
            200,
            vec![],
            json!({"key": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"}).to_string(),
            Duration::ZERO,
        )])
        .await;
        let secret = client.default_webhook_secret().await.unwrap();
        let sig = crate::replicate::webhook::sign(&secret, "msg_1", 1_649_367_553, b"{}");
        assert!(crate::replicate::webhook::verify(&secret, "msg_1", "1649367553", &sig, b"{}", 1_649_367_553).is_ok());
        assert_eq!(script.seen.lock().unwrap()[0].path, "/v1/webhooks/default/secret");
    }

    #[test]
    fn token_never_shows_in_debug_or_display() {
        let client = ReplicateClient::new("https://api.replicate.com/v1", ApiToken::new(TOKEN), reqwest::Client::new());
        assert!(!format!("{client:?}").contains(TOKEN));
        assert!(!format!("{:?} {}", ApiToken::new(TOKEN), ApiToken::new(TOKEN)).contains(TOKEN));
        assert_eq!(ApiToken::new(" r8_x \n").expose(), "r8_x");
    }

    #[test]
    fn cancel_after_is_formatted_like_replicate_expects() {
        assert_eq!(format_cancel_after(Duration::from_secs(1800)), "30m");
        assert_eq!(format_cancel_after(Duration::from_secs(3600)), "1h");
        assert_eq!(format_cancel_after(Duration::from_secs(45)), "45s");
        assert_eq!(format_cancel_after(Duration::from_secs(1)), "5s");
    }
}
