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

    pub async fn me(&self, user: &User) -> Value {
        let (s, b) = self.get(user, "/api/me").await;
        assert_eq!(s, 200);
        b
    }

    pub async fn stop(self) {
        self.stack.stop().await;
    }
}
