//! The webhook endpoint: signatures, dedupe, and the reconciler settling lost webhooks.
mod common;
use common::TestStack;
use serde_json::json;
use shared::replicate::{WebhookSecret, webhook};

async fn post_webhook(t: &TestStack, id: &str, ts: i64, sig: &str, body: &str) -> u16 {
    t.http
        .post(t.url("/webhooks/replicate"))
        .header("webhook-id", id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sig)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn unsigned_stale_or_forged_webhooks_are_refused_without_effect() {
    let t = TestStack::start().await;
    let u = t.user("ivy").await;
    let job = t.generate(&u, "target").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let pred_id = sim.webhook_deliveries()[0].prediction_id.clone();
    let mut p = serde_json::to_value(sim.prediction(&pred_id).unwrap()).unwrap();
    p["status"] = json!("failed");
    let body = p.to_string();
    let secret = WebhookSecret::parse(sim.webhook_secret()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let forged = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(post_webhook(&t, "msg_1", now, "", &body).await, 401);
    assert_eq!(
        post_webhook(&t, "msg_1", now, &webhook::sign(&forged, "msg_1", now, body.as_bytes()), &body).await,
        401
    );
    assert_eq!(
        post_webhook(
            &t,
            "msg_1",
            now - 301,
            &webhook::sign(&secret, "msg_1", now - 301, body.as_bytes()),
            &body
        )
        .await,
        401
    );
    // Signed for another body.
    assert_eq!(
        post_webhook(&t, "msg_1", now, &webhook::sign(&secret, "msg_1", now, b"{}"), &body).await,
        401
    );
    // A correctly signed but late "failed" for a finished job changes nothing.
    assert_eq!(
        post_webhook(&t, "msg_2", now, &webhook::sign(&secret, "msg_2", now, body.as_bytes()), &body).await,
        200
    );
    let again = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(again["job"], done["job"]);
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04));
    t.stop().await;
}

#[tokio::test]
async fn the_reconciler_settles_a_job_whose_webhook_was_lost_exactly_once() {
    let t = TestStack::with(|o| o.reconcile_after = std::time::Duration::from_secs(0)).await;
    let u = t.user("jack").await;
    let job = t.generate(&u, "lost in the mail [sim:drop-webhook]").await;
    let id = job["id"].as_str().unwrap();
    // Wait until the simulator has finished it (no webhook will come).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let sim = t.stack.sim.as_ref().unwrap();
        let (_, j) = t.get(&u, &format!("/api/jobs/{id}")).await;
        assert_ne!(j["job"]["status"], "succeeded", "settled without a webhook?");
        let finished = t
            .stack
            .app
            .store
            .get_job(
                &shared::domain::UserId::parse(&claims_sub(&t, &u).await).unwrap(),
                &shared::domain::JobId::parse(id).unwrap(),
            )
            .await
            .unwrap()
            .and_then(|j| j.prediction_id)
            .and_then(|p| sim.prediction(&p))
            .is_some_and(|p| p.status.is_terminal());
        if finished {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "simulator never finished");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().webhooks_delivered, 0);
    // The reconciler records the outputs and queues their copy; the worker settles the job.
    let first = shared::service::reconcile(&t.stack.app).await;
    assert_eq!(first.settled, 1, "{first:?}");
    let done = t.wait_finished(&u, id).await;
    let second = shared::service::reconcile(&t.stack.app).await;
    assert_eq!(second.settled, 0, "{second:?}");
    assert_eq!(done["job"]["status"], "succeeded");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04));
    t.stop().await;
}

async fn claims_sub(t: &TestStack, u: &common::User) -> String {
    t.me(u).await["user"]["id"].as_str().unwrap().to_string()
}

fn signed(t: &TestStack, id: &str, body: &str) -> (i64, String) {
    let secret = WebhookSecret::parse(t.stack.sim.as_ref().unwrap().webhook_secret()).unwrap();
    let now = chrono::Utc::now().timestamp();
    (now, webhook::sign(&secret, id, now, body.as_bytes()))
}

#[tokio::test]
async fn a_terminal_webhook_for_a_job_not_found_yet_is_not_acknowledged_and_is_retried() {
    let t = TestStack::start().await;
    let u = t.user("kai").await;
    let job = t.generate(&u, "first").await;
    t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let mut p = serde_json::to_value(sim.predictions()[0].clone()).unwrap();
    p["id"] = json!("not-recorded-anywhere");
    let body = p.to_string();
    // Twice with one webhook-id: the first refusal released its dedupe claim, so the retry is
    // handled again rather than acknowledged as a duplicate.
    for _ in 0..2 {
        let (ts, sig) = signed(&t, "msg_unknown", &body);
        assert_eq!(post_webhook(&t, "msg_unknown", ts, &sig, &body).await, 503);
    }
    // A start event for it is harmless and acknowledged.
    p["status"] = json!("processing");
    let body = p.to_string();
    let (ts, sig) = signed(&t, "msg_unknown_start", &body);
    assert_eq!(post_webhook(&t, "msg_unknown_start", ts, &sig, &body).await, 200);
    t.stop().await;
}

#[tokio::test]
async fn anonymous_junk_never_makes_the_webhook_read_the_secret_again() {
    let t = TestStack::start().await;
    let body = r#"{"id":"x","status":"succeeded"}"#;
    let now = chrono::Utc::now().timestamp();
    let forged = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
    assert_eq!(post_webhook(&t, "msg_0", now, "", body).await, 401);
    let after_first = t.stack.apps["webhook-replicate"].secrets.fetches();
    assert_eq!(after_first, 1, "the first request loads the secret once");
    for i in 0..40 {
        let id = format!("msg_{i}");
        let sig = match i % 4 {
            0 => String::new(),
            1 => "v1,garbage".to_string(),
            2 => webhook::sign(&forged, &id, now, body.as_bytes()),
            _ => webhook::sign(&forged, &id, now - 3600, body.as_bytes()),
        };
        let ts = if i % 4 == 3 { now - 3600 } else { now };
        assert_eq!(post_webhook(&t, &id, ts, &sig, body).await, 401);
    }
    assert_eq!(
        t.stack.apps["webhook-replicate"].secrets.fetches(),
        after_first,
        "no re-read within a minute, whatever is sent"
    );
    t.stop().await;
}
