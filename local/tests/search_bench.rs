//! `make bench` (BENCH_ONLY=search): prompt search on seeded accounts of 1,000 and 10,000
//! assets. The accounts are written directly (asset items and their terms, as the worker writes
//! them), not by running jobs. In each, "lighthouse" is in exactly 40 prompts and "red" and "fox"
//! in about half: the one-word query `lighthouse` and the three-word `red fox lighthouse` have
//! the same answers in both accounts, so their reads must be the same (flat). Each query's first
//! page (30) is requested through the local gateway (the assets-list function under its own IAM
//! identity); the emulator's meter gives the read units its DynamoDB calls cost, and the wall
//! times give p50/p99. Ignored in `make test`: `cargo test -p local --test search_bench --
//! --ignored --nocapture` (SEARCH_BENCH_SIZES=1000,10000, SEARCH_BENCH_N=40 requests a query).
mod common;
use common::TestStack;
use common::bench::env_or;
use serde_json::Value;
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, UserId};
use std::time::Instant;

const WORDS: [&str; 12] = [
    "castle", "forest", "river", "portrait", "neon", "city", "winter", "garden", "ocean", "desert", "robot", "sunset",
];
const RARE: usize = 40;

fn prompt(i: usize, n: usize) -> String {
    let mut p = vec![WORDS[i % 12], WORDS[(i / 12) % 12]];
    if i.is_multiple_of(2) {
        p.push("red");
    }
    if !i.is_multiple_of(3) {
        p.push("fox");
    }
    if i.is_multiple_of(n / RARE) {
        p.push("lighthouse");
    }
    p.join(" ")
}

async fn seed(t: &TestStack, user: &UserId, n: usize) {
    let start_ms = 1_780_000_000_000u64;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let id = AssetId::parse(&ulid::Ulid::from_parts(start_ms + i as u64 * 60_000, i as u128).to_string()).unwrap();
        let asset = Asset {
            user_id: user.clone(),
            s3_key: shared::media::object_key(user, &id, "png"),
            asset_id: id,
            kind: AssetKind::Image,
            source: AssetSource::Generated,
            model: Some("imagen-4".into()),
            prompt: Some(prompt(i, n)),
            parent_ids: vec![],
            job_id: None,
            saved: true,
            content_type: "image/png".into(),
            bytes: 1_000_000,
            width: Some(1024),
            height: Some(1024),
            duration_s: None,
            created_at: "2026-06-01T00:00:00.000Z".into(),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        };
        let (store, table, ddb) = (t.stack.app.store.clone(), t.stack.resources.tables.assets.clone(), ddb(t));
        tasks.spawn(async move {
            use aws_sdk_dynamodb::types::AttributeValue::{Bool, N, S};
            // The record's attributes the gallery and the search read (not counted in storage:
            // the bench measures reads).
            let a = &asset;
            ddb.put_item()
                .table_name(table)
                .item("user_id", S(a.user_id.to_string()))
                .item("asset_id", S(a.asset_id.to_string()))
                .item("kind", S("image".into()))
                .item("source", S("generated".into()))
                .item("model", S("imagen-4".into()))
                .item("prompt", S(a.prompt.clone().unwrap()))
                .item("saved", Bool(true))
                .item("content_type", S(a.content_type.clone()))
                .item("bytes", N(a.bytes.to_string()))
                .item("width", N("1024".into()))
                .item("height", N("1024".into()))
                .item("created_at", S(a.created_at.clone()))
                .item("s3_key", S(a.s3_key.clone()))
                .item("pinned", Bool(false))
                .send()
                .await
                .unwrap();
            shared::service::index_asset(&store, &asset).await.unwrap();
        });
        while tasks.len() >= 16 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(r) = tasks.join_next().await {
        r.unwrap();
    }
}

fn ddb(t: &TestStack) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)))
}

/// What the stack's functions' DynamoDB calls cost since the last reset: read units (halves
/// summed, as AWS bills them), Queries and BatchGetItem calls.
async fn reads(t: &TestStack) -> (f64, u64, u64) {
    let url = format!("{}/_vn/meter?key=VN.{}.", t.stack.moto.url, t.stack.prefix);
    let out: Value = t.http.get(url).send().await.unwrap().json().await.unwrap();
    let calls = out["calls"].as_array().unwrap();
    let count = |action: &str| -> u64 {
        calls
            .iter()
            .filter(|r| r["action"] == action)
            .map(|r| r["requests"].as_u64().unwrap_or(0))
            .sum()
    };
    let halves: u64 = calls.iter().map(|r| r["rru_halves"].as_u64().unwrap_or(0)).sum();
    (halves as f64 / 2.0, count("Query"), count("BatchGetItem"))
}

async fn reset(t: &TestStack) {
    let url = format!("{}/_vn/meter/reset", t.stack.moto.url);
    let body = serde_json::json!({ "key": format!("VN.{}.", t.stack.prefix) });
    t.http.post(url).json(&body).send().await.unwrap().error_for_status().unwrap();
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test]
#[ignore]
async fn search_reads_stay_flat_from_1000_to_10000_assets() {
    let sizes: Vec<usize> = std::env::var("SEARCH_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000".into())
        .split(',')
        .map(|s| s.trim().parse().unwrap())
        .collect();
    let reps = env_or("SEARCH_BENCH_N", 40);
    let t = TestStack::start().await;
    println!("| assets | query | results (first page) | read units | Queries | BatchGetItem | p50 ms | p99 ms |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for n in sizes {
        let user = t.user(&format!("bench{n}")).await;
        let sub = t.sub(&user).await;
        let seeded = Instant::now();
        seed(&t, &sub, n).await;
        eprintln!("seeded {n} assets in {:.0} s", seeded.elapsed().as_secs_f64());
        for q in ["", "lighthouse", "red fox lighthouse"] {
            // The plain gallery's first page first: the baseline.
            let path = format!("/api/assets?q={}&limit=30", q.replace(' ', "%20"));
            reset(&t).await;
            let (status, body) = t.get(&user, &path).await;
            assert_eq!(status, 200, "{body}");
            let found = body["assets"].as_array().unwrap().len();
            let (units, queries, batch_gets) = reads(&t).await;
            let mut ms: Vec<f64> = Vec::new();
            for _ in 0..reps {
                let at = Instant::now();
                let (status, _) = t.get(&user, &path).await;
                ms.push(at.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, 200);
            }
            ms.sort_by(f64::total_cmp);
            println!(
                "| {n} | {} | {found} | {units:.1} | {queries} | {batch_gets} | {:.0} | {:.0} |",
                if q.is_empty() {
                    "(gallery, no q)".to_string()
                } else {
                    format!("`{q}`")
                },
                pct(&ms, 0.5),
                pct(&ms, 0.99)
            );
        }
    }
    t.stop().await;
}
