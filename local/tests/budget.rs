//! Budgets and fairness: the admin's per-user monthly limit (a `limit` item in the usage table,
//! as set in the DynamoDB console or with `make user … LIMIT=`) and the per-user share of job
//! starts per minute. Each refusal reserves nothing and records no job.
mod common;
use common::TestStack;
use serde_json::json;
use shared::domain::Micros;
use std::time::Duration;

#[tokio::test]
async fn a_users_own_limit_replaces_the_default_to_the_cent() {
    let t = TestStack::start().await;
    let capped = t.user("capped").await;
    let other = t.user("other").await;
    let sub = t.sub(&capped).await;
    // Exactly two Imagen 4 runs ($0.04 each).
    t.stack
        .app
        .store
        .usage()
        .set_monthly_limit(&sub, Some(Micros(80_000)))
        .await
        .unwrap();
    let me = t.me(&capped).await;
    assert_eq!(me["quota"]["monthly_limit_usd"], json!(0.08));
    assert_eq!(me["quota"]["remaining_usd"], json!(0.08));
    for i in 0..2 {
        let (s, b) = t
            .post(
                &capped,
                "/api/images/generate",
                &json!({"model": "imagen-4", "prompt": format!("run {i}")}),
            )
            .await;
        assert_eq!(s, 202, "{b}");
    }
    let (s, b) = t
        .post(
            &capped,
            "/api/images/generate",
            &json!({"model": "imagen-4", "prompt": "one too many"}),
        )
        .await;
    assert_eq!((s, b["error"]["code"].as_str()), (429, Some("quota_exceeded")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("$0.08 monthly limit"), "{b}");
    let (_, jobs) = t.get(&capped, "/api/jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 2, "the refused run left no job");
    // The default still applies to everyone else.
    assert_eq!(t.me(&other).await["quota"]["monthly_limit_usd"], json!(20.0));
    // Removing the override restores the default.
    t.stack.app.store.usage().set_monthly_limit(&sub, None).await.unwrap();
    let (s, _) = t
        .post(&capped, "/api/images/generate", &json!({"model": "imagen-4", "prompt": "again"}))
        .await;
    assert_eq!(s, 202);
    t.stop().await;
}

#[tokio::test]
async fn one_user_cannot_start_more_than_their_share_per_minute() {
    let t = TestStack::with(|o| o.job_starts_per_minute = 3).await;
    let busy = t.user("busy").await;
    let calm = t.user("calm").await;
    // Four requests must land in one minute window: don't start in its last seconds.
    let sec = chrono::Timelike::second(&shared::clock::now());
    if sec > 50 {
        tokio::time::sleep(Duration::from_secs(u64::from(61 - sec))).await;
    }
    for i in 0..3 {
        let (s, b) = t
            .post(
                &busy,
                "/api/images/generate",
                &json!({"model": "imagen-4", "prompt": format!("burst {i}")}),
            )
            .await;
        assert_eq!(s, 202, "{b}");
    }
    let before = t.me(&busy).await["quota"].clone();
    let r = t
        .http
        .post(t.url("/api/images/generate"))
        .bearer_auth(&busy.token)
        .json(&json!({"model": "imagen-4", "prompt": "burst 3"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    let b: serde_json::Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "rate_limited", "{b}");
    assert_eq!(t.me(&busy).await["quota"], before, "the refused start reserved nothing");
    let (_, jobs) = t.get(&busy, "/api/jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 3);
    // Someone else is not held back by it.
    let (s, b) = t
        .post(&calm, "/api/images/generate", &json!({"model": "imagen-4", "prompt": "my turn"}))
        .await;
    assert_eq!(s, 202, "{b}");
    t.stop().await;
}
