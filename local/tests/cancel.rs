//! `POST /api/jobs/{id}/cancel`: queued and running jobs end canceled with nothing charged and
//! nothing reserved; finished ones answer 409, other users' 404; a cancel that reaches a
//! prediction the provider already finished answers 409 and leaves the job to its webhook; and
//! a cancel racing a succeeding webhook leaves each job in one state with one charge or none.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{JobId, Micros, UserId};
use shared::replicate::{Prediction, PredictionStatus, WebhookEvent, WebhookSecret, webhook};
use std::sync::Arc;
use std::time::{Duration, Instant};

async fn wait_status(t: &TestStack, u: &User, id: &str, want: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (s, b) = t.get(u, &format!("/api/jobs/{id}")).await;
        assert_eq!(s, 200, "{b}");
        if b["job"]["status"] == want {
            return b;
        }
        assert!(Instant::now() < deadline, "job {id} never {want}: {b}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn month(t: &TestStack, sub: &UserId) -> shared::store::MonthUsage {
    let period = shared::clock::period(shared::clock::now());
    t.stack.app.store.usage().month(sub, &period).await.unwrap()
}

#[tokio::test]
async fn a_queued_job_is_canceled_released_and_never_submitted() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("alice").await;
    let sub = t.sub(&u).await;
    let job = t.generate(&u, "a queued fox").await;
    let id = job["id"].as_str().unwrap();
    assert_eq!(month(&t, &sub).await.committed, Micros(40_000));

    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["job"]["status"], "canceled");
    assert_eq!(b["job"]["error"]["code"], "canceled");
    assert_eq!(b["job"]["cost_usd"], Value::Null);
    let m = month(&t, &sub).await;
    assert_eq!((m.committed, m.spent), (Micros::ZERO, Micros::ZERO), "reservation released");
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(20.0));

    // The worker gets the message later and skips the job.
    let msg = shared::queue::JobMessage {
        user_id: sub.clone(),
        job_id: JobId::parse(id).unwrap(),
    };
    shared::service::submit(&t.stack.app, &msg).await.unwrap();
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 0);
    let (_, after) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(after["job"]["status"], "canceled");

    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 409, "a canceled job is finished: {b}");
    assert_eq!(b["error"]["code"], "conflict");
    t.stop().await;
}

#[tokio::test]
async fn a_running_job_cancels_its_prediction_and_costs_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let sub = t.sub(&u).await;
    let job = t.generate(&u, "a slow fox [sim:stall]").await;
    let id = job["id"].as_str().unwrap();
    wait_status(&t, &u, id, "running").await;

    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["job"]["status"], "canceled");
    let stored = t.stack.app.store.get_job(&sub, &JobId::parse(id).unwrap()).await.unwrap().unwrap();
    let pid = stored.prediction_id.expect("it ran as a prediction");
    let p = t.stack.sim.as_ref().unwrap().prediction(&pid).unwrap();
    assert_eq!(p.status, PredictionStatus::Canceled, "canceled at the provider");
    // The provider's canceled webhook comes and changes nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, after) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(after["job"]["status"], "canceled");
    let m = month(&t, &sub).await;
    assert_eq!((m.committed, m.spent, m.count), (Micros::ZERO, Micros::ZERO, 0));
    t.stop().await;
}

#[tokio::test]
async fn finished_jobs_answer_409_and_other_users_jobs_404() {
    let t = TestStack::start().await;
    let (u, v) = (t.user("alice").await, t.user("victor").await);
    let job = t.generate(&u, "a quick fox").await;
    let id = job["id"].as_str().unwrap();
    t.wait_finished(&u, id).await;
    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["error"]["code"], "conflict");

    let running = t.generate(&u, "a slow fox [sim:stall]").await;
    let rid = running["id"].as_str().unwrap();
    for path in [
        format!("/api/jobs/{rid}/cancel"),
        format!("/api/jobs/{}/cancel", JobId::new()),
        "/api/jobs/nope/cancel".to_string(),
    ] {
        let (s, b) = t.post(&v, &path, &json!({})).await;
        assert_eq!(s, 404, "{path}: {b}");
    }
    let (_, mine) = t.get(&u, &format!("/api/jobs/{rid}")).await;
    assert!(["queued", "running"].contains(&mine["job"]["status"].as_str().unwrap()), "{mine}");
    t.stop().await;
}

/// The provider finished the prediction, but its `completed` webhook has not reached us: the
/// job still runs here. A cancel asks Replicate, hears `succeeded`, answers 409 and changes
/// nothing; the webhook, when it comes, settles the job succeeded with its asset, charged once
/// from its reservation.
#[tokio::test]
async fn cancel_after_the_provider_succeeded_answers_409_and_the_late_webhook_settles_it() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let sub = t.sub(&u).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let job = t.generate(&u, "a fox that finishes first [sim:hold-webhook]").await;
    let id = job["id"].as_str().unwrap();
    let job_id = JobId::parse(id).unwrap();

    // Wait until the simulator's prediction really succeeded (its webhook is held).
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = loop {
        let stored = t.stack.app.store.get_job(&sub, &job_id).await.unwrap().unwrap();
        if let Some(pid) = &stored.prediction_id
            && sim.prediction(pid).unwrap().status == PredictionStatus::Succeeded
        {
            break pid.clone();
        }
        assert!(Instant::now() < deadline, "the prediction never succeeded: {stored:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(b["job"]["status"], "running", "nothing told us it finished: {b}");
    let m = month(&t, &sub).await;
    assert_eq!((m.committed, m.spent, m.count), (Micros(40_000), Micros::ZERO, 0), "reserved");

    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 409, "the provider already finished it: {b}");
    assert_eq!(b["error"]["code"], "conflict");
    assert_eq!(b["error"]["message"], "The job finished before it could be canceled.");
    // Nothing changed: the job runs on with its reservation, the prediction stays succeeded.
    let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(b["job"]["status"], "running", "{b}");
    assert_eq!(b["job"]["error"], Value::Null, "{b}");
    let m = month(&t, &sub).await;
    assert_eq!((m.committed, m.spent, m.count), (Micros(40_000), Micros::ZERO, 0), "still reserved");
    assert_eq!(sim.prediction(&pid).unwrap().status, PredictionStatus::Succeeded);

    // Replicate's webhook arrives late and settles it.
    sim.release_webhooks();
    let done = t.wait_finished(&u, id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(0.04));
    assert_eq!(done["job"]["asset_ids"].as_array().unwrap().len(), 1, "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1, "{done}");
    let delivered: Vec<_> = sim
        .webhook_deliveries()
        .into_iter()
        .filter(|d| d.prediction_id == pid && d.event == WebhookEvent::Completed)
        .collect();
    assert_eq!(delivered.len(), 1, "one completed webhook, after the cancel: {delivered:?}");
    let m = month(&t, &sub).await;
    assert_eq!((m.spent, m.count), (Micros(40_000), 1), "charged once: {m:?}");
    assert_eq!(m.committed, m.spent, "the reservation became the charge, nothing released: {m:?}");
    let (_, gallery) = t.get(&u, "/api/assets?limit=100").await;
    let assets = gallery["assets"].as_array().unwrap();
    assert_eq!(assets.len(), 1, "{gallery}");
    assert_eq!(assets[0]["job_id"], id);

    // It is finished now, and says so.
    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(b["error"]["message"], "The job is already succeeded; it can't be canceled.");
    t.stop().await;
}

/// POSTs a signed `completed` webhook saying `pred` succeeded with `output`, as Replicate would.
async fn deliver_success(t: &TestStack, url: &str, secret: &WebhookSecret, pred: &Prediction, output: &Value) -> u16 {
    let mut p = pred.clone();
    p.status = PredictionStatus::Succeeded;
    p.output = output.clone();
    p.completed_at = Some(shared::clock::rfc3339(shared::clock::now()));
    let body = serde_json::to_vec(&p).unwrap();
    let id = format!("msg_{}_race", p.id);
    let ts = shared::clock::now().timestamp();
    let r = t
        .http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", webhook::sign(secret, &id, ts, &body))
        .body(body)
        .send()
        .await
        .unwrap();
    r.status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_racing_a_succeeding_webhook_ends_in_one_state_with_one_charge_or_none() {
    let t = Arc::new(TestStack::start().await);
    let u = Arc::new(t.user("alice").await);
    let sub = t.sub(&u).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let secret = WebhookSecret::parse(sim.webhook_secret()).unwrap();
    // A finished job lends its output file: the raced predictions "succeed" with it.
    let donor = t.generate(&u, "a donor fox").await;
    let donor = t.wait_finished(&u, donor["id"].as_str().unwrap()).await;
    let donor_job = t
        .stack
        .app
        .store
        .get_job(&sub, &JobId::parse(donor["job"]["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    let output = sim.prediction(donor_job.prediction_id.as_deref().unwrap()).unwrap().output;

    // Who goes first, by how many ms (negative: the cancel). The narrow ones race. The wide ones
    // decide the outcome: the first finishes before the second is sent (a sleep would not decide
    // it on a loaded 2-core machine, where one webhook can take longer than any fixed delay).
    const CANCEL_FIRST: i64 = i64::MIN;
    const HOOK_FIRST: i64 = i64::MAX;
    let offsets: Vec<i64> = [CANCEL_FIRST, -40, -10, -3, 0, 0, 3, 10, 40, HOOK_FIRST].repeat(3);
    let mut ids = Vec::new();
    for i in 0..offsets.len() {
        let job = t.generate(&u, &format!("race {i} [sim:stall]")).await;
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (id, offset) in ids.iter().cloned().zip(offsets) {
        wait_status(&t, &u, &id, "running").await;
        let job = t.stack.app.store.get_job(&sub, &JobId::parse(&id).unwrap()).await.unwrap().unwrap();
        let pred = sim.prediction(job.prediction_id.as_deref().unwrap()).unwrap();
        let url = t.stack.app.config.webhook_url_for(&job).unwrap();
        let (t, u, secret, output) = (t.clone(), u.clone(), secret.clone(), output.clone());
        tasks.spawn(async move {
            let (path, empty) = (format!("/api/jobs/{id}/cancel"), json!({}));
            let cancel = || t.post(&u, &path, &empty);
            let hook = || deliver_success(&t, &url, &secret, &pred, &output);
            let ((cs, cb), ws) = match offset {
                CANCEL_FIRST => {
                    let c = cancel().await;
                    (c, hook().await)
                }
                HOOK_FIRST => {
                    let w = hook().await;
                    (cancel().await, w)
                }
                _ => {
                    let cancel = async {
                        tokio::time::sleep(Duration::from_millis(offset.max(0) as u64)).await;
                        cancel().await
                    };
                    let hook = async {
                        tokio::time::sleep(Duration::from_millis((-offset).max(0) as u64)).await;
                        hook().await
                    };
                    tokio::join!(cancel, hook)
                }
            };
            (id, offset, cs, cb, ws)
        });
    }
    let (mut succeeded, mut canceled) = (0i64, 0i64);
    while let Some(r) = tasks.join_next().await {
        let (id, offset, cancel_status, cancel_body, hook_status) = r.unwrap();
        match offset {
            CANCEL_FIRST => assert_eq!(cancel_status, 200, "{id}: a cancel sent first wins"),
            HOOK_FIRST => assert_eq!(cancel_status, 409, "{id}: a settled job is final"),
            _ => {}
        }
        assert_eq!(hook_status, 200, "{id}: the webhook is applied or already final");
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        let job = &b["job"];
        match cancel_status {
            200 => {
                assert_eq!(cancel_body["job"]["status"], "canceled");
                assert_eq!(job["status"], "canceled", "{offset}: {b}");
                assert_eq!(job["cost_usd"], Value::Null);
                assert_eq!(job["asset_ids"], json!([]));
                canceled += 1;
            }
            409 => {
                assert_eq!(job["status"], "succeeded", "{offset}: {b}");
                assert_eq!(job["cost_usd"], json!(0.04));
                assert_eq!(b["assets"].as_array().unwrap().len(), 1);
                succeeded += 1;
            }
            other => panic!("{id} ({offset}): cancel answered {other}: {cancel_body}"),
        }
    }
    assert!(
        succeeded > 0 && canceled > 0,
        "both outcomes happen ({succeeded} succeeded, {canceled} canceled)"
    );
    // Give stray deliveries (the provider's canceled webhooks) time to arrive; they change nothing.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let m = month(&t, &sub).await;
    let charged = succeeded + 1; // and the donor
    assert_eq!(m.spent, Micros(charged * 40_000), "{m:?}");
    assert_eq!(m.count, charged);
    assert_eq!(m.committed, m.spent, "no reservation left: {m:?}");
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["count"], charged);
    // No output of a canceled job is left in the gallery.
    let (_, gallery) = t.get(&u, "/api/assets?limit=100").await;
    let jobs: Vec<&str> = gallery["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(jobs.len() as i64, charged, "outputs of these jobs are left: {jobs:?}");
    // The discarded outputs left the storage count with their records.
    t.assert_storage_is_the_records(&sub).await;
    drop(u);
    if let Ok(t) = Arc::try_unwrap(t) {
        t.stop().await;
    }
}
