//! Shared test plumbing: an isolated stack per test (own tables, bucket, queue, pool, and
//! simulator; one emulator per test unless MOTO_URL points at a shared one), users, HTTP.
#![allow(dead_code)]
pub mod bench;
pub mod busy;
pub mod uploads;
use local::cognito;
use local::stack::{Stack, StackOptions};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

pub struct TestStack {
    pub stack: Stack,
    pub http: reqwest::Client,
}

pub struct User {
    pub name: String,
    pub token: String,
}

impl TestStack {
    pub async fn start() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(f: impl FnOnce(&mut StackOptions)) -> Self {
        // `TEST_LOG=warn` (a tracing filter) shows what the stack's functions log.
        if let Ok(filter) = std::env::var("TEST_LOG") {
            let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
        }
        let mut opts = StackOptions::for_tests();
        f(&mut opts);
        let stack = Stack::start(opts).await.expect("stack starts");
        Self {
            stack,
            http: reqwest::Client::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.stack.base_url, path)
    }

    pub async fn user(&self, name: &str) -> User {
        let pw = "Test-Password-123";
        cognito::create_user(&self.http, &self.stack.pool, name, pw, true)
            .await
            .expect("user created");
        let out = cognito::login(&self.http, &self.stack.pool, name, pw).await.expect("login");
        User {
            name: name.into(),
            token: out["AuthenticationResult"]["IdToken"].as_str().expect("id token").to_string(),
        }
    }

    pub async fn get(&self, user: &User, path: &str) -> (u16, Value) {
        let r = self.http.get(self.url(path)).bearer_auth(&user.token).send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn delete(&self, user: &User, path: &str) -> u16 {
        let r = self.http.delete(self.url(path)).bearer_auth(&user.token).send().await.unwrap();
        r.status().as_u16()
    }

    pub async fn post(&self, user: &User, path: &str, body: &Value) -> (u16, Value) {
        self.post_with(user, path, body, None).await
    }

    pub async fn post_with(&self, user: &User, path: &str, body: &Value, idem: Option<&str>) -> (u16, Value) {
        let mut r = self.http.post(self.url(path)).bearer_auth(&user.token).json(body);
        if let Some(k) = idem {
            r = r.header("idempotency-key", k);
        }
        let r = r.send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn generate(&self, user: &User, prompt: &str) -> Value {
        let (s, b) = self
            .post(user, "/api/images/generate", &json!({ "model": "imagen-4", "prompt": prompt }))
            .await;
        assert_eq!(s, 202, "{b}");
        b["job"].clone()
    }

    /// Polls `GET /api/jobs/{id}` until the job is finished (or the deadline passes).
    pub async fn wait_finished(&self, user: &User, job_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (s, b) = self.get(user, &format!("/api/jobs/{job_id}")).await;
            assert_eq!(s, 200, "{b}");
            let st = b["job"]["status"].as_str().unwrap().to_string();
            if ["succeeded", "failed", "canceled"].contains(&st.as_str()) {
                return b;
            }
            assert!(Instant::now() < deadline, "job {job_id} still {st}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// [`Self::wait_finished`] for tests that play a crashed worker (no worker loop): copy
    /// and cancel messages on the queue are handled as a redelivery to a live worker would
    /// handle them ([`Self::work_queue_once`]); submissions are left alone.
    pub async fn wait_finished_copying(&self, user: &User, job_id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (s, b) = self.get(user, &format!("/api/jobs/{job_id}")).await;
            assert_eq!(s, 200, "{b}");
            if ["succeeded", "failed", "canceled"].contains(&b["job"]["status"].as_str().unwrap_or("")) {
                return b;
            }
            assert!(Instant::now() < deadline, "job {job_id} still {}", b["job"]["status"]);
            self.work_queue_once().await;
        }
    }

    /// Plays a live worker once, for tests without the worker loop: receives what is on the
    /// queue (waiting up to a second) and handles copy messages (service::finish_copy) and
    /// cancel messages (service::cancel_stray) as the worker would, deleting those done;
    /// submissions are left alone.
    pub async fn work_queue_once(&self) {
        use shared::queue::{QueueMessage, Tagged};
        let sdk = shared::app::sdk_config(&self.stack.app.config.region, Some(&self.stack.moto.url));
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let queue = &self.stack.resources.queue_url;
        let out = sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .visibility_timeout(1)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        for m in out.messages() {
            let done = match m.body().and_then(QueueMessage::parse) {
                Some(QueueMessage::Tagged(Tagged::Copy(c))) => {
                    shared::service::finish_copy(&self.stack.app, &c, Duration::from_secs(20))
                        .await
                        .unwrap();
                    true
                }
                Some(QueueMessage::Tagged(Tagged::Cancel(c))) => shared::service::cancel_stray(&self.stack.app, &c).await.is_ok(),
                _ => false,
            };
            if done {
                let _ = sqs
                    .delete_message()
                    .queue_url(queue)
                    .receipt_handle(m.receipt_handle().unwrap_or_default())
                    .send()
                    .await;
            }
        }
    }

    /// The user's Cognito `sub`.
    pub async fn sub(&self, user: &User) -> shared::domain::UserId {
        shared::domain::UserId::parse(self.me(user).await["user"]["id"].as_str().unwrap()).unwrap()
    }

    /// POST as a well-behaved client does: a `429 rate_limited` is retried after the
    /// `Retry-After` it carries (bounded). Returns the final status and body, and how many
    /// times the service asked to retry.
    pub async fn post_retrying(&self, user: &User, path: &str, body: &Value) -> (u16, Value, u32) {
        let mut asked = 0;
        loop {
            let r = self
                .http
                .post(self.url(path))
                .bearer_auth(&user.token)
                .json(body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry_after = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let b: Value = r.json().await.unwrap_or(Value::Null);
            if status == 429 && b["error"]["code"] == "rate_limited" && asked < 30 {
                let wait = retry_after.expect("a rate_limited answer says when to retry");
                asked += 1;
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            return (status, b, asked);
        }
    }

    /// Polls until every one of these jobs is finished.
    pub async fn wait_all_finished(&self, user: &User, ids: &[String], within: Duration) {
        let deadline = Instant::now() + within;
        let mut pending: Vec<String> = ids.to_vec();
        while !pending.is_empty() {
            let mut still = Vec::new();
            for id in pending {
                let (s, b) = self.get(user, &format!("/api/jobs/{id}")).await;
                assert_eq!(s, 200, "{b}");
                if !["succeeded", "failed", "canceled"].contains(&b["job"]["status"].as_str().unwrap()) {
                    still.push(id);
                }
            }
            pending = still;
            if !pending.is_empty() {
                assert!(Instant::now() < deadline, "{} jobs still unfinished", pending.len());
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    }

    /// Starts an edit or restoration of `sources` with `model` and waits for it to finish.
    pub async fn edit(&self, user: &User, model: &str, prompt: &str, sources: &[&str]) -> Value {
        let body = json!({ "model": model, "prompt": prompt, "source_asset_ids": sources });
        let (s, b) = self.post(user, "/api/images/edit", &body).await;
        assert_eq!(s, 202, "{model}: {b}");
        self.wait_finished(user, b["job"]["id"].as_str().unwrap()).await
    }

    pub async fn me(&self, user: &User) -> Value {
        let (s, b) = self.get(user, "/api/me").await;
        assert_eq!(s, 200);
        b
    }

    pub async fn stop(self) {
        self.stack.stop().await;
    }

    /// Waits (up to 30 s) until `n` of the user's live assets have the thumbnail the worker
    /// makes after each image is recorded (service::thumbs), and returns their `thumb_bytes`:
    /// for tests that count storage, which includes them.
    pub async fn wait_thumbnails(&self, user: &shared::domain::UserId, n: usize) -> u64 {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (page, _) = self
                .stack
                .app
                .store
                .list_assets(user, &Default::default(), 1000, None)
                .await
                .unwrap();
            let made: Vec<u64> = page.iter().filter(|a| a.thumb_key.is_some()).map(|a| a.thumb_bytes).collect();
            if made.len() >= n {
                return made.iter().sum();
            }
            assert!(Instant::now() < deadline, "{} of {n} thumbnails after 30 s", made.len());
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The user's storage count is exactly their records: `stored` is the sum of the `bytes`
    /// (with their thumbnails' `thumb_bytes`)
    /// of every asset record they have, live or in the trash, `files` their number (all records
    /// here are counted). Returns that sum.
    pub async fn assert_storage_is_the_records(&self, user: &shared::domain::UserId) -> u64 {
        let store = &self.stack.app.store;
        let (mut sum, mut files, mut after) = (0u64, 0u64, None);
        loop {
            let (page, next) = store.list_assets(user, &Default::default(), 100, after.as_ref()).await.unwrap();
            for a in &page {
                assert!(a.counted, "{} is not counted", a.asset_id);
                sum += a.counted_bytes();
                files += 1;
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let mut after: Option<String> = None;
        loop {
            let (page, next) = store.list_trash(user, 100, after.as_deref()).await.unwrap();
            for t in &page {
                assert!(t.asset.counted, "{} (trashed) is not counted", t.asset.asset_id);
                sum += t.asset.counted_bytes();
                files += 1;
            }
            match next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let count = store.storage(user).await.unwrap();
        assert_eq!(
            (count.stored, count.files),
            (sum, files),
            "the count and the records differ: {count:?}"
        );
        sum
    }
}

/// Records an Imagen 4 job ($0.04 reserved) as if it had been created `age_minutes` ago: queued
/// with no prediction (`prediction: None`, a lost message), or running as `prediction`.
pub async fn recorded_job(
    app: &shared::App,
    user: &shared::domain::UserId,
    age_minutes: i64,
    prediction: Option<&str>,
) -> shared::domain::Job {
    use shared::clock;
    use shared::domain::{Job, JobId, JobKind, JobStatus, Micros};
    use shared::store::{CreateOutcome, Reservation};
    let then = clock::rfc3339(clock::now() - chrono::Duration::minutes(age_minutes));
    let job = Job {
        user_id: user.clone(),
        job_id: JobId::new(),
        kind: JobKind::Image,
        model: "imagen-4".into(),
        prompt: "a recorded job".into(),
        options: serde_json::Map::new(),
        source_asset_ids: vec![],
        source_roles: vec![],
        status: if prediction.is_some() {
            JobStatus::Running
        } else {
            JobStatus::Queued
        },
        error: None,
        asset_ids: vec![],
        estimated_micros: Micros(40_000),
        cost_micros: None,
        created_at: then.clone(),
        updated_at: then,
        prediction_id: prediction.map(str::to_string),
        open: Some("1".into()),
        quota_period: clock::period(clock::now()),
        request_hash: None,
        claimed_at: None,
        texts: vec![],
        provider: None,
        strays: vec![],
        collection_id: None,
    };
    let res = Reservation {
        period: job.quota_period.clone(),
        amount: job.estimated_micros,
        limit: Micros(100_000_000),
        starts: None,
        storage_limit: None,
    };
    assert!(matches!(
        app.store.create_job(&job, &res, None).await.unwrap(),
        CreateOutcome::Created
    ));
    job
}

/// Creates a prediction for `job` at the provider as the worker would (webhook URL naming the
/// job), without recording it.
pub async fn create_prediction_for(app: &shared::App, job: &shared::domain::Job) -> shared::replicate::Prediction {
    use shared::replicate::{ModelRef, WebhookEvent};
    let spec = app.catalog.get(&job.model).unwrap();
    app.replicate()
        .await
        .unwrap()
        .create_prediction(
            &ModelRef::parse(&spec.replicate).unwrap(),
            spec.replicate_input(&job.prompt, &job.options, &[]),
            app.config.webhook_url_for(job).as_deref(),
            &[WebhookEvent::Start, WebhookEvent::Completed],
        )
        .await
        .unwrap()
}

/// Receives the generation queue's messages, waiting (up to 30 s) until `at_least` came.
/// For tests that run with `run_worker = false` and play the event source mapping themselves.
pub async fn receive_messages(t: &TestStack, at_least: usize) -> Vec<aws_sdk_sqs::types::Message> {
    let sqs = aws_sdk_sqs::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)));
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut got = Vec::new();
    while got.len() < at_least {
        let out = sqs
            .receive_message()
            .queue_url(&t.stack.resources.queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        got.extend(out.messages.unwrap_or_default());
        assert!(Instant::now() < deadline, "{} of {at_least} messages came", got.len());
    }
    got
}

/// The worker's timeout in a test stack (StackOptions::for_tests), unless a test sets another.
pub fn worker_timeout() -> Duration {
    let secs = local::stack::StackOptions::for_tests()
        .timeouts
        .iter()
        .find(|(name, _)| name == "worker")
        .map_or(300, |(_, s)| *s);
    Duration::from_secs(secs.into())
}

/// Hands `messages` to the worker as one SQS batch (its records run side by side), as the
/// event source mapping does: the worker's own identity, stopped at `timeout`. Checks none
/// failed, deletes them, and returns their bodies.
pub async fn hand_to_worker(t: &TestStack, messages: &[aws_sdk_sqs::types::Message], timeout: Duration) -> Vec<String> {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {}, "messageAttributes": {} }))
        .collect();
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    let answer = local::invoke::invoke(timeout, worker::handler(t.stack.apps["worker"].clone(), event))
        .await
        .expect("the worker ran within its timeout")
        .unwrap();
    assert!(answer.batch_item_failures.is_empty(), "the worker failed a message");
    let sqs = aws_sdk_sqs::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)));
    for m in messages {
        sqs.delete_message()
            .queue_url(&t.stack.resources.queue_url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    messages.iter().map(|m| m.body().unwrap_or_default().to_string()).collect()
}

/// The queue's next messages (at least one), handed to the worker; their bodies.
pub async fn run_worker_once(t: &TestStack) -> Vec<String> {
    let messages = receive_messages(t, 1).await;
    hand_to_worker(t, &messages, worker_timeout()).await
}
