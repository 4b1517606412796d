//! The Replicate simulator driven by the real `ReplicateClient`, with a tiny webhook receiver.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use local::simulator::{self, Fault, SimConfig, SimHandle};
use serde_json::{Value, json};
use shared::replicate::webhook::{self, WebhookSecret};
use shared::replicate::{ApiToken, ModelRef, Prediction, PredictionStatus, ReplicateClient, ReplicateError, WebhookEvent};

const TOKEN: &str = "r8_test_token_for_the_simulator";

fn config() -> SimConfig {
    let mut cfg = SimConfig::new(TOKEN);
    cfg.step_delay = Duration::from_millis(40);
    cfg.webhook_retry_delays = vec![Duration::from_millis(30); 3];
    cfg
}

async fn sim_with(cfg: SimConfig) -> (SimHandle, ReplicateClient) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = simulator::start(cfg, listener).await;
    let client = ReplicateClient::new(&sim.base_url(), ApiToken::new(TOKEN), reqwest::Client::new());
    (sim, client)
}

async fn sim() -> (SimHandle, ReplicateClient) {
    sim_with(config()).await
}

fn imagen() -> ModelRef {
    ModelRef::parse("google/imagen-4").unwrap()
}

#[derive(Debug, Clone)]
struct Received {
    path: String,
    query: Option<String>,
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl Received {
    fn prediction(&self) -> Prediction {
        serde_json::from_slice(&self.body).expect("webhook body is a prediction")
    }
}

/// A webhook receiver that records every request and answers the queued statuses first
/// (then 200).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
}

async fn receive(State(r): State<Receiver>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 22).await.unwrap().to_vec();
    let h = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    r.got.lock().unwrap().push(Received {
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        id: h("webhook-id"),
        timestamp: h("webhook-timestamp"),
        signature: h("webhook-signature"),
        body,
    });
    let status = r.answers.lock().unwrap().pop_front().unwrap_or(200);
    let mut resp = StatusCode::from_u16(status).unwrap().into_response();
    if (300..400).contains(&status) {
        resp.headers_mut().insert(header::LOCATION, "/redirected".parse().unwrap());
    }
    resp
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let r = Receiver::default();
        let app = Router::new().fallback(any(receive)).with_state(r.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks/replicate", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    fn all(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.all();
            if got.len() >= n {
                return got;
            }
            assert!(Instant::now() < deadline, "expected {n} webhooks, got {}", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn verify(secret: &WebhookSecret, r: &Received) -> Result<(), webhook::SignatureError> {
    webhook::verify(secret, &r.id, &r.timestamp, &r.signature, &r.body, chrono::Utc::now().timestamp())
}

async fn wait_terminal(client: &ReplicateClient, id: &str) -> Prediction {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let p = client.get_prediction(id).await.unwrap();
        if p.status.is_terminal() {
            return p;
        }
        assert!(Instant::now() < deadline, "prediction {id} still {}", p.status);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn fetch_png(url: &str) -> (u32, u32, Vec<u8>, Vec<u8>) {
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "image/png");
    let bytes = resp.bytes().await.unwrap().to_vec();
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes.clone()))
        .read_info()
        .expect("a valid PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG frame decodes");
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf, bytes)
}

const BOTH: &[WebhookEvent] = &[WebhookEvent::Start, WebhookEvent::Completed];

#[tokio::test]
async fn create_sends_signed_start_and_completed_webhooks_and_serves_a_real_png() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    let hook = format!("{url}?job=42&u=abc");

    let created = client
        .create_prediction(&imagen(), json!({"prompt": "a lighthouse at dusk"}), Some(&hook), BOTH)
        .await
        .unwrap();
    assert_eq!(created.status, PredictionStatus::Starting);
    assert_eq!(created.model, "google/imagen-4");
    assert_eq!(created.version.as_deref(), Some("hidden"));
    assert_eq!(
        created.urls.get.as_deref(),
        Some(format!("{}/predictions/{}", sim.base_url(), created.id).as_str())
    );
    assert!(created.deadline.is_some(), "Cancel-After: 30m sets a deadline");

    let got = rx.wait_for(2).await;
    let secret = client.default_webhook_secret().await.unwrap();
    for r in &got {
        verify(&secret, r).unwrap_or_else(|e| panic!("webhook {} does not verify: {e}", r.id));
        assert_eq!(r.path, "/webhooks/replicate");
        assert_eq!(r.query.as_deref(), Some("job=42&u=abc"), "query parameters are kept");
    }
    let (start, done) = (got[0].prediction(), got[1].prediction());
    assert_eq!(start.status, PredictionStatus::Processing);
    assert_eq!(done.status, PredictionStatus::Succeeded);
    assert_eq!(done.id, created.id);
    assert_ne!(got[0].id, got[1].id, "start and completed have distinct webhook ids");
    // A wrong secret does not verify the simulator's signature.
    let other = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert!(verify(&other, &got[1]).is_err());

    let urls = done.output_urls();
    assert_eq!(urls.len(), 1);
    assert!(done.output.is_string(), "imagen gives one URI");
    assert!(urls[0].starts_with(&format!("{}/files/{}/", sim.origin(), created.id)));
    let (w, h, px, _) = fetch_png(&urls[0]).await;
    assert_eq!((w, h), (768, 768));
    assert_eq!(px.len(), 768 * 768 * 3);

    let polled = client.get_prediction(&created.id).await.unwrap();
    assert_eq!(polled.status, PredictionStatus::Succeeded);
    assert_eq!(polled.output, done.output);
    assert!(polled.completed_at.is_some() && matches!(polled.metrics.as_ref().map(|m| m.decimal("predict_time")), Some(Ok(Some(_)))));

    let stats = sim.stats();
    assert_eq!((stats.predictions_created, stats.webhooks_delivered), (1, 2));
}

#[tokio::test]
async fn different_prompts_give_different_pictures_and_inputs_shape_the_output() {
    let (_sim, client) = sim().await;
    let a = client
        .create_prediction(&imagen(), json!({"prompt": "a red fox in snow"}), None, &[])
        .await
        .unwrap();
    let b = client
        .create_prediction(
            &imagen(),
            json!({"prompt": "a blue whale at night", "aspect_ratio": "16:9"}),
            None,
            &[],
        )
        .await
        .unwrap();
    let many = client
        .create_prediction(
            &ModelRef::parse("bytedance/seedream-4").unwrap(),
            json!({"prompt": "a red fox in snow", "max_images": 3, "aspect_ratio": "9:16"}),
            None,
            &[],
        )
        .await
        .unwrap();
    let (a, b, many) = (
        wait_terminal(&client, &a.id).await,
        wait_terminal(&client, &b.id).await,
        wait_terminal(&client, &many.id).await,
    );

    let (aw, ah, apx, abytes) = fetch_png(&a.output_urls()[0]).await;
    let (bw, bh, _, bbytes) = fetch_png(&b.output_urls()[0]).await;
    assert_eq!((aw, ah), (768, 768));
    assert_eq!((bw, bh), (768, 432), "16:9 honoured");
    assert_ne!(abytes, bbytes);

    let urls = many.output_urls();
    assert!(many.output.is_array());
    assert_eq!(urls.len(), 3, "max_images honoured");
    let mut seen = Vec::new();
    for u in &urls {
        let (w, h, px, _) = fetch_png(u).await;
        assert_eq!((w, h), (432, 768), "9:16 honoured");
        assert!(!seen.contains(&px), "the images of one prediction differ");
        seen.push(px);
    }
    // Same prompt, other inputs: still a different picture from `a`.
    assert_ne!(seen[0], apx);
}

#[tokio::test]
async fn throttled_create_is_retried_after_retry_after_and_succeeds() {
    let (sim, client) = sim().await;
    let started = Instant::now();
    let p = client
        .create_prediction(&imagen(), json!({"prompt": "[sim:throttle] a fox"}), None, &[])
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited Retry-After: {:?}",
        started.elapsed()
    );
    assert_eq!(p.status, PredictionStatus::Starting);
    let stats = sim.stats();
    assert_eq!((stats.creates_throttled, stats.predictions_created), (1, 1));
}

#[tokio::test]
async fn throttle_longer_than_the_wait_cap_returns_the_rate_limited_error() {
    let (sim, client) = sim().await;
    // Runtime switch over HTTP: the next 5 creates are throttled.
    let resp = reqwest::Client::new()
        .post(format!("{}/_sim/fault", sim.origin()))
        .json(&json!({"fault": "throttle", "count": 5}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let client = client.with_max_retry_wait(Duration::from_millis(1500));
    let e = client
        .create_prediction(&imagen(), json!({"prompt": "a fox"}), None, &[])
        .await
        .unwrap_err();
    match &e {
        ReplicateError::RateLimited { retry_after, detail } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(1)));
            assert!(detail.contains("throttled"), "{detail}");
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert!(e.is_retryable());
    // One retry fit in the 1.5 s budget, the next one did not.
    assert_eq!(sim.stats().creates_throttled, 2);
    assert_eq!(sim.stats().predictions_created, 0);
}

#[tokio::test]
async fn fail_ends_failed_with_an_error_message() {
    let (_sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    let p = client
        .create_prediction(
            &imagen(),
            json!({"prompt": "a fox [sim:fail]"}),
            Some(&url),
            &[WebhookEvent::Completed],
        )
        .await
        .unwrap();
    let got = rx.wait_for(1).await;
    let done = got[0].prediction();
    assert_eq!(done.status, PredictionStatus::Failed);
    assert!(done.error.as_deref().is_some_and(|e| !e.is_empty()));
    assert!(done.output_urls().is_empty());

    let polled = client.get_prediction(&p.id).await.unwrap();
    assert_eq!(polled.status, PredictionStatus::Failed);
    assert_eq!(polled.error, done.error);
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(rx.all().len(), 1, "only `completed` was asked for");
}

#[tokio::test]
async fn default_fault_from_config_applies_to_every_prediction() {
    let mut cfg = config();
    cfg.default_fault = Some(Fault::Fail);
    let (_sim, client) = sim_with(cfg).await;
    for prompt in ["one", "two"] {
        let p = client
            .create_prediction(&imagen(), json!({"prompt": prompt}), None, &[])
            .await
            .unwrap();
        assert_eq!(wait_terminal(&client, &p.id).await.status, PredictionStatus::Failed);
    }
}

#[tokio::test]
async fn runtime_fault_applies_to_the_next_n_predictions_only() {
    let (sim, client) = sim().await;
    sim.set_fault(Some(Fault::Fail), 1);
    let first = client
        .create_prediction(&imagen(), json!({"prompt": "x"}), None, &[])
        .await
        .unwrap();
    let second = client
        .create_prediction(&imagen(), json!({"prompt": "x"}), None, &[])
        .await
        .unwrap();
    assert_eq!(wait_terminal(&client, &first.id).await.status, PredictionStatus::Failed);
    assert_eq!(wait_terminal(&client, &second.id).await.status, PredictionStatus::Succeeded);
}

#[tokio::test]
async fn duplicate_delivers_completed_twice_with_the_same_webhook_id() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    client
        .create_prediction(
            &imagen(),
            json!({"prompt": "[sim:duplicate] twins"}),
            Some(&url),
            &[WebhookEvent::Completed],
        )
        .await
        .unwrap();
    let got = rx.wait_for(2).await;
    let secret = WebhookSecret::parse(sim.webhook_secret()).unwrap();
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(got[0].body, got[1].body);
    for r in &got {
        verify(&secret, r).unwrap();
        assert_eq!(r.prediction().status, PredictionStatus::Succeeded);
    }
}

#[tokio::test]
async fn drop_webhook_completes_silently_and_polling_sees_the_result() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    let p = client
        .create_prediction(&imagen(), json!({"prompt": "[sim:drop-webhook] lost"}), Some(&url), BOTH)
        .await
        .unwrap();
    let done = wait_terminal(&client, &p.id).await;
    assert_eq!(done.status, PredictionStatus::Succeeded);
    assert_eq!(done.output_urls().len(), 1);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(rx.all().is_empty());
    assert_eq!(sim.stats().webhook_attempts, 0);
}

#[tokio::test]
async fn out_of_order_sends_completed_before_start() {
    let (_sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    client
        .create_prediction(&imagen(), json!({"prompt": "[sim:out-of-order] shuffled"}), Some(&url), BOTH)
        .await
        .unwrap();
    let got = rx.wait_for(2).await;
    assert_eq!(got[0].prediction().status, PredictionStatus::Succeeded);
    assert_eq!(got[1].prediction().status, PredictionStatus::Processing);
    assert!(
        got[0].id.ends_with("completed") && got[1].id.ends_with("start"),
        "{} {}",
        got[0].id,
        got[1].id
    );
}

#[tokio::test]
async fn completed_webhook_is_retried_on_errors_with_the_same_id() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    rx.answers.lock().unwrap().extend([500, 503]);
    client
        .create_prediction(&imagen(), json!({"prompt": "retry me"}), Some(&url), &[WebhookEvent::Completed])
        .await
        .unwrap();
    let got = rx.wait_for(3).await;
    let secret = WebhookSecret::parse(sim.webhook_secret()).unwrap();
    assert!(got.iter().all(|r| r.id == got[0].id), "same webhook-id on every retry");
    for r in &got {
        verify(&secret, r).unwrap();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rx.all().len(), 3, "no more tries after a 2xx");
    let d = sim.webhook_deliveries();
    assert_eq!(
        d.iter().map(|d| d.status).collect::<Vec<_>>(),
        vec![Some(500), Some(503), Some(200)]
    );
}

#[tokio::test]
async fn redirects_are_never_followed() {
    let (sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    rx.answers.lock().unwrap().extend([301; 10]);
    client
        .create_prediction(&imagen(), json!({"prompt": "moved"}), Some(&url), &[WebhookEvent::Completed])
        .await
        .unwrap();
    // 1 try + 3 retries, all answered 301; the Location is never requested.
    let got = rx.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(got.iter().chain(rx.all().iter()).all(|r| r.path == "/webhooks/replicate"));
    assert_eq!(rx.all().len(), 4);
    assert_eq!(sim.stats().webhooks_delivered, 0);
}

#[tokio::test]
async fn stall_stays_processing_until_canceled() {
    let (_sim, client) = sim().await;
    let (rx, url) = Receiver::start().await;
    let p = client
        .create_prediction(&imagen(), json!({"prompt": "[sim:stall] forever"}), Some(&url), BOTH)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.get_prediction(&p.id).await.unwrap().status, PredictionStatus::Processing);
    assert_eq!(rx.all().len(), 1, "only `start` so far");

    let canceled = client.cancel_prediction(&p.id).await.unwrap();
    assert_eq!(canceled.status, PredictionStatus::Canceled);
    let got = rx.wait_for(2).await;
    assert_eq!(got[1].prediction().status, PredictionStatus::Canceled);
    assert_eq!(client.get_prediction(&p.id).await.unwrap().status, PredictionStatus::Canceled);
    // Canceling a finished prediction changes nothing.
    assert_eq!(client.cancel_prediction(&p.id).await.unwrap().status, PredictionStatus::Canceled);
}

#[tokio::test]
async fn deadline_aborts_a_prediction_that_never_started() {
    let mut cfg = config();
    cfg.step_delay = Duration::from_secs(60);
    let (_sim, client) = sim_with(cfg).await;
    let client = client.with_cancel_after(Some(Duration::from_secs(5)));
    let p = client
        .create_prediction(&imagen(), json!({"prompt": "slow"}), None, &[])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(5300)).await;
    assert_eq!(client.get_prediction(&p.id).await.unwrap().status, PredictionStatus::Aborted);
}

#[tokio::test]
async fn auth_unknown_fields_and_unknown_ids_are_refused_like_replicate() {
    let (sim, client) = sim().await;
    let http = reqwest::Client::new();
    let create = format!("{}/models/google/imagen-4/predictions", sim.base_url());

    let r = http
        .post(&create)
        .bearer_auth("r8_wrong")
        .json(&json!({"input": {"prompt": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = http.post(&create).json(&json!({"input": {"prompt": "x"}})).send().await.unwrap();
    assert_eq!(r.status(), 401);

    let r = http
        .post(&create)
        .bearer_auth(TOKEN)
        .json(&json!({"version": "abc", "input": {"prompt": "x"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("version"));
    assert_eq!(sim.stats().predictions_created, 0);

    let wrong = ReplicateClient::new(&sim.base_url(), ApiToken::new("r8_wrong"), reqwest::Client::new());
    let e = wrong.get_prediction("abc").await.unwrap_err();
    assert!(matches!(e, ReplicateError::Client { status: 401, .. }), "{e:?}");
    assert!(!e.is_retryable());
    let e = client.get_prediction("doesnotexist").await.unwrap_err();
    assert!(matches!(e, ReplicateError::Client { status: 404, .. }), "{e:?}");
    let e = client.cancel_prediction("doesnotexist").await.unwrap_err();
    assert_eq!(e.status(), Some(404));
}

#[tokio::test]
async fn removed_data_reads_as_null_output_and_files_are_gone() {
    let (sim, client) = sim().await;
    let p = client
        .create_prediction(&imagen(), json!({"prompt": "ephemeral"}), None, &[])
        .await
        .unwrap();
    let done = wait_terminal(&client, &p.id).await;
    let url = done.output_urls()[0].clone();
    fetch_png(&url).await;

    assert!(sim.remove_data(&p.id));
    let after = client.get_prediction(&p.id).await.unwrap();
    assert!(after.data_removed);
    assert!(after.output_urls().is_empty());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);
}

#[tokio::test]
async fn client_gets_the_default_webhook_secret_matching_the_config() {
    let (sim, client) = sim().await;
    let secret = client.default_webhook_secret().await.unwrap();
    assert_eq!(secret.to_whsec(), sim.webhook_secret());
}

/// Schemas, the version route, sources, edits and restorations.
/// A Veo prediction downloads its frames like an edit downloads its sources, then returns the
/// real MP4 of the requested duration and aspect ratio; a frame that is no image fails it.
#[tokio::test]
async fn veo_downloads_its_frames_and_returns_the_mp4_of_its_duration_and_aspect() {
    let (sim, client) = sim().await;
    let still = client
        .create_prediction(&imagen(), json!({"prompt": "a first frame"}), None, &[])
        .await
        .unwrap();
    let still = wait_terminal(&client, &still.id).await.output_urls()[0].clone();
    let veo = ModelRef::parse("google/veo-3.1").unwrap();
    let input = json!({"prompt": "it moves", "image": still, "last_frame": still, "duration": 4, "aspect_ratio": "9:16"});
    let p = client.create_prediction(&veo, input.clone(), None, &[]).await.unwrap();
    let p = wait_terminal(&client, &p.id).await;
    assert_eq!(p.status, PredictionStatus::Succeeded, "{:?}", p.error);
    let url = p.output_urls()[0].clone();
    assert!(url.ends_with(".mp4"), "{url}");
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "video/mp4");
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..], simulator::video::fixture(&input));
    assert_ne!(
        simulator::video::fixture(&input),
        simulator::video::fixture(&json!({"duration": 8}))
    );
    // The frame URL was fetched over HTTP: two whole downloads of the still (served and counted).
    assert_eq!(sim.stats().outputs_served, 3, "the still twice, the video once");
    let text = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, b"hello")
    );
    let bad = client
        .create_prediction(&veo, json!({"prompt": "x", "image": text}), None, &[])
        .await
        .unwrap();
    let bad = wait_terminal(&client, &bad.id).await;
    assert_eq!(bad.status, PredictionStatus::Failed);
    assert!(bad.error.unwrap_or_default().contains("`image`"));
}

#[path = "simulator/hold.rs"]
mod hold;
#[path = "simulator/models.rs"]
mod models;
