//! Bounded inputs from Replicate: a signed `succeeded` webhook may name far more output URLs
//! than the job asked for, or URLs of any length, up to the webhook's 1 MiB. The job item
//! (DynamoDB: 400 KB an item) and the copy message (SQS: 256 KiB a message) keep only what the
//! job can use, and the job settles for the outputs the user paid for. The worker loop is off:
//! the test hands the queue's messages to the worker itself, so it can weigh the copy message.
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

/// Submits the job (the queue's one message, handed to the worker) with its webhooks dropped,
/// and waits until the provider has finished it: its output URLs and the prediction.
async fn provider_finished(t: &TestStack, u: &common::User, job_id: &str) -> (Vec<String>, Value) {
    let sim = t.stack.sim.as_ref().unwrap();
    sim.set_fault(Some(Fault::DropWebhook), 1);
    let submitted = run_worker_once(t).await;
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
    let bodies = run_worker_once(t).await;
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

/// Receives the queue's messages (waiting for at least one), hands them to the worker as one
/// SQS batch, deletes them, and returns their bodies.
async fn run_worker_once(t: &TestStack) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)));
    let url = &t.stack.resources.queue_url;
    let deadline = Instant::now() + Duration::from_secs(30);
    let messages = loop {
        let out = sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(5)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        let m = out.messages.unwrap_or_default();
        if !m.is_empty() {
            break m;
        }
        assert!(Instant::now() < deadline, "no message came");
    };
    let records: Vec<Value> = messages
        .iter()
        .map(|m| json!({ "messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(), "attributes": {}, "messageAttributes": {} }))
        .collect();
    let event = serde_json::from_value(json!({ "Records": records })).unwrap();
    let answer = worker::handler(t.stack.app.clone(), event).await.unwrap();
    assert!(answer.batch_item_failures.is_empty(), "the worker failed a message");
    for m in &messages {
        sqs.delete_message()
            .queue_url(url)
            .receipt_handle(m.receipt_handle().unwrap())
            .send()
            .await
            .unwrap();
    }
    messages.iter().map(|m| m.body().unwrap_or_default().to_string()).collect()
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
