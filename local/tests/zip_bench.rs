//! `make bench` (BENCH_ONLY=zip): the worker's peak memory while it builds one selection zip of
//! 500 files of 4 MiB (2,000 MiB, just under the 2 GiB cap): the objects and their records are
//! seeded straight into the stack's bucket and table, the zip is started through the API and
//! its `zip` message handed to the worker, as the SQS mapping does. Ignored in `make test`; run
//! with `cargo test -p local --test zip_bench -- --ignored --nocapture` (ZIP_BENCH_FILES and
//! ZIP_BENCH_MIB change the size). Prints a Markdown table. The process also runs the gateway
//! and the simulator (the emulator is another process), so the figure bounds the worker's own
//! from above; the baseline before the build is given beside it.
mod common;
use common::TestStack;
use common::bench::{env_or, memory_kib};
use serde_json::json;
use shared::domain::{Asset, AssetId, AssetKind, AssetSource};
use std::time::{Duration, Instant};

/// Longer than the worker's 300 s in AWS: a debug build copying through the emulator on a
/// shared machine is far slower than a Lambda in S3's region, and time is not what this
/// measures (a build would otherwise stop at its time cap: domain::export::time_to_stop).
const WORKER_TIMEOUT_S: u32 = 3600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: make bench"]
async fn peak_memory_while_the_worker_builds_a_500_file_2_gb_zip() {
    let (files, mib) = (env_or("ZIP_BENCH_FILES", 500), env_or("ZIP_BENCH_MIB", 4));
    let t = TestStack::with(|o| {
        o.run_worker = false;
        o.timeouts = vec![("worker".into(), WORKER_TIMEOUT_S)];
        o.queue_visibility_s = WORKER_TIMEOUT_S;
        o.storage_limit_mb = "100000".into();
    })
    .await;
    let u = t.user("zipbench").await;
    let sub = t.sub(&u).await;
    let app = &t.stack.app;
    let body = vec![0x5au8; mib << 20];
    let mut ids = Vec::new();
    let seeded = Instant::now();
    for i in 0..files {
        let id = AssetId::new();
        let asset = Asset {
            user_id: sub.clone(),
            s3_key: shared::media::object_key(&sub, &id, "png"),
            asset_id: id.clone(),
            kind: AssetKind::Image,
            source: AssetSource::Upload,
            model: None,
            prompt: Some(format!("bench file {i}")),
            parent_ids: vec![],
            job_id: None,
            saved: true,
            content_type: "image/png".into(),
            bytes: body.len() as u64,
            width: Some(1024),
            height: Some(1024),
            duration_s: None,
            created_at: "2026-12-06T00:00:00.000Z".into(),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        };
        app.media.put(&asset.s3_key, body.clone(), "image/png").await.unwrap();
        app.store.put_asset(&asset).await.unwrap();
        ids.push(id.as_str().to_string());
    }
    eprintln!("seeded {files} objects of {mib} MiB in {:.0} s", seeded.elapsed().as_secs_f64());
    drop(body);

    let (s, z) = t.post(&u, "/api/zips", &json!({ "asset_ids": ids })).await;
    assert_eq!(s, 202, "{z}");
    let id = z["id"].as_str().unwrap().to_string();
    let messages = common::receive_messages(&t, 1).await;
    let (base_hwm, base_rss) = memory_kib();
    let started = Instant::now();
    common::hand_to_worker(&t, &messages, Duration::from_secs(WORKER_TIMEOUT_S.into())).await;
    let secs = started.elapsed().as_secs_f64();
    let (hwm, _) = memory_kib();
    let (s, done) = t.get(&u, &format!("/api/zips/{id}")).await;
    assert_eq!((s, &done["state"]), (200, &json!("done")), "{done}");
    assert_eq!(done["files_done"], json!(files), "{done}");
    let zip_bytes = done["bytes"].as_u64().unwrap();
    assert!(zip_bytes > (files * (mib << 20)) as u64, "{done}");

    let m = |kib: u64| kib as f64 / 1024.0;
    println!("| what | KiB | MiB |");
    println!("|---|---:|---:|");
    println!(
        "| process peak RSS (VmHWM) before the build (stack up, objects seeded) | {base_hwm} | {:.1} |",
        m(base_hwm)
    );
    println!("| process RSS before the build | {base_rss} | {:.1} |", m(base_rss));
    println!(
        "| process peak RSS (VmHWM) after a zip of {files} files of {mib} MiB ({zip_bytes} bytes) in {secs:.0} s | {hwm} | {:.1} |",
        m(hwm)
    );
    println!(
        "| growth of the peak during the build | {} | {:.1} |",
        hwm.saturating_sub(base_hwm),
        m(hwm.saturating_sub(base_hwm))
    );
    t.stop().await;
}
