//! Every dollar accounted for under concurrency: the limit holds exactly, each job is charged
//! once, and a charge never exceeds its reservation. These run against the emulator launcher,
//! whose DynamoDB serializes writes and answers `TransactionConflict` like the real one, so
//! the retry paths run here too.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::Micros;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// `total` generations from `clients` parallel clients that retry `rate_limited` as told.
/// Returns (status, body) per request.
async fn storm(t: &Arc<TestStack>, u: &Arc<User>, total: usize, clients: usize, prompt: &str) -> Vec<(u16, Value)> {
    let next = Arc::new(AtomicUsize::new(0));
    let results = Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (t, u, next, results) = (t.clone(), u.clone(), next.clone(), results.clone());
        let prompt = prompt.to_string();
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    break;
                }
                let body = json!({ "model": "imagen-4", "prompt": format!("{prompt} #{i}") });
                let (s, b, _) = t.post_retrying(&u, "/api/images/generate", &body).await;
                results.lock().await.push((s, b));
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
    Arc::try_unwrap(results).unwrap().into_inner()
}

/// Replicate retries a completed webhook with backoff for about a minute.
fn replicate_like_retries() -> Vec<Duration> {
    [250, 500, 1000, 2000, 4000, 8000, 16000, 30000].map(Duration::from_millis).to_vec()
}

/// Every completed webhook delivery ended applied or as a duplicate: per delivery (webhook id
/// and its first try), a try answered 2xx. `sends` is how often each completed event is sent.
fn assert_no_delivery_lost(sim: &local::simulator::SimHandle, jobs: usize, sends: usize) {
    let deliveries = sim.webhook_deliveries();
    let completed: Vec<_> = deliveries
        .iter()
        .filter(|d| d.event == shared::replicate::WebhookEvent::Completed)
        .collect();
    let first_tries = completed.iter().filter(|d| d.attempt == 1).count();
    assert_eq!(first_tries, jobs * sends, "each completed webhook was sent {sends}×");
    let ok = completed
        .iter()
        .filter(|d| d.status.is_some_and(|s| (200..300).contains(&s)))
        .count();
    let retried = completed.iter().filter(|d| d.attempt > 1).count();
    assert_eq!(ok, jobs * sends, "every delivery ended 2xx ({retried} retries were asked for)");
}

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_hundred_parallel_generations_at_the_limit_edge_accept_exactly_what_fits() {
    let t = Arc::new(
        TestStack::with(|o| {
            o.monthly_limit_usd = "7.30".into();
            o.sim.webhook_retry_delays = replicate_like_retries();
        })
        .await,
    );
    let u = Arc::new(t.user("edge").await);
    let results = storm(&t, &u, 400, 64, "edge").await;
    let accepted: Vec<&Value> = results.iter().filter(|(s, _)| *s == 202).map(|(_, b)| b).collect();
    let refused = results
        .iter()
        .filter(|(s, b)| *s == 429 && b["error"]["code"] == "quota_exceeded")
        .count();
    let other: Vec<_> = results
        .iter()
        .filter(|(s, b)| *s != 202 && !(*s == 429 && b["error"]["code"] == "quota_exceeded"))
        .collect();
    assert!(other.is_empty(), "no 5xx, nothing else: {other:?}");
    // ⌊7.30 / 0.04⌋ = 182.
    assert_eq!((accepted.len(), refused), (182, 218));
    let reserved: i64 = accepted.iter().map(|b| micros(&b["job"]["estimated_cost_usd"])).sum();
    let sub = t.sub(&u).await;
    let period = shared::clock::period(shared::clock::now());
    let usage = t.stack.app.store.usage().month(&sub, &period).await.unwrap();
    // Jobs settling meanwhile cost exactly their reservation, so committed stays the sum of
    // the reservations, to the micro-dollar.
    assert_eq!(usage.committed.0, reserved, "{usage:?}");
    assert!(usage.committed.0 <= 7_300_000, "{usage:?}");

    let ids: Vec<String> = accepted.iter().map(|b| b["job"]["id"].as_str().unwrap().to_string()).collect();
    t.wait_all_finished(&u, &ids, Duration::from_secs(240)).await;
    let usage = t.stack.app.store.usage().month(&sub, &period).await.unwrap();
    assert_eq!(usage.spent, Micros(182 * 40_000), "{usage:?}");
    assert_eq!(usage.committed, usage.spent, "nothing left reserved");
    assert_eq!(usage.count, 182);
    assert_eq!(
        t.stack.sim.as_ref().unwrap().stats().predictions_created,
        182,
        "one prediction per job"
    );
    assert_no_delivery_lost(t.stack.sim.as_ref().unwrap(), 182, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_jobs_settled_concurrently_with_every_webhook_delivered_twice_charge_once_each() {
    let t = Arc::new(
        TestStack::with(|o| {
            o.sim.default_fault = Some(local::simulator::Fault::Duplicate);
            o.sim.webhook_retry_delays = replicate_like_retries();
        })
        .await,
    );
    let u = Arc::new(t.user("twice").await);
    let results = storm(&t, &u, 200, 32, "twice").await;
    assert!(
        results.iter().all(|(s, _)| *s == 202),
        "{:?}",
        results.iter().find(|(s, _)| *s != 202)
    );
    let ids: Vec<String> = results.iter().map(|(_, b)| b["job"]["id"].as_str().unwrap().to_string()).collect();
    t.wait_all_finished(&u, &ids, Duration::from_secs(240)).await;

    let mut assets = std::collections::HashSet::new();
    let mut costs = 0;
    for id in &ids {
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        assert_eq!(b["job"]["status"], "succeeded", "{b}");
        for a in b["assets"].as_array().unwrap() {
            assert!(assets.insert(a["id"].as_str().unwrap().to_string()));
        }
        costs += micros(&b["job"]["cost_usd"]);
    }
    assert_eq!(assets.len(), 200);
    let sub = t.sub(&u).await;
    let usage = t
        .stack
        .app
        .store
        .usage()
        .month(&sub, &shared::clock::period(shared::clock::now()))
        .await
        .unwrap();
    assert_eq!(usage.spent.0, costs, "spent is the sum of the real costs");
    assert_eq!(usage.spent, Micros(200 * 40_000));
    assert_eq!((usage.committed, usage.count), (usage.spent, 200));

    assert_no_delivery_lost(t.stack.sim.as_ref().unwrap(), 200, 2);
}

#[tokio::test]
async fn a_three_output_answer_to_a_one_image_job_keeps_and_charges_one() {
    let t = TestStack::start().await;
    let u = t.user("three").await;
    let job = t.generate(&u, "a cat [sim:extra-outputs]").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1, "extra outputs are not copied");
    assert_eq!(done["job"]["cost_usd"], json!(0.04));
    let pid = t.stack.sim.as_ref().unwrap().predictions()[0].clone();
    assert_eq!(pid.output_urls().len(), 3, "the provider did send three");
    let q = &t.me(&u).await["quota"];
    assert_eq!((q["spent_usd"].clone(), q["remaining_usd"].clone()), (json!(0.04), json!(19.96)));
    t.stop().await;
}
