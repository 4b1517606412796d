//! A model's typical run time, measured (billing::runtime, store/run_times.rs): every job that
//! succeeds adds its run time (creation to success, whole milliseconds) to its model's month in
//! the operator's partition, in the transaction that settles it; `GET /api/models` answers each
//! model's `typical_seconds`, the mean of this month's and last month's runs in whole seconds,
//! the same for every user, and null below three runs (a failed job is no run).
mod common;
use aws_sdk_dynamodb::types::AttributeValue as A;
use chrono::{DateTime, Datelike, Months, Utc};
use common::{TestStack, User};
use serde_json::{Value, json};
use std::time::Duration;

/// `typical_seconds` of `model` as `user` sees it in `GET /api/models`.
async fn typical(t: &TestStack, user: &User, model: &str) -> Value {
    let (s, b) = t.get(user, "/api/models").await;
    assert_eq!(s, 200, "{b}");
    let m = b["models"].as_array().unwrap().iter().find(|m| m["id"] == model).unwrap().clone();
    assert!(m.get("typical_seconds").is_some(), "always present: {m}");
    m["typical_seconds"].clone()
}

/// Runs one imagen-4-fast job to its end; its run time in ms (creation to the success's
/// `updated_at`) when it succeeded.
async fn run(t: &TestStack, user: &User, prompt: &str) -> Option<i64> {
    let (s, b) = t
        .post(user, "/api/images/generate", &json!({ "model": "imagen-4-fast", "prompt": prompt }))
        .await;
    assert_eq!(s, 202, "{b}");
    let done = t.wait_finished(user, b["job"]["id"].as_str().unwrap()).await;
    let job = &done["job"];
    let at = |k: &str| DateTime::parse_from_rfc3339(job[k].as_str().unwrap()).unwrap();
    (job["status"] == "succeeded").then(|| (at("updated_at") - at("created_at")).num_milliseconds())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_gets_its_typical_time_at_its_third_run_for_everyone() {
    // Slow steps, so a run lasts seconds and its mean is more than the 1 s floor.
    let t = TestStack::with(|o| o.sim.step_delay = Duration::from_millis(700)).await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    assert_eq!(typical(&t, &alice, "imagen-4-fast").await, Value::Null, "nothing measured yet");

    let mut runs = vec![
        run(&t, &alice, "a fox").await.expect("succeeded"),
        run(&t, &bob, "an owl").await.expect("succeeded"),
    ];
    assert_eq!(run(&t, &alice, "[sim:fail] a hare").await, None, "failed");
    assert_eq!(
        typical(&t, &alice, "imagen-4-fast").await,
        Value::Null,
        "two runs (and a failure) say nothing"
    );

    runs.push(run(&t, &alice, "a badger").await.expect("succeeded"));
    let total: i64 = runs.iter().sum();
    let expected = ((total + 1500) / 3000).max(1);
    assert!(expected >= 2, "the steps make each run last over 1.4 s: {runs:?}");
    assert_eq!(typical(&t, &alice, "imagen-4-fast").await, json!(expected), "the mean of {runs:?}");
    assert_eq!(
        typical(&t, &bob, "imagen-4-fast").await,
        json!(expected),
        "the same figure for everyone"
    );
    assert_eq!(typical(&t, &bob, "imagen-4").await, Value::Null, "another model has none");
}

/// Adds `runs` runs of `ms` in all to `model`'s `month` (shard `shard`), as settles would.
async fn put_runs(t: &TestStack, month: &str, model: &str, shard: u32, runs: i64, ms: i64) {
    let conf = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    aws_sdk_dynamodb::Client::new(&conf)
        .put_item()
        .table_name(&t.stack.resources.tables.usage)
        .item("user_id", A::S("_operator".into()))
        .item("period", A::S(format!("runtime#{month}#{model}#{shard}")))
        .item("model", A::S(model.into()))
        .item("runs", A::N(runs.to_string()))
        .item("run_ms", A::N(ms.to_string()))
        .send()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn last_month_counts_with_this_one_and_the_month_before_does_not() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let now = Utc::now();
    let month = |back: u32| {
        let d = now.with_day(1).unwrap().checked_sub_months(Months::new(back)).unwrap();
        shared::clock::period(d)
    };
    // Veo 3.1: 2 runs last month over two shards, 1 this month; 6 long ones the month before.
    put_runs(&t, &month(1), "veo-3.1", 0, 1, 80_000).await;
    put_runs(&t, &month(1), "veo-3.1", 5, 1, 100_000).await;
    put_runs(&t, &month(0), "veo-3.1", 2, 1, 90_600).await;
    put_runs(&t, &month(2), "veo-3.1", 1, 6, 6 * 600_000).await;
    // Veo 3.1 Fast: two runs only in the window (its older ones don't count).
    put_runs(&t, &month(0), "veo-3.1-fast", 3, 2, 100_000).await;
    put_runs(&t, &month(2), "veo-3.1-fast", 3, 4, 200_000).await;
    assert_eq!(typical(&t, &u, "veo-3.1").await, json!(90), "(80 + 100 + 90.6) / 3 s");
    assert_eq!(typical(&t, &u, "veo-3.1-fast").await, Value::Null);
}
