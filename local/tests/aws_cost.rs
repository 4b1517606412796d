//! What AWS bills for one job of each kind (docs/benchmarks.md, "What AWS costs per job"):
//! `make bench` runs this (BENCH_ONLY=awscost for just this part) and bench/aws_cost.py prices
//! it. One job of each kind goes through the HTTP API as a user's browser sends it, alone on the
//! stack, and the emulator's meter (local/emulator/meter.py) counts every AWS call the stack's
//! functions make for it, while the gateway and the SQS poller record each invocation's
//! duration (local::invoke::invoke_as). The harness waits on the job through its own,
//! unmetered, view of the tables, so only the user's requests and what they set off are counted.
//! Writes the counts as JSON to `AWSCOST_JSON` (default target/bench/awscost.json). It times and
//! prices nothing itself, and fails loudly if a kind made none of the calls it must make.
mod common;
use common::{TestStack, User, uploads};
use serde_json::{Value, json};
use shared::domain::{JobId, Micros, UserId};
use std::time::{Duration, Instant};

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

/// The meter's rows of this stack's identities.
async fn meter(t: &TestStack) -> Vec<Value> {
    let url = format!("{}/_vn/meter?key=VN.{}.", t.stack.moto.url, t.stack.prefix);
    let out: Value = t
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    out["calls"].as_array().cloned().unwrap_or_default()
}

async fn reset(t: &TestStack) {
    let url = format!("{}/_vn/meter/reset", t.stack.moto.url);
    let body = json!({ "key": format!("VN.{}.", t.stack.prefix) });
    t.http.post(url).json(&body).send().await.unwrap().error_for_status().unwrap();
    local::invoke::record_durations(true);
    local::invoke::take_durations();
}

fn is_idle(row: &Value) -> bool {
    row["action"] == "ReceiveMessage (empty)"
}

/// Waits until the jobs are finished (read through the harness's own view, unmetered) and the
/// stack has made no more billable call for a while (the SQS poller's empty receives aside).
async fn settle(t: &TestStack, sub: &UserId, jobs: &[String]) {
    let deadline = Instant::now() + Duration::from_secs(90);
    for id in jobs {
        loop {
            let job = t.stack.app.store.get_job(sub, &JobId::parse(id).unwrap()).await.unwrap().unwrap();
            if job.status.is_terminal() {
                assert_eq!(format!("{:?}", job.status), "Succeeded", "job {id} of {}", job.model);
                break;
            }
            assert!(Instant::now() < deadline, "job {id} still {:?}", job.status);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let busy = |rows: &[Value]| rows.iter().filter(|r| !is_idle(r)).cloned().collect::<Vec<_>>();
    let mut last = busy(&meter(t).await);
    let mut quiet = 0;
    while quiet < 3 {
        assert!(Instant::now() < deadline, "the stack kept calling AWS");
        tokio::time::sleep(Duration::from_millis(700)).await;
        let now = busy(&meter(t).await);
        quiet = if now == last { quiet + 1 } else { 0 };
        last = now;
    }
}

/// The counts of what happened since the last reset, as one row of the report.
async fn take(t: &TestStack, kind: &str, unit: &str, model_cost_micros: i64) -> Value {
    let rows = meter(t).await;
    let (idle, calls): (Vec<Value>, Vec<Value>) = rows.into_iter().partition(is_idle);
    let invocations = local::invoke::take_durations();
    let sum = |field: &str, service: &str| -> i64 {
        calls
            .iter()
            .filter(|r| r["service"] == service)
            .map(|r| r[field].as_i64().unwrap_or(0))
            .sum()
    };
    // Every kind goes through at least one function, which reads or writes DynamoDB.
    assert!(!invocations.is_empty(), "{kind}: no function ran");
    assert!(sum("requests", "dynamodb") > 0, "{kind}: no DynamoDB call was counted: {calls:?}");
    if unit == "job" {
        assert!(sum("wru", "dynamodb") > 0, "{kind}: a job that wrote nothing: {calls:?}");
    }
    json!({ "kind": kind, "unit": unit, "model_cost_micros": model_cost_micros,
            "calls": calls, "idle": idle, "invocations": invocations })
}

async fn spent(t: &TestStack, u: &User) -> i64 {
    let me = t.me(u).await;
    micros(&me["quota"]["monthly_limit_usd"]) - micros(&me["quota"]["remaining_usd"])
}

/// POSTs `body` to `path` (answered `status`), waits for the jobs it started (`jobs` picks
/// their ids from the answer) and returns the row of `kind`.
async fn job_kind(t: &TestStack, u: &User, kind: &str, path: &str, body: Value, status: u16, jobs: JobIds) -> Value {
    let before = spent(t, u).await;
    let sub = t.sub(u).await;
    reset(t).await;
    let (s, b) = t.post(u, path, &body).await;
    assert_eq!(s, status, "{kind}: {b}");
    settle(t, &sub, &jobs(&b)).await;
    let mut row = take(t, kind, "job", 0).await;
    row["model_cost_micros"] = json!(spent(t, u).await - before);
    row
}

/// Picks the ids of the jobs a POST started from its answer.
type JobIds = fn(&Value) -> Vec<String>;

fn one_job(b: &Value) -> Vec<String> {
    vec![b["job"]["id"].as_str().unwrap().to_string()]
}

fn every_job(b: &Value) -> Vec<String> {
    b["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect()
}

fn no_job(_: &Value) -> Vec<String> {
    Vec::new()
}

const EDIT: &str = "qwen-image-edit-plus";
const RESTORE: &str = "real-esrgan";

/// What the measured jobs start from: the user, a finished job and its image.
struct Source {
    sub: UserId,
    job_id: String,
    asset_id: String,
    url: String,
}

/// One job of each kind, an upload and the reads, each measured alone: the report's rows.
async fn measure_all(t: &TestStack, u: &User, src: &Source) -> Vec<Value> {
    let mut rows = Vec::new();
    let kinds: Vec<(&str, &str, Value, u16, JobIds)> = vec![
        (
            "image generate (imagen-4)",
            "/api/images/generate",
            json!({ "model": "imagen-4", "prompt": "an owl reading a map" }),
            202,
            one_job,
        ),
        (
            "image edit (qwen-image-edit-plus)",
            "/api/images/edit",
            json!({ "model": EDIT, "prompt": "make it winter", "source_asset_ids": [src.asset_id] }),
            202,
            one_job,
        ),
        (
            "restoration (real-esrgan)",
            "/api/images/edit",
            json!({ "model": RESTORE, "prompt": "", "source_asset_ids": [src.asset_id] }),
            202,
            one_job,
        ),
        (
            "video (veo-3.1-fast, 8 s)",
            "/api/videos/generate",
            json!({ "model": "veo-3.1-fast", "prompt": "surf at dawn" }),
            202,
            one_job,
        ),
        (
            "prompt rewrite (enhance)",
            "/api/prompts/enhance",
            json!({ "prompt": "a lighthouse" }),
            200,
            no_job,
        ),
        (
            "compare set (3 models)",
            "/api/sets",
            json!({ "prompt": "a lighthouse at dusk", "models": ["imagen-4", "imagen-4-fast", "nano-banana"] }),
            202,
            every_job,
        ),
        (
            "story (4 frames)",
            "/api/stories",
            json!({ "prompt": "a red fox crossing a snowy forest", "frames": 4 }),
            202,
            every_job,
        ),
    ];
    for (kind, path, body, status, jobs) in kinds {
        rows.push(job_kind(t, u, kind, path, body, status, jobs).await);
    }

    // An upload as the browser makes it: announce, the form to S3, complete.
    reset(t).await;
    // A phone photo's size: its header, then 3 MiB of scan data before the end marker.
    let mut photo = uploads::jpeg(4032, 3024, 20_000);
    let end = photo.split_off(photo.len() - 2);
    photo.extend(std::iter::repeat_n(0x45u8, 3 * uploads::MIB));
    photo.extend(end);
    let id = uploads::upload(t, u, "image/jpeg", &photo).await;
    let (s, b) = uploads::complete(t, u, &id).await;
    assert_eq!(s, 200, "{b}");
    settle(t, &src.sub, &[]).await;
    rows.push(take(t, "upload + complete (3 MiB JPEG)", "job", 0).await);

    // The reads a user makes: one poll of a job, a gallery page, one image through the CDN
    // (a cache miss), the usage page.
    let job_id = &src.job_id;
    let reads = [
        ("one job poll", format!("/api/jobs/{job_id}")),
        ("gallery page", "/api/assets".to_string()),
        ("usage page", "/api/usage".to_string()),
    ];
    for (kind, path) in reads {
        reset(t).await;
        let (s, b) = t.get(u, &path).await;
        assert_eq!(s, 200, "{kind}: {b}");
        settle(t, &src.sub, &[]).await;
        let mut row = take(t, kind, "read", 0).await;
        if kind == "gallery page" {
            row["items"] = json!(b["assets"].as_array().map_or(0, Vec::len));
        }
        rows.push(row);
    }
    reset(t).await;
    let r = t.http.get(&src.url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().len();
    settle(t, &src.sub, &[]).await;
    let calls: Vec<Value> = meter(t).await.into_iter().filter(|r| !is_idle(r)).collect();
    let out: i64 = calls
        .iter()
        .filter(|c| c["name"] == "cloudfront")
        .map(|c| c["bytes_out"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(
        out, bytes as i64,
        "the image's bytes came from S3 through the CDN's identity: {calls:?}"
    );
    rows.push(
        json!({ "kind": "one image through the CDN (a miss)", "unit": "read", "model_cost_micros": 0,
        "calls": calls, "idle": [], "invocations": local::invoke::take_durations(), "cdn_bytes": bytes }),
    );

    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "make bench runs it (BENCH_ONLY=awscost): it counts, it asserts no behaviour"]
async fn what_aws_bills_for_one_job_of_each_kind() {
    let t = TestStack::start().await;
    let u = t.user("costs").await;
    // A source image for the edit and the restoration, made before anything is counted.
    let first = t.generate(&u, "a stone bridge").await;
    let done = t.wait_finished(&u, first["id"].as_str().unwrap()).await;
    let src = Source {
        sub: t.sub(&u).await,
        job_id: first["id"].as_str().unwrap().to_string(),
        asset_id: done["assets"][0]["id"].as_str().unwrap().to_string(),
        url: done["assets"][0]["url"].as_str().unwrap().to_string(),
    };
    let catalog = &t.stack.app.catalog;
    assert_eq!(
        catalog.get(EDIT).and_then(|m| m.source_kind()),
        Some(shared::catalog::ModelKind::Edit)
    );
    assert_eq!(
        catalog.get(RESTORE).and_then(|m| m.source_kind()),
        Some(shared::catalog::ModelKind::Restore)
    );
    // Twice: the first round warms every function up (a cold start fetches its secrets and
    // opens its connections once per container, not once per job); the last is kept.
    // AWSCOST_ROUNDS=1 (the smoke pass of scripts/test.sh) keeps the cold round.
    let rounds: u32 = std::env::var("AWSCOST_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(2);
    let mut rows = Vec::new();
    for _ in 0..rounds.max(1) {
        rows = measure_all(&t, &u, &src).await;
    }

    let report = json!({ "kinds": rows });
    let path =
        std::env::var("AWSCOST_JSON").unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench/awscost.json").to_string());
    if let Some(dir) = std::path::Path::new(&path).parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("wrote {path}");
    t.stop().await;
}
