//! One prediction per job, one charge per job, whatever fails: an ambiguous create, a worker
//! that dies after creating, a webhook that beats the worker, a second prediction, a
//! second prediction whose cancel is throttled, a reconciler racing a worker, predictions that
//! can't be read, and many stuck jobs.
mod common;
use common::{TestStack, User, create_prediction_for, recorded_job};
use serde_json::json;
use shared::domain::{Job, JobId, JobStatus};
use shared::queue::JobMessage;
use shared::replicate::{PredictionStatus, WebhookEvent};
use shared::{App, clock};
use std::time::Duration;

async fn job_of(t: &TestStack, u: &User, id: &str) -> Job {
    let sub = t.sub(u).await;
    t.stack.app.store.get_job(&sub, &JobId::parse(id).unwrap()).await.unwrap().unwrap()
}

fn msg(job: &Job) -> JobMessage {
    JobMessage {
        user_id: job.user_id.clone(),
        job_id: job.job_id.clone(),
    }
}

/// What a worker does up to the create, then dies: claim, create (webhook naming the job),
/// and nothing recorded.
async fn create_and_crash(app: &App, job: &Job) -> String {
    let now = clock::now().timestamp_millis();
    assert!(app.store.claim_job(job, now, now - 300_000).await.unwrap());
    create_prediction_for(app, job).await.id
}

async fn assert_charged_once(t: &TestStack, u: &User, id: &str) {
    // Most of these tests play a crashed worker: the outputs' copy is done here.
    let done = t.wait_finished_copying(u, id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    let q = &t.me(u).await["quota"];
    assert_eq!(
        (q["spent_usd"].clone(), q["remaining_usd"].clone()),
        (json!(0.04), json!(19.96)),
        "one charge, nothing held"
    );
}

#[tokio::test]
async fn a_502_on_create_that_made_a_prediction_runs_it_once_and_never_creates_another() {
    let t = TestStack::start().await;
    let u = t.user("gw").await;
    let job = t.generate(&u, "a fox [sim:bad-gateway]").await;
    let id = job["id"].as_str().unwrap();
    assert_charged_once(&t, &u, id).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let job = job_of(&t, &u, id).await;
    assert_eq!(
        job.prediction_id.as_deref(),
        Some(sim.predictions()[0].id.as_str()),
        "adopted from its webhook"
    );
    // The message comes back (the worker asked SQS to retry): it creates nothing.
    shared::service::submit(&t.stack.app, &msg(&job)).await.unwrap();
    assert_eq!(sim.stats().predictions_created, 1);
    t.stop().await;
}

#[tokio::test]
async fn a_502_that_made_no_prediction_is_created_again_only_after_the_deadline() {
    let t = TestStack::with(|o| {
        o.submit_deadline = Duration::from_secs(2);
        o.reconcile_after = Duration::ZERO;
    })
    .await;
    let u = t.user("gone").await;
    let job = t.generate(&u, "a bear [sim:unavailable:1]").await;
    let id = job["id"].as_str().unwrap();
    let sim = t.stack.sim.as_ref().unwrap();
    // The create answered 502: the job keeps its claim, as a prediction might exist.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while job_of(&t, &u, id).await.claimed_at.is_none() {
        assert!(std::time::Instant::now() < deadline, "the worker never tried");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.in_flight, r.requeued), (1, 0), "within the deadline nobody creates again: {r:?}");
    assert_eq!(sim.stats().predictions_created, 0);
    // No webhook came: after the deadline the reconciler queues it again and it runs once.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!(r.requeued, 1, "{r:?}");
    assert_charged_once(&t, &u, id).await;
    assert_eq!(sim.stats().predictions_created, 1);
    t.stop().await;
}

#[tokio::test]
async fn a_worker_that_dies_after_creating_leaves_one_prediction_and_one_charge() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("crash").await;
    let job = t.generate(&u, "a heron").await;
    let id = job["id"].as_str().unwrap();
    let job = job_of(&t, &u, id).await;
    let pid = create_and_crash(&t.stack.app, &job).await;
    assert_charged_once(&t, &u, id).await;
    assert_eq!(job_of(&t, &u, id).await.prediction_id.as_deref(), Some(pid.as_str()));
    // The dead worker's message is redelivered, now and after its claim went stale.
    shared::service::submit(&t.stack.app, &msg(&job)).await.unwrap();
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 1);
    assert_charged_once(&t, &u, id).await;
    t.stop().await;
}

#[tokio::test]
async fn a_webhook_that_arrives_before_the_worker_records_the_prediction_is_applied() {
    let t = TestStack::start().await;
    let u = t.user("early").await;
    let job = t.generate(&u, "an owl [sim:slow-create]").await;
    let id = job["id"].as_str().unwrap();
    assert_charged_once(&t, &u, id).await;
    let sim = t.stack.sim.as_ref().unwrap();
    // The worker then learns the id, finds it recorded already, and cancels nothing.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while sim.webhook_deliveries().iter().all(|d| d.event != WebhookEvent::Completed) {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let preds = sim.predictions();
    assert_eq!(preds.len(), 1);
    assert_eq!(preds[0].status, PredictionStatus::Succeeded);
    assert_charged_once(&t, &u, id).await;
    t.stop().await;
}

#[tokio::test]
async fn a_second_prediction_of_a_job_is_cancelled_and_never_charged() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("second").await;
    let job = t.generate(&u, "a lynx").await;
    let id = job["id"].as_str().unwrap().to_string();
    let job = job_of(&t, &u, &id).await;
    // The job's own prediction runs; a second one (a create repeated after its deadline) stalls.
    shared::service::submit(&t.stack.app, &msg(&job)).await.unwrap();
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_fault(Some(local::simulator::Fault::Stall), 1);
    let app = &t.stack.app;
    let second = create_prediction_for(app, &job).await;
    assert_charged_once(&t, &u, &id).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while sim.prediction(&second.id).unwrap().status != PredictionStatus::Canceled {
        assert!(std::time::Instant::now() < deadline, "the stray was never cancelled");
        // The webhook queued the stray's cancel: a worker (played here) makes it.
        t.work_queue_once().await;
    }
    assert_ne!(job_of(&t, &u, &id).await.prediction_id.as_deref(), Some(second.id.as_str()));
    assert_charged_once(&t, &u, &id).await;
    // What the stray cost is the operator's: recorded on the job once (its `completed`
    // webhook), as the simulator billed it, and in the operator's ledger as a loss.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let recorded = loop {
        let j = job_of(&t, &u, &id).await;
        if !j.strays.is_empty() {
            break j;
        }
        assert!(std::time::Instant::now() < deadline, "the stray's bill was never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        recorded.prediction_ids(),
        [recorded.prediction_id.as_deref().unwrap(), second.id.as_str()]
    );
    let bill = sim.ledger().into_iter().find(|b| b.prediction_id == second.id).expect("billed");
    assert_eq!(
        (recorded.strays[0].status.as_str(), recorded.strays[0].cost_micros.0),
        ("canceled", bill.cost_micros as i64)
    );
    let today = clock::day(clock::now());
    let rows = t.stack.app.store.ledger(&today, &today).await.unwrap();
    let strays: i64 = rows.iter().map(|r| r.totals.strays).sum();
    let lost: i64 = rows.iter().map(|r| r.totals.loss_micros).sum();
    assert_eq!((strays, lost), (1, bill.cost_micros as i64));
    t.stop().await;
}

#[tokio::test]
async fn a_stray_whose_cancel_is_throttled_is_cancelled_by_the_worker_while_its_webhooks_answer_at_once() {
    let t = TestStack::start().await;
    let u = t.user("throttled").await;
    let job = t.generate(&u, "a stoat").await;
    let id = job["id"].as_str().unwrap().to_string();
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let job = loop {
        let j = job_of(&t, &u, &id).await;
        if j.prediction_id.is_some() {
            break j;
        }
        assert!(std::time::Instant::now() < deadline, "the worker never submitted the job");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // A second prediction of the job runs on, and Replicate throttles its cancel: every try of
    // one call is answered 429.
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_fault(Some(local::simulator::Fault::ThrottleCancel), 1);
    let second = create_prediction_for(&t.stack.app, &job).await;
    // Its `start` webhook is answered 2xx: the cancel is queued, not waited for (a webhook
    // that waited out the throttling would answer late or 503, and would never be retried).
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    let start = loop {
        if let Some(d) = sim
            .webhook_deliveries()
            .into_iter()
            .find(|d| d.prediction_id == second.id && d.event == WebhookEvent::Start)
        {
            break d;
        }
        assert!(std::time::Instant::now() < deadline, "the stray's start webhook never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(start.status.is_some_and(|s| (200..300).contains(&s)), "{start:?}");
    // The worker comes back after the 429s' Retry-After and cancels it.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while sim.prediction(&second.id).unwrap().status != PredictionStatus::Canceled {
        assert!(std::time::Instant::now() < deadline, "the stray was never cancelled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused = u64::from(shared::replicate::client::DEFAULT_MAX_ATTEMPTS);
    assert_eq!(sim.stats().cancels_throttled, refused, "the first cancels were throttled");
    assert_charged_once(&t, &u, &id).await;
    assert_ne!(job_of(&t, &u, &id).await.prediction_id.as_deref(), Some(second.id.as_str()));
    // The stray's `completed` (canceled) webhook is answered 2xx too, and applies nothing.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !sim
        .webhook_deliveries()
        .iter()
        .any(|d| d.prediction_id == second.id && d.event == WebhookEvent::Completed)
    {
        assert!(std::time::Instant::now() < deadline, "the stray's completed webhook never came");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stray: Vec<_> = sim
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.prediction_id == second.id)
        .collect();
    assert!(stray.iter().all(|d| d.status.is_some_and(|s| (200..300).contains(&s))), "{stray:?}");
    assert_charged_once(&t, &u, &id).await;
    t.stop().await;
}

#[tokio::test]
async fn the_reconciler_never_gives_up_on_a_job_a_worker_is_submitting() {
    let t = TestStack::with(|o| {
        o.run_worker = false;
        o.give_up_after = Duration::ZERO;
        o.reconcile_after = Duration::ZERO;
    })
    .await;
    let u = t.user("race").await;
    let job = t.generate(&u, "a wolf").await;
    let id = job["id"].as_str().unwrap();
    let job = job_of(&t, &u, id).await;
    // A worker is mid-create: claimed, its create not answered yet.
    let now = clock::now().timestamp_millis();
    assert!(t.stack.app.store.claim_job(&job, now, now - 300_000).await.unwrap());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.in_flight, r.given_up, r.requeued), (1, 0, 0), "{r:?}");
    assert_eq!(job_of(&t, &u, id).await.status, JobStatus::Queued);
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(19.96), "still reserved");
    // The create answers; the worker records it; the run settles with one charge.
    let p = create_prediction_for(&t.stack.app, &job).await;
    let _ = t
        .stack
        .app
        .store
        .record_prediction(&job, &p.id, &clock::rfc3339(clock::now()))
        .await
        .unwrap();
    assert_charged_once(&t, &u, id).await;
    t.stop().await;
}

#[tokio::test]
async fn a_prediction_that_404s_forever_is_given_up_after_the_deadline_and_its_money_released() {
    let t = TestStack::with(|o| o.reconcile_after = Duration::from_secs(60)).await;
    let u = t.user("lost").await;
    let sub = t.sub(&u).await;
    let young = recorded_job(&t.stack.app, &sub, 10, Some("gone-young")).await;
    let old = recorded_job(&t.stack.app, &sub, 120, Some("gone-old")).await;
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(19.92));
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.checked, r.given_up, r.errors), (2, 1, 1), "{r:?}");
    let got = t.stack.app.store.get_job(&sub, &old.job_id).await.unwrap().unwrap();
    assert_eq!((got.status, got.error.unwrap().code.as_str()), (JobStatus::Failed, "lost"));
    let got = t.stack.app.store.get_job(&sub, &young.job_id).await.unwrap().unwrap();
    assert_eq!(got.status, JobStatus::Running, "not yet past its deadline: kept, money held");
    let q = &t.me(&u).await["quota"];
    assert_eq!((q["spent_usd"].clone(), q["remaining_usd"].clone()), (json!(0.0), json!(19.96)));
    t.stop().await;
}

#[tokio::test]
async fn a_hundred_and_fifty_stuck_jobs_do_not_block_a_settleable_one() {
    let t = TestStack::with(|o| o.reconcile_after = Duration::ZERO).await;
    let u = t.user("stuck").await;
    let sub = t.sub(&u).await;
    for i in 0..150 {
        recorded_job(&t.stack.app, &sub, 30, Some(&format!("stuck-{i}"))).await;
    }
    // A real job whose webhook was lost, newer than all of them.
    let job = t.generate(&u, "a crane [sim:drop-webhook]").await;
    let id = job["id"].as_str().unwrap();
    let sim = t.stack.sim.as_ref().unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !sim.predictions().first().is_some_and(|p| p.status.is_terminal()) || job_of(&t, &u, id).await.prediction_id.is_none() {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.checked, r.settled, r.errors), (151, 1, 150), "{r:?}");
    let done = t.wait_finished(&u, id).await;
    assert_eq!(done["job"]["status"], "succeeded");
    t.stop().await;
}
