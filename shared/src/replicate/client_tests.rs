//! Tests of the Replicate client against a local server.
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

/// Under an invocation's deadline, a call never outlives it: each try is cut to the time left
/// (less the reserve), a `Retry-After` that leaves no time for another try is not slept, and a
/// call with no time left sends nothing.
#[tokio::test]
async fn calls_take_their_time_from_the_invocations_deadline() {
    use crate::deadline::{RESERVE, scope};
    use std::time::{Instant, SystemTime};
    // A provider that answers after 10 s, under a deadline 3 s away: cut after about 1 s.
    let (client, _) = serve(vec![(200, vec![], prediction_json("processing"), Duration::from_secs(10))]).await;
    let started = Instant::now();
    let deadline = SystemTime::now() + RESERVE + Duration::from_secs(1);
    let r = scope(Some(deadline), client.get_prediction("p1")).await;
    assert!(matches!(r, Err(ReplicateError::Timeout)), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    // A 429 asking for 5 s when 1 s is left: no sleep, the caller gets the wait to hand on.
    let (client, script) = serve(vec![err(429, vec![("retry-after", "5".into())], "slow down"), ok("starting")]).await;
    let started = Instant::now();
    let r = scope(
        Some(SystemTime::now() + RESERVE + Duration::from_secs(1)),
        client.get_prediction("p1"),
    )
    .await;
    assert!(matches!(r, Err(ReplicateError::RateLimited { .. })), "{r:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(script.seen.lock().unwrap().len(), 1);

    // No time left: nothing is sent, and the error says nothing was created.
    let (client, script) = serve(vec![ok("starting")]).await;
    let r = scope(Some(SystemTime::now() + RESERVE / 2), client.get_prediction("p1")).await;
    assert!(matches!(r, Err(ReplicateError::OutOfTime)), "{r:?}");
    assert!(!r.unwrap_err().may_have_created());
    assert!(script.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_listing_follows_its_next_page_only_under_the_api_base() {
    let page = |next: Value| {
        let body = json!({"results": [{"id": "p1", "status": "succeeded", "source": "web"}], "next": next}).to_string();
        (200, vec![], body, Duration::ZERO)
    };
    let (client, script) = serve(vec![page(Value::Null)]).await;
    let first = client
        .list_predictions("2026-12-06T10:00:00.000Z", "2026-12-06T11:00:00.000Z", None)
        .await
        .unwrap();
    assert_eq!((first.results[0].source.as_deref(), first.next), (Some("web"), None));
    let next = format!("{}/predictions?cursor=abc", client.base_url());
    client.list_predictions("", "", Some(&next)).await.unwrap();
    {
        let seen = script.seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!((seen[0].method.as_str(), seen[0].path.as_str()), ("GET", "/v1/predictions"));
        assert_eq!(seen[0].headers["authorization"], format!("Bearer {TOKEN}").as_str());
    }
    // A next URL elsewhere would carry the token off: refused, nothing sent.
    let elsewhere = client
        .list_predictions("", "", Some("https://evil.example/v1/predictions?cursor=abc"))
        .await;
    assert!(matches!(elsewhere, Err(ReplicateError::Decode(_))), "{elsewhere:?}");
    let other_path = format!("{}/webhooks/default/secret?x=1", client.base_url());
    assert!(client.list_predictions("", "", Some(&other_path)).await.is_err());
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}
