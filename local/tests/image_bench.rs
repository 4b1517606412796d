//! `make bench`: the worker's peak memory while one SQS batch copies five maximal images at
//! once: five jobs whose outputs are valid PNGs of exactly `MAX_OUTPUT_BYTES` (64 MiB; the
//! simulator's `oversize-output` switch pads a real image with an ancillary chunk and streams
//! it). Ignored in `make test`; run with
//! `cargo test -p local --test image_bench -- --ignored --nocapture`. Prints a Markdown table.
//! The worker loop is off: the five copy messages are handed to the worker as one batch, as
//! the SQS event source mapping does (batch size 5). The process also runs the gateway and
//! the simulator; the emulator is another process. So the figure bounds the worker's own
//! from above; the baseline (the peak before the copies, stack warmed up) is given beside it.
mod common;
use common::TestStack;
use common::bench::{env_or, memory_kib};
use serde_json::Value;
use shared::service::{COPY_MEMORY_ALLOWANCE, MAX_PARALLEL_COPIES, WORKER_BASELINE_ALLOWANCE};
use std::time::{Duration, Instant};

const WORKER_TIMEOUT_S: u32 = 300;

/// The mapping's batch size (BENCH_IMAGE_COPIES overrides it, to see one copy alone).
fn copies() -> usize {
    env_or("BENCH_IMAGE_COPIES", 5)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: make bench"]
async fn peak_memory_while_the_worker_copies_five_maximal_images_at_once() {
    let t = TestStack::with(|o| {
        o.run_worker = false;
        // A debug build on a shared machine copies more slowly than a Lambda: the time caps
        // are not what this measures.
        o.extra_env.push(("DOWNLOAD_TIMEOUT_S".into(), "200".into()));
        // The worker's timeout as in AWS (routes.json), not the local stack's shorter one.
        o.timeouts = vec![("worker".into(), WORKER_TIMEOUT_S)];
        o.queue_visibility_s = WORKER_TIMEOUT_S;
    })
    .await;
    let cap = t.stack.app.config.max_output_bytes;
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_oversize_bytes(cap);
    let u = t.user("bench").await;
    // Warm up every path once with an ordinary image, so the baseline includes it.
    let warm = t.generate(&u, "warm up").await;
    common::run_worker_once(&t).await; // the submission
    common::run_worker_once(&t).await; // the copy
    t.wait_finished(&u, warm["id"].as_str().unwrap()).await;

    let mut ids = Vec::new();
    let copies_n = copies();
    for i in 0..copies_n {
        let job = t.generate(&u, &format!("a very large picture {i} [sim:oversize-output]")).await;
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let submissions = common::receive_messages(&t, copies_n).await;
    common::hand_to_worker(&t, &submissions, Duration::from_secs(WORKER_TIMEOUT_S.into())).await;
    // Their webhooks queue the five copies; one batch of five, as the mapping would send.
    let copies = common::receive_messages(&t, copies_n).await;
    assert_eq!(copies.len(), copies_n, "one batch");
    let (base_hwm, base_rss) = memory_kib();
    let started = Instant::now();
    common::hand_to_worker(&t, &copies, Duration::from_secs(WORKER_TIMEOUT_S.into())).await;
    let secs = started.elapsed().as_secs_f64();
    let (hwm, _) = memory_kib();
    for id in &ids {
        let done: Value = t.wait_finished(&u, id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        assert_eq!(done["assets"][0]["bytes"].as_u64(), Some(cap), "{done}");
        assert_eq!(done["assets"][0]["content_type"], "image/png");
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!("| what | KiB | MiB |");
    println!("|---|---:|---:|");
    println!(
        "| process peak RSS (VmHWM) before the copies (stack warmed up) | {base_hwm} | {:.1} |",
        mib(base_hwm)
    );
    println!("| process RSS before the copies | {base_rss} | {:.1} |", mib(base_rss));
    println!(
        "| process peak RSS (VmHWM) after {copies_n} copies of {cap} bytes at once, in {secs:.1} s | {hwm} | {:.1} |",
        mib(hwm)
    );
    println!(
        "| growth of the peak during the copies | {} | {:.1} |",
        hwm.saturating_sub(base_hwm),
        mib(hwm.saturating_sub(base_hwm))
    );
    // The by-construction budget (shared::service::copy, checked against routes.json by a
    // unit test) must hold what was measured.
    let allowed = copies_n.min(MAX_PARALLEL_COPIES) as u64 * COPY_MEMORY_ALLOWANCE;
    assert!(
        (hwm.saturating_sub(base_hwm) * 1024) <= allowed,
        "the copies grew the peak by {} KiB, over their allowance of {} KiB",
        hwm.saturating_sub(base_hwm),
        allowed / 1024
    );
    assert!(base_hwm * 1024 <= WORKER_BASELINE_ALLOWANCE, "baseline {base_hwm} KiB");
    t.stop().await;
}
