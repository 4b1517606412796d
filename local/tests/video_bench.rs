//! `make bench`: the worker's peak memory while it copies a 200 MB video (the simulator's
//! `oversize-output` switch at 200 MB, the cap raised to 300 MB). Ignored in `make test`; run
//! with `cargo test -p local --test video_bench -- --ignored --nocapture`. Prints a Markdown
//! table. The process also runs the gateway and the simulator (which streams the file from a
//! generator, one 64 KiB chunk at a time); the emulator is another process. So the figure is
//! an upper bound of the worker's own: the baseline (peak before the copy) is given beside it.
mod common;
use common::TestStack;
use common::bench::memory_kib;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SIZE: u64 = 200_000_000;

#[tokio::test]
#[ignore = "a benchmark: make bench"]
async fn peak_memory_while_the_worker_copies_a_200_mb_video() {
    let mut doc: Value = serde_json::from_str(include_str!("../../shared/catalog/models.json")).unwrap();
    let has_default = doc["models"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["default_for"].as_array().is_some_and(|k| k.contains(&json!("video"))));
    doc["models"].as_array_mut().unwrap().push(json!({
        "id": "veo-bench", "name": "Veo (bench)", "kinds": ["video"], "replicate": "google/veo-3.1",
        "default_for": if has_default { json!([]) } else { json!(["video"]) },
        "price": { "usd_micros": 400_000, "per": "second", "provider": { "basis": "video_second", "usd_micros": 400_000 } },
        "options": { "duration": { "type": "integer", "min": 4, "max": 8, "default": 8 } }
    }));
    let catalog = shared::catalog::Catalog::from_json(&doc.to_string()).unwrap();
    let t = TestStack::with(|o| {
        o.catalog = Some(catalog);
        o.extra_env.push(("MAX_VIDEO_BYTES".into(), "300000000".into()));
        o.sim.oversize_bytes = SIZE;
    })
    .await;
    let u = t.user("bench").await;
    let user = t.sub(&u).await;
    // Warm up every path once with a small video, so the baseline includes it.
    let warm = record(&t, &user, "warm up").await;
    wait(&t, &u, &warm).await;
    let (base_hwm, base_rss) = memory_kib();
    let started = Instant::now();
    let id = record(&t, &user, "a very long take [sim:oversize-output]").await;
    let done = wait(&t, &u, &id).await;
    let secs = started.elapsed().as_secs_f64();
    let (hwm, _) = memory_kib();
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"][0]["bytes"].as_u64(), Some(SIZE));
    println!("| what | KiB |");
    println!("|---|---:|");
    println!("| process peak RSS (VmHWM) before the copy (stack warmed up) | {base_hwm} |");
    println!("| process RSS before the copy | {base_rss} |");
    println!("| process peak RSS (VmHWM) after copying {SIZE} bytes in {secs:.1} s | {hwm} |");
    println!("| growth of the peak during the copy | {} |", hwm.saturating_sub(base_hwm));
    assert!(
        hwm.saturating_sub(base_hwm) < 64 * 1024,
        "the copy must not hold the video in memory: the peak grew by {} KiB",
        hwm - base_hwm
    );
    t.stop().await;
}

async fn record(t: &TestStack, user: &shared::domain::UserId, prompt: &str) -> String {
    use shared::clock;
    use shared::domain::{Job, JobId, JobKind, JobStatus};
    use shared::store::Reservation;
    let app = &t.stack.app;
    let now = clock::rfc3339(clock::now());
    let mut options = serde_json::Map::new();
    options.insert("duration".into(), json!(4));
    let job = Job {
        user_id: user.clone(),
        job_id: JobId::new(),
        kind: JobKind::Video,
        model: "veo-bench".into(),
        prompt: prompt.into(),
        estimated_micros: shared::catalog::estimate(app.catalog.get("veo-bench").unwrap(), &options),
        options,
        source_asset_ids: vec![],
        source_roles: vec![],
        texts: vec![],
        provider: None,
        strays: vec![],
        collection_id: None,
        status: JobStatus::Queued,
        error: None,
        asset_ids: vec![],
        cost_micros: None,
        created_at: now.clone(),
        updated_at: now,
        prediction_id: None,
        open: Some("1".into()),
        quota_period: clock::period(clock::now()),
        request_hash: None,
        claimed_at: None,
    };
    let res = Reservation {
        period: job.quota_period.clone(),
        amount: job.estimated_micros,
        limit: app.config.monthly_limit,
        starts: None,
        storage_limit: None,
    };
    app.store.create_job(&job, &res, None).await.unwrap();
    let msg = shared::queue::JobMessage {
        user_id: user.clone(),
        job_id: job.job_id.clone(),
    };
    app.queue.send(&msg).await.unwrap();
    job.job_id.as_str().to_string()
}

async fn wait(t: &TestStack, u: &common::User, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let (_, b) = t.get(u, &format!("/api/jobs/{id}")).await;
        if ["succeeded", "failed", "canceled"].contains(&b["job"]["status"].as_str().unwrap_or("")) {
            return b;
        }
        assert!(Instant::now() < deadline, "job {id} unfinished");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
