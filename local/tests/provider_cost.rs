//! What the provider bills, job by job, against the simulator's own ledger of what Replicate
//! would bill (local/src/simulator/billing.json: its own price list, not the catalog): each
//! billing basis to the micro-dollar, metered or estimated, a cancel after the model started
//! counted as the operator's loss, and the operator's ledger (kept without user ids) equal to
//! the sum of its jobs.
mod common;
use common::{TestStack, User, uploads};
use serde_json::{Value, json};
use shared::billing::{BillingBasis, LedgerEntry};
use shared::domain::{Job, JobId, Micros};
use shared::replicate::PredictionStatus;
use std::time::{Duration, Instant};

async fn stored(t: &TestStack, u: &User, id: &str) -> Job {
    let sub = t.sub(u).await;
    t.stack.app.store.get_job(&sub, &JobId::parse(id).unwrap()).await.unwrap().unwrap()
}

fn bill_of(t: &TestStack, prediction_id: &str) -> local::simulator::Bill {
    let ledger = t.stack.sim.as_ref().unwrap().ledger();
    let mut bills = ledger.iter().filter(|b| b.prediction_id == prediction_id);
    let bill = bills.next().unwrap_or_else(|| panic!("no bill for {prediction_id} in {ledger:?}"));
    assert!(bills.next().is_none(), "billed once");
    bill.clone()
}

/// The job's recorded provider cost against the simulator's bill of its prediction.
async fn check_against_ledger(t: &TestStack, u: &User, id: &str, basis: BillingBasis, metered: bool) -> Job {
    let job = stored(t, u, id).await;
    let rec = job.provider.clone().unwrap_or_else(|| panic!("{}: no provider record", job.model));
    let pid = job.prediction_id.clone().unwrap();
    assert_eq!(rec.prediction_id, pid);
    let bill = bill_of(t, &pid);
    assert_eq!(
        (rec.basis, rec.metered, rec.cost_micros.0),
        (basis, metered, bill.cost_micros as i64),
        "{}: recorded {rec:?}, Replicate would bill {bill:?}",
        job.model
    );
    // The metrics are kept as the provider sent them.
    let p = t.stack.sim.as_ref().unwrap().prediction(&pid).unwrap();
    assert_eq!(rec.metrics.as_deref(), p.metrics.as_ref().map(|m| m.raw()));
    assert_eq!(rec.status, p.status.as_str());
    job
}

async fn photo(t: &TestStack, u: &User) -> String {
    let id = uploads::upload(t, u, "image/png", &uploads::png(64, 48)).await;
    let (s, b) = uploads::complete(t, u, &id).await;
    assert_eq!(s, 200, "{b}");
    id
}

async fn start(t: &TestStack, u: &User, path: &str, body: Value) -> String {
    let (s, b) = t.post(u, path, &body).await;
    assert_eq!(s, 202, "{body}: {b}");
    b["job"]["id"].as_str().unwrap().to_string()
}

/// Sums the ledger of today against the jobs' own records: the operator's totals are the
/// sum of the jobs, charge and bill, strays included.
async fn ledger_is_the_sum_of(t: &TestStack, jobs: &[Job]) -> LedgerEntry {
    let today = shared::clock::day(shared::clock::now());
    let rows = t.stack.app.store.ledger(&today, &today).await.unwrap();
    let mut total = LedgerEntry::default();
    rows.iter().for_each(|r| total.add(&r.totals));
    let billed: i64 = jobs
        .iter()
        .map(|j| j.provider.as_ref().map_or(0, |p| p.cost_micros.0) + j.strays.iter().map(|s| s.cost_micros.0).sum::<i64>())
        .sum();
    let charged: i64 = jobs.iter().map(|j| j.cost_micros.map_or(0, |c| c.0)).sum();
    let ran = jobs.iter().filter(|j| j.provider.is_some()).count() as i64;
    assert_eq!(
        (total.jobs, total.charged_micros, total.provider_micros),
        (ran, charged, billed),
        "ledger {rows:?}"
    );
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_basis_is_billed_as_replicate_would_to_the_micro_dollar() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let sim = t.stack.sim.as_ref().unwrap();

    // Per image (an official model): image_count × $0.02.
    let image = start(&t, &u, "/api/images/generate", json!({"model": "imagen-4-fast", "prompt": "a fox"})).await;
    // Per second of video, without audio: 4 s × $0.10.
    let video = start(
        &t,
        &u,
        "/api/videos/generate",
        json!({"model": "veo-3.1-fast", "prompt": "waves", "options": {"duration": 4, "generate_audio": false}}),
    )
    .await;
    // Per hardware-second (community models): predict_time × the L40S's and the A100's $/s.
    let photo = photo(&t, &u).await;
    let restore = |model: &'static str| json!({"model": model, "prompt": "", "source_asset_ids": [photo]});
    let codeformer = start(&t, &u, "/api/images/edit", restore("codeformer")).await;
    let swin2sr = start(&t, &u, "/api/images/edit", restore("swin2sr")).await;
    for id in [&image, &video, &codeformer, &swin2sr] {
        t.wait_finished(&u, id).await;
    }
    // Without metrics: an image's cost is estimated from what it delivered, a community
    // model's from its timestamps (both as Replicate bills them, but flagged estimated). The
    // fault is for the next prediction: one job at a time.
    sim.set_fault(Some(local::simulator::Fault::NoMetrics), 1);
    let unmetered_image = start(&t, &u, "/api/images/generate", json!({"model": "imagen-4", "prompt": "an owl"})).await;
    t.wait_finished(&u, &unmetered_image).await;
    sim.set_fault(Some(local::simulator::Fault::NoMetrics), 1);
    let unmetered_restore = start(&t, &u, "/api/images/edit", restore("gfpgan")).await;
    t.wait_finished(&u, &unmetered_restore).await;
    // Per token: a rewrite, answered within the request.
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a red fox in snow" })).await;
    assert_eq!(s, 200, "{b}");
    let text = b["job"]["id"].as_str().expect("the rewrite's job").to_string();

    let ids = [&image, &video, &codeformer, &swin2sr, &unmetered_image, &unmetered_restore, &text];
    for id in ids {
        let done = t.wait_finished(&u, id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
    }
    let jobs = vec![
        check_against_ledger(&t, &u, &image, BillingBasis::Image, true).await,
        check_against_ledger(&t, &u, &video, BillingBasis::VideoSecond, true).await,
        check_against_ledger(&t, &u, &codeformer, BillingBasis::HardwareSecond, true).await,
        check_against_ledger(&t, &u, &swin2sr, BillingBasis::HardwareSecond, true).await,
        check_against_ledger(&t, &u, &unmetered_image, BillingBasis::Image, false).await,
        check_against_ledger(&t, &u, &unmetered_restore, BillingBasis::HardwareSecond, false).await,
        check_against_ledger(&t, &u, &text, BillingBasis::Token, true).await,
    ];
    // The simulator's figures, for the record: what each basis came to.
    assert_eq!(jobs[0].provider.as_ref().unwrap().cost_micros, Micros(20_000));
    assert_eq!(jobs[1].provider.as_ref().unwrap().cost_micros, Micros(400_000));
    assert!(jobs[2].provider.as_ref().unwrap().cost_micros.0 > 0 && jobs[6].provider.as_ref().unwrap().cost_micros.0 > 0);
    // Users see nothing of it.
    for id in ids {
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        let text = b.to_string();
        assert!(
            !text.contains("provider") && !text.contains("metrics") && !text.contains("predict_time"),
            "{text}"
        );
    }

    let total = ledger_is_the_sum_of(&t, &jobs).await;
    assert_eq!((total.runs, total.estimated, total.loss_micros), (7, 2, 0));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_after_the_model_started_is_billed_to_the_operator_not_the_user() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let sim = t.stack.sim.as_ref().unwrap();
    let photo = photo(&t, &u).await;
    sim.set_fault(Some(local::simulator::Fault::Stall), 1);
    let id = start(
        &t,
        &u,
        "/api/images/edit",
        json!({"model": "codeformer", "prompt": "", "source_asset_ids": [photo]}),
    )
    .await;
    // Wait until the model is running at the provider, and let it run a little.
    let deadline = Instant::now() + Duration::from_secs(30);
    let pid = loop {
        let job = stored(&t, &u, &id).await;
        if let Some(pid) = job.prediction_id
            && sim.prediction(&pid).is_some_and(|p| p.status == PredictionStatus::Processing)
        {
            break pid;
        }
        assert!(Instant::now() < deadline, "never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["job"]["status"], "canceled");
    assert_eq!(b["job"]["cost_usd"], Value::Null, "the user pays nothing");

    let job = check_against_ledger(&t, &u, &id, BillingBasis::HardwareSecond, true).await;
    let billed = job.provider.as_ref().unwrap().cost_micros;
    // 0.3 s or more on an L40S ($0.000975/s): at least 293 µ$.
    assert!(billed.0 >= 293, "{billed:?}");
    assert_eq!(bill_of(&t, &pid).status, "canceled");
    // The provider's `canceled` webhook comes and changes nothing: billed once.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let total = ledger_is_the_sum_of(&t, &[stored(&t, &u, &id).await]).await;
    assert_eq!(
        (
            total.jobs,
            total.runs,
            total.charged_micros,
            total.provider_micros,
            total.loss_micros
        ),
        (1, 0, 0, billed.0, billed.0),
        "all of it is the operator's loss"
    );
    assert_eq!(total.margin_micros(), -billed.0);
    let me = t.me(&u).await;
    assert_eq!(me["quota"]["spent_usd"], json!(0.0), "{me}");
    t.stop().await;
}
