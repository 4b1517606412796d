//! Bounded inputs from Replicate: a signed `succeeded` webhook may name far more output URLs
//! than the job asked for, or URLs of any length, up to the webhook's 1 MiB. The job item
//! (DynamoDB: 400 KB an item) and the copy message (SQS: 256 KiB a message) keep only what the
//! job can use, and the job settles for the outputs the user paid for. The worker loop is off:
//! the test hands the queue's messages to the worker itself, so it can weigh the copy message.
//! And the size of an image: streamed into S3, capped while it streams.
mod common;
use aws_sdk_dynamodb::types::AttributeValue;
use common::TestStack;
use local::simulator::Fault;
use serde_json::{Value, json};
use shared::domain::{JobId, UserId};
use shared::queue::{QueueMessage, Tagged};
use shared::replicate::{WebhookSecret, webhook};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// DynamoDB's item limit and SQS's message limit.
const ITEM_LIMIT: usize = 400_000;
const MESSAGE_LIMIT: usize = 256 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_naming_ten_thousand_outputs_settles_the_one_image_asked_for() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("olive").await;
    let job = t.generate(&u, "a lighthouse at dusk").await;
    let job_id = job["id"].as_str().unwrap().to_string();
    let (real, pred) = provider_finished(&t, &u, &job_id).await;
    assert_eq!(real.len(), 1);
    // The one real image first, then 9,999 more (each a valid simulator URL: extras the
    // provider might send, never asked for): about 700 KB of URLs.
    let origin = t.stack.sim.as_ref().unwrap().origin();
    let mut output = real.clone();
    output.extend((1..10_000).map(|i| format!("{origin}/files/{}/{i}.png", pred["id"].as_str().unwrap())));
    let done = deliver_and_copy(&t, &u, &job_id, pred, output, &real).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!(done["job"]["cost_usd"], json!(0.04));
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_of_100_kb_are_dropped_and_a_story_keeps_its_frames() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("pia").await;
    let (s, b) = t
        .post(&u, "/api/stories", &json!({ "prompt": "a paper boat on a river", "frames": 3 }))
        .await;
    assert_eq!(s, 202, "{b}");
    let job_id = b["jobs"][0]["id"].as_str().unwrap().to_string();
    let (real, pred) = provider_finished(&t, &u, &job_id).await;
    assert_eq!(real.len(), 3, "Seedream 4 drew the three frames");
    // Over-long URLs around and between the three frames (a 100 KB one first), then more
    // images than the story asked for: about 900 KB in all.
    let long = |i: usize| format!("https://replicate.delivery/{i}/{}.png", "x".repeat(100_000));
    let mut output = vec![long(0), real[0].clone(), long(1), real[1].clone(), real[2].clone()];
    output.extend((2..8).map(long));
    output.extend(real.iter().cloned());
    let done = deliver_and_copy(&t, &u, &job_id, pred, output, &real).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 3, "{done}");
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.09), "three frames at $0.03");
    t.stop().await;
}

/// An image is streamed like a video: one larger than a part goes to S3 as a multipart upload,
/// byte for byte; one over the cap is refused while streaming (it names no Content-Length),
/// its upload aborted, nothing charged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_image_streams_to_s3_and_one_over_the_cap_is_refused_midway() {
    const CAP: u64 = 2 * shared::media::PART_BYTES as u64 + 1234;
    let t = TestStack::with(|o| o.extra_env.push(("MAX_OUTPUT_BYTES".into(), CAP.to_string()))).await;
    let sim = t.stack.sim.as_ref().unwrap();
    let u = t.user("quinn").await;
    sim.set_oversize_bytes(CAP);
    let job = t.generate(&u, "a very large picture [sim:oversize-output]").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let a = &done["assets"][0];
    assert_eq!((a["bytes"].as_u64(), a["content_type"].as_str()), (Some(CAP), Some("image/png")));
    assert!(a["width"].as_u64().is_some_and(|w| w > 0), "{a}");
    let user = t.sub(&u).await;
    let asset_id = shared::domain::AssetId::parse(a["id"].as_str().unwrap()).unwrap();
    let asset = t.stack.app.store.get_asset(&user, &asset_id).await.unwrap().unwrap();
    let stored = t.stack.app.media.get_bytes(&asset.s3_key).await.unwrap();
    let pid = t
        .stack
        .app
        .store
        .get_job(&user, &JobId::parse(job["id"].as_str().unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap()
        .prediction_id
        .unwrap();
    let served = reqwest::get(sim.prediction(&pid).unwrap().output_urls()[0].as_str())
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.len() as u64, CAP);
    assert!(stored == served, "the stored image differs from the provider's");

    sim.set_oversize_bytes(CAP + 1);
    let job = t.generate(&u, "one byte too many [sim:unsized-output]").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "failed", "{done}");
    assert_eq!(done["job"]["error"]["code"], "output_too_large", "{done}");
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.04), "only the first image charged");
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let open = s3
        .list_multipart_uploads()
        .bucket(&t.stack.resources.media_bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(open.uploads().len(), 0, "the refused image's upload was aborted");
    t.stop().await;
}

/// Submits the job (the queue's one message, handed to the worker) with its webhooks dropped,
/// and waits until the provider has finished it: its output URLs and the prediction.
async fn provider_finished(t: &TestStack, u: &common::User, job_id: &str) -> (Vec<String>, Value) {
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_fault(Some(Fault::DropWebhook), 1);
    let submitted = common::run_worker_once(t).await;
    assert_eq!(submitted.len(), 1, "the submission");
    let (user, job) = ids(t, u, job_id).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let pid = t.stack.app.store.get_job(&user, &job).await.unwrap().unwrap().prediction_id;
        if let Some(p) = pid.and_then(|p| sim.prediction(&p)).filter(|p| p.status.is_terminal()) {
            return (p.output_urls(), serde_json::to_value(&p).unwrap());
        }
        assert!(Instant::now() < deadline, "the simulator never finished");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Delivers `pred` succeeded with `output` as a signed webhook, checks what it recorded and
/// queued (the job item and the copy message, each under its AWS limit, naming `expect`), runs
/// the copy, and returns the finished job as the API shows it.
async fn deliver_and_copy(t: &TestStack, u: &common::User, job_id: &str, mut pred: Value, output: Vec<String>, expect: &[String]) -> Value {
    let (user, job) = ids(t, u, job_id).await;
    pred["output"] = json!(output);
    let body = pred.to_string();
    assert!(body.len() < 1024 * 1024, "within the webhook's 1 MiB: {}", body.len());
    let secret = WebhookSecret::parse(t.stack.sim.as_ref().unwrap().webhook_secret()).unwrap();
    let now = chrono::Utc::now().timestamp();
    let id = "msg_bounded_outputs";
    let resp = t
        .http
        .post(t.url(&format!("/webhooks/replicate?user={}&job={job_id}", user.as_str())))
        .header("webhook-id", id)
        .header("webhook-timestamp", now.to_string())
        .header("webhook-signature", webhook::sign(&secret, id, now, body.as_bytes()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    assert_eq!((status, &answer["status"]), (200, &json!("copy_queued")), "{answer}");

    // The job item: only the kept URLs, far under the item limit.
    let item = raw_job(t, &user, &job).await;
    let size = item_bytes(&item);
    assert!(size < ITEM_LIMIT, "job item of {size} bytes");
    let recorded: Vec<&str> = item["output_urls"]
        .as_l()
        .unwrap()
        .iter()
        .map(|v| v.as_s().unwrap().as_str())
        .collect();
    assert_eq!(recorded, expect);

    // The copy message: the same URLs, far under the message limit; then the worker copies.
    let bodies = common::run_worker_once(t).await;
    assert_eq!(bodies.len(), 1, "one copy message");
    assert!(bodies[0].len() < MESSAGE_LIMIT, "copy message of {} bytes", bodies[0].len());
    let Some(QueueMessage::Tagged(Tagged::Copy(copy))) = QueueMessage::parse(&bodies[0]) else {
        panic!("not a copy message: {}", &bodies[0][..200.min(bodies[0].len())])
    };
    assert_eq!(copy.output_urls, expect);
    t.wait_finished(u, job_id).await
}

async fn ids(t: &TestStack, u: &common::User, job_id: &str) -> (UserId, JobId) {
    (t.sub(u).await, JobId::parse(job_id).unwrap())
}

async fn raw_job(t: &TestStack, user: &UserId, job: &JobId) -> HashMap<String, AttributeValue> {
    let ddb = aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)));
    let out = ddb
        .get_item()
        .table_name(&t.stack.resources.tables.jobs)
        .key("user_id", AttributeValue::S(user.as_str().into()))
        .key("job_id", AttributeValue::S(job.as_str().into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    out.item.expect("the job item")
}

/// An item's size as DynamoDB counts it: attribute names plus values (strings and numbers by
/// their bytes, lists and maps 3 bytes plus 1 per element plus the elements).
fn item_bytes(item: &HashMap<String, AttributeValue>) -> usize {
    fn value(v: &AttributeValue) -> usize {
        match v {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len(),
            AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value(v)).sum::<usize>(),
            AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| 1 + k.len() + value(v)).sum::<usize>(),
            AttributeValue::Ss(l) | AttributeValue::Ns(l) => l.iter().map(String::len).sum(),
            _ => 1,
        }
    }
    item.iter().map(|(k, v)| k.len() + value(v)).sum()
}
