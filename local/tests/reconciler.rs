//! The reconciler re-queues jobs whose SQS message was lost and gives up (releasing the
//! reservation) on jobs that never reached the provider. (The lost-webhook case is in
//! webhook.rs.)
mod common;
use common::{TestStack, recorded_job};
use serde_json::json;
use shared::domain::UserId;

#[tokio::test]
async fn a_job_whose_message_was_lost_is_queued_again_and_runs() {
    let t = TestStack::with(|o| o.reconcile_after = std::time::Duration::from_secs(60)).await;
    let u = t.user("kim").await;
    let sub = UserId::parse(t.me(&u).await["user"]["id"].as_str().unwrap()).unwrap();
    let job = recorded_job(&t.stack.app, &sub, 20, None).await;
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.checked, r.requeued), (1, 1), "{r:?}");
    let done = t.wait_finished(&u, job.job_id.as_str()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04));
    t.stop().await;
}

#[tokio::test]
async fn a_job_that_never_reached_the_provider_is_failed_and_costs_nothing() {
    let t = TestStack::start().await;
    let u = t.user("lee").await;
    let sub = UserId::parse(t.me(&u).await["user"]["id"].as_str().unwrap()).unwrap();
    let job = recorded_job(&t.stack.app, &sub, 120, None).await;
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(19.96), "reserved while queued");
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.given_up, r.requeued), (1, 0), "{r:?}");
    let (_, got) = t.get(&u, &format!("/api/jobs/{}", job.job_id)).await;
    assert_eq!(got["job"]["status"], "failed");
    assert_eq!(got["job"]["error"]["code"], "not_submitted");
    let q = &t.me(&u).await["quota"];
    assert_eq!((q["spent_usd"].clone(), q["remaining_usd"].clone()), (json!(0.0), json!(20.0)));
    assert_eq!(
        shared::service::reconcile(&t.stack.app).await.checked,
        0,
        "finished jobs leave the index"
    );
    t.stop().await;
}
