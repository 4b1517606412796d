//! Shared test plumbing: an isolated stack per test (own tables, bucket, queue, pool, and
//! simulator; one emulator per test unless MOTO_URL points at a shared one), users, HTTP.
#![allow(dead_code)]
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

    pub async fn me(&self, user: &User) -> Value {
        let (s, b) = self.get(user, "/api/me").await;
        assert_eq!(s, 200);
        b
    }

    pub async fn stop(self) {
        self.stack.stop().await;
    }
}
