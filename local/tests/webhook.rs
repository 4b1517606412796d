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
    let first = shared::service::reconcile(&t.stack.app).await;
    assert_eq!(first.settled, 1, "{first:?}");
    let second = shared::service::reconcile(&t.stack.app).await;
    assert_eq!(second.settled, 0, "{second:?}");
    let done = t.wait_finished(&u, id).await;
    assert_eq!(done["job"]["status"], "succeeded");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04));
    t.stop().await;
}

async fn claims_sub(t: &TestStack, u: &common::User) -> String {
    t.me(u).await["user"]["id"].as_str().unwrap().to_string()
}
