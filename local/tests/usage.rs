//! `GET /api/usage`: the figures are exactly the sum of the succeeded jobs' costs, and a job is
//! counted in the month it was created, in the report and the spend meter alike, however late
//! it settles.
mod common;
use chrono::{Datelike, NaiveDate};
use common::TestStack;
use serde_json::{Value, json};
use shared::clock;
use shared::domain::{Job, JobId, JobKind, JobStatus, Micros};
use shared::store::{CreateOutcome, Reservation};
use std::collections::BTreeMap;
use std::time::Duration;

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_is_exactly_the_sum_of_the_succeeded_jobs() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let mut ids = Vec::new();
    for (model, prompt) in [
        ("imagen-4", "one"),
        ("imagen-4", "two"),
        ("imagen-4-fast", "three"),
        ("nano-banana", "four"),
        ("nano-banana", "five"),
        ("imagen-4", "six [sim:fail]"),
    ] {
        let (s, b) = t
            .post(&u, "/api/images/generate", &json!({ "model": model, "prompt": prompt }))
            .await;
        assert_eq!(s, 202, "{b}");
        ids.push(b["job"]["id"].as_str().unwrap().to_string());
    }
    t.wait_all_finished(&u, &ids, Duration::from_secs(60)).await;
    let mut by_model: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let (mut total, mut count, mut failed) = (0, 0, 0);
    for id in &ids {
        let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
        let job = &b["job"];
        if job["status"] == "succeeded" {
            let c = micros(&job["cost_usd"]);
            total += c;
            count += 1;
            let e = by_model.entry(job["model"].as_str().unwrap().to_string()).or_default();
            e.0 += c;
            e.1 += 1;
        } else {
            assert_eq!(job["cost_usd"], Value::Null, "{job}");
            failed += 1;
        }
    }
    assert_eq!((count, failed), (5, 1));

    let (s, r) = t.get(&u, "/api/usage").await;
    assert_eq!(s, 200, "{r}");
    let today = clock::now().date_naive();
    assert_eq!(r["from"], today.with_day(1).unwrap().format("%Y-%m-%d").to_string());
    assert_eq!(micros(&r["total_usd"]), total);
    assert_eq!(r["count"], count);
    let reported: BTreeMap<String, (i64, i64)> = r["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["model"].as_str().unwrap().to_string(),
                (micros(&m["usd"]), m["count"].as_i64().unwrap()),
            )
        })
        .collect();
    assert_eq!(reported, by_model);
    assert_eq!(r["by_day"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["by_day"][0]["date"], clock::day(clock::now()));
    assert_eq!(micros(&r["by_day"][0]["usd"]), total);
    assert_eq!(r["quota"], t.me(&u).await["quota"], "the quota of GET /api/me");
    assert_eq!(micros(&r["quota"]["spent_usd"]), total);

    // Another user's spending is not in it, and theirs is empty.
    let v = t.user("victor").await;
    let (_, theirs) = t.get(&v, "/api/usage").await;
    assert_eq!((theirs["count"].clone(), theirs["by_day"].clone()), (json!(0), json!([])));
    t.stop().await;
}

/// The last day of the month before `today`, and that month's first day.
fn previous_month(today: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last = today.with_day(1).unwrap().pred_opt().unwrap();
    (last.with_day(1).unwrap(), last)
}

#[tokio::test]
async fn a_job_created_on_the_last_day_of_a_month_counts_in_that_month_when_it_settles_in_the_next() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let sub = t.sub(&u).await;
    let app = &t.stack.app;
    let (first, last) = previous_month(clock::now().date_naive());
    let created = format!("{}T23:59:59.900Z", last.format("%Y-%m-%d"));
    let period = format!("{:04}-{:02}", last.year(), last.month());
    // Recorded as the create did then (queued, reserved in that month); it settles now, in
    // this month: its prediction's webhook adopts it and charges it.
    let job = Job {
        user_id: sub.clone(),
        job_id: JobId::new(),
        kind: JobKind::Image,
        model: "imagen-4".into(),
        prompt: "made at midnight".into(),
        options: serde_json::Map::new(),
        source_asset_ids: vec![],
        source_roles: vec![],
        status: JobStatus::Queued,
        error: None,
        asset_ids: vec![],
        estimated_micros: Micros(40_000),
        cost_micros: None,
        created_at: created.clone(),
        updated_at: created,
        prediction_id: None,
        open: Some("1".into()),
        quota_period: period.clone(),
        request_hash: None,
        claimed_at: None,
        texts: vec![],
        provider: None,
        strays: vec![],
        collection_id: None,
    };
    let res = Reservation {
        period: period.clone(),
        amount: job.estimated_micros,
        limit: Micros(20_000_000),
        starts: None,
        storage_limit: None,
    };
    assert!(matches!(
        app.store.create_job(&job, &res, None).await.unwrap(),
        CreateOutcome::Created
    ));
    common::create_prediction_for(app, &job).await;
    let done = t.wait_finished(&u, job.job_id.as_str()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");

    let (s, then) = t
        .get(
            &u,
            &format!("/api/usage?from={}&to={}", first.format("%Y-%m-%d"), last.format("%Y-%m-%d")),
        )
        .await;
    assert_eq!(s, 200, "{then}");
    assert_eq!((then["count"].clone(), micros(&then["total_usd"])), (json!(1), 40_000));
    assert_eq!(then["by_day"][0]["date"], last.format("%Y-%m-%d").to_string());
    let (_, now) = t.get(&u, "/api/usage").await;
    assert_eq!(now["count"], 0, "not in the month it settled: {now}");
    assert_eq!(micros(&t.me(&u).await["quota"]["spent_usd"]), 0, "the spend meter agrees");
    let month = app.store.usage().month(&sub, &period).await.unwrap();
    assert_eq!((month.spent, month.committed, month.count), (Micros(40_000), Micros(40_000), 1));
    t.stop().await;
}

#[tokio::test]
async fn periods_are_validated() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    for (q, field) in [
        ("from=2026-02-01&to=2026-01-31", "to"),
        ("from=2025-01-01&to=2026-01-02", "to"),
        ("from=2026-02-30&to=2026-03-01", "from"),
        ("from=2026-02-01&to=soon", "to"),
        ("from=2026-02-01", "to"),
        ("to=2026-02-01", "from"),
    ] {
        let (s, b) = t.get(&u, &format!("/api/usage?{q}")).await;
        assert_eq!(s, 400, "{q}: {b}");
        assert_eq!(b["error"]["field"], field, "{q}");
    }
    let (s, b) = t.get(&u, "/api/usage?from=2025-01-01&to=2026-01-01").await;
    assert_eq!(s, 200, "366 days are allowed: {b}");
    t.stop().await;
}
