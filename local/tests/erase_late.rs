//! Nothing lands after an account is deleted: a job queued before the delete is never started
//! (the worker reads the tombstone first), and outputs that arrive after it are never copied
//! (the worker reads it before landing them): the job ends canceled, charged nothing.
mod common;
use common::{TestStack, recorded_job};
use serde_json::json;
use shared::domain::{JobStatus, Micros};
use shared::queue::{CopyMessage, JobMessage};

#[tokio::test]
async fn a_job_queued_before_the_delete_never_starts_and_outputs_after_it_never_land() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("alice").await;
    let sub = t.sub(&u).await;
    let app = &t.stack.apps["worker"];
    let queued = recorded_job(&t.stack.app, &sub, 0, None).await;
    let running = recorded_job(&t.stack.app, &sub, 0, Some("p-late")).await;
    let (s, b) = t.post(&u, "/api/account/deletion", &json!({ "confirm_username": "alice" })).await;
    assert_eq!(s, 202, "{b}");

    // The queued job's message reaches the worker after the delete: nothing is submitted.
    let msg = JobMessage {
        user_id: sub.clone(),
        job_id: queued.job_id.clone(),
    };
    shared::service::submit(app, &msg).await.unwrap();
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 0, "nothing started");
    let job = app.store.get_job(&sub, &queued.job_id).await.unwrap().unwrap();
    assert_eq!(
        (job.status, job.error.map(|e| e.code)),
        (JobStatus::Canceled, Some("account_deleted".into()))
    );

    // The running job's outputs come to be copied after the delete: none is copied.
    let copy = CopyMessage {
        user_id: sub.clone(),
        job_id: running.job_id.clone(),
        prediction_id: "p-late".into(),
        output_urls: vec!["https://replicate.delivery/late/out-0.png".into()],
    };
    shared::service::finish_copy(app, &copy, std::time::Duration::from_secs(20))
        .await
        .unwrap();
    let job = app.store.get_job(&sub, &running.job_id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Canceled, "{job:?}");
    assert!(job.asset_ids.is_empty());
    let asset = shared::domain::AssetId::for_output(&running.job_id, 0);
    assert!(app.store.get_asset(&sub, &asset).await.unwrap().is_none(), "no output landed");
    let period = shared::clock::period(shared::clock::now());
    let m = t.stack.app.store.usage().month(&sub, &period).await.unwrap();
    assert_eq!(
        (m.committed, m.spent),
        (Micros::ZERO, Micros::ZERO),
        "charged nothing, nothing reserved"
    );
    t.stop().await;
}
