//! `make bench` (not `make test`): throughput and latency of `POST /api/images/generate`
//! through the local gateway at 64 parallel clients of one user, against the emulator launcher
//! (serialized DynamoDB, real `TransactionConflict`s) with the worker and webhooks running.
//! Every create writes the user's month item, so this measures the hot-item path. Prints a
//! markdown table for docs/benchmarks.md. Knobs: LOAD_CLIENTS (64), LOAD_REQUESTS (640).
mod common;
use common::TestStack;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "load measurement: run by `make bench`"]
async fn generate_under_load() {
    let (clients, total) = (env("LOAD_CLIENTS", 64), env("LOAD_REQUESTS", 640));
    let t = Arc::new(TestStack::with(|o| o.monthly_limit_usd = "1000".into()).await);
    let u = Arc::new(t.user("load").await);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (t, u, next) = (t.clone(), u.clone(), next.clone());
        tasks.spawn(async move {
            // (latency of each answer, time until accepted incl. retries, rate_limited count)
            let mut out = (Vec::new(), Vec::new(), 0u32, 0u32);
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= total {
                    return out;
                }
                let body = json!({ "model": "imagen-4", "prompt": format!("load #{i}") });
                let first = Instant::now();
                loop {
                    let t0 = Instant::now();
                    let r = t
                        .http
                        .post(t.url("/api/images/generate"))
                        .bearer_auth(&u.token)
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    let status = r.status().as_u16();
                    out.0.push(t0.elapsed());
                    if status == 429 {
                        out.2 += 1;
                        let wait = r
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok()?.parse().ok())
                            .unwrap_or(1);
                        tokio::time::sleep(Duration::from_secs(wait)).await;
                        continue;
                    }
                    if status != 202 {
                        out.3 += 1;
                    }
                    out.1.push(first.elapsed());
                    break;
                }
            }
        });
    }
    let (mut answers, mut accepted, mut limited, mut errors) = (Vec::new(), Vec::new(), 0, 0);
    while let Some(r) = tasks.join_next().await {
        let (a, b, l, e) = r.unwrap();
        answers.extend(a);
        accepted.extend(b);
        limited += l;
        errors += e;
    }
    let wall = started.elapsed();
    answers.sort();
    accepted.sort();
    println!(
        "| clients | requests | wall s | accepted/s | answer p50 ms | answer p99 ms | accepted p50 ms | accepted p99 ms | rate_limited answers | errors |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {clients} | {total} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {limited} | {errors} |",
        wall.as_secs_f64(),
        accepted.len() as f64 / wall.as_secs_f64(),
        pct(&answers, 0.5),
        pct(&answers, 0.99),
        pct(&accepted, 0.5),
        pct(&accepted, 0.99),
    );
    assert_eq!(errors, 0);
}
