//! Each function runs under its own timeout locally (routes.json `timeout_s`; local/src/invoke.rs
//! stops it there, as Lambda does), and no outbound call may outlive it (shared::deadline):
//! a slow AWS or a slow provider makes the function answer by itself in time, never be cut off,
//! and nothing is lost. docs/aws-limits.md, "Timeouts".
mod common;
use common::TestStack;
use serde_json::{Value, json};
use std::time::Duration;

/// What the user has reserved (limit − spent − remaining), in micro-dollars.
async fn reserved_micros(t: &TestStack, u: &common::User) -> i64 {
    let q = t.me(u).await["quota"].clone();
    let usd = |k: &str| q[k].as_f64().unwrap();
    ((usd("monthly_limit_usd") - usd("spent_usd") - usd("remaining_usd")) * 1e6).round() as i64
}

fn sim(t: &TestStack) -> &local::simulator::SimHandle {
    t.stack.sim.as_ref().expect("simulator")
}

/// The function answered by itself (api.md's error shape), not API Gateway for a function it
/// had to stop (`{"message": "Internal Server Error"}`).
fn answered_by_the_function(body: &Value) {
    assert!(body["error"]["code"].is_string(), "the function was stopped at its timeout: {body}");
}

/// DynamoDB slower than me-get's whole timeout (5 s): the call is cut at the deadline, and the
/// function answers a clean 500 before Lambda would stop it.
#[tokio::test]
async fn an_aws_call_slower_than_the_function_is_cut_at_its_deadline() {
    let t = TestStack::start().await;
    let u = t.user("slow-aws").await;
    let key = local::iam::access_key_id(&t.stack.prefix, "me-get");
    local::iam::set_latency(&t.http, &t.stack.moto.url, &key, Duration::from_secs(8))
        .await
        .unwrap();
    let (s, b) = t.get(&u, "/api/me").await;
    assert_eq!(s, 500, "{b}");
    answered_by_the_function(&b);
    local::iam::set_latency(&t.http, &t.stack.moto.url, &key, Duration::ZERO)
        .await
        .unwrap();
    let (s, b) = t.get(&u, "/api/me").await;
    assert_eq!(s, 200, "{b}");
    t.stop().await;
}

/// A provider slower than jobs-cancel's timeout (10 s): the cancel call is cut, the user is
/// told to try again, and the job is untouched; once the provider answers, the cancel goes
/// through and releases the reservation.
#[tokio::test]
async fn a_slow_provider_cannot_hold_a_cancel_past_its_timeout() {
    let t = TestStack::start().await;
    let u = t.user("slow-cancel").await;
    let job = t.generate(&u, "a kite that never lands [sim:stall]").await;
    let id = job["id"].as_str().unwrap().to_string();
    let running = async {
        loop {
            let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
            if b["job"]["status"] == "running" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), running).await.expect("the job runs");
    sim(&t).set_api_delay(Duration::from_secs(30));
    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert!(s == 502 || s == 503, "{s} {b}");
    answered_by_the_function(&b);
    let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(b["job"]["status"], "running", "{b}");
    sim(&t).set_api_delay(Duration::ZERO);
    let (s, b) = t.post(&u, &format!("/api/jobs/{id}/cancel"), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["job"]["status"], "canceled", "{b}");
    assert_eq!(reserved_micros(&t, &u).await, 0, "the reservation is released");
    t.stop().await;
}

/// A language model slower than prompts-rewrite's timeout (here 8 s): `Prefer: wait` is cut to
/// what the invocation has left, the function answers 202 with the job to poll before its
/// timeout, and the job is not lost: the reconciler finds it once the provider answers again.
#[tokio::test]
async fn a_slow_provider_cannot_hold_a_prompt_rewrite_past_its_timeout() {
    let t = TestStack::with(|o| {
        o.timeouts.push(("prompts-rewrite".into(), 8));
        o.submit_deadline = Duration::from_secs(2);
        o.reconcile_after = Duration::from_secs(1);
        o.reconcile_every = Duration::from_secs(1);
    })
    .await;
    let u = t.user("slow-rewrite").await;
    sim(&t).set_api_delay(Duration::from_secs(30));
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a red bicycle" })).await;
    assert_eq!(s, 202, "{b}");
    let id = b["job"]["id"].as_str().unwrap().to_string();
    sim(&t).set_api_delay(Duration::ZERO);
    let done = t.wait_finished(&u, &id).await;
    assert!(
        ["succeeded", "failed"].contains(&done["job"]["status"].as_str().unwrap()),
        "the job ends: {done}"
    );
    assert_eq!(reserved_micros(&t, &u).await, 0, "nothing stays reserved");
    t.stop().await;
}

/// The worker under a timeout of a few seconds, outputs that never finish downloading: the copy
/// gives up inside the worker's timeout, the message comes back after the queue's visibility
/// timeout, and once the outputs flow the job settles once with one charge.
#[tokio::test]
async fn a_worker_message_past_its_budget_comes_back_after_the_visibility_timeout() {
    let t = TestStack::with(|o| {
        o.timeouts = vec![("worker".into(), 4)];
        o.queue_visibility_s = 4;
    })
    .await;
    let u = t.user("slow-copy").await;
    let job = t.generate(&u, "a slow river [sim:slow-output]").await;
    let id = job["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_secs(7)).await;
    let (_, b) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(b["job"]["status"], "running", "the copy could not finish: {b}");
    sim(&t).release_outputs();
    let done = t.wait_finished(&u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!(reserved_micros(&t, &u).await, 0);
    let me = t.me(&u).await;
    assert_eq!(me["quota"]["spent_usd"], done["job"]["cost_usd"], "charged once: {me}");
    t.stop().await;
}

/// The SQS rule the worker leans on: a queue whose visibility timeout is under the worker's
/// timeout is refused, as AWS refuses such an event source mapping.
#[tokio::test]
async fn a_queue_that_would_redeliver_during_a_run_is_refused() {
    let mut opts = local::stack::StackOptions::for_tests();
    opts.timeouts = vec![("worker".into(), 10)];
    opts.queue_visibility_s = 5;
    let err = local::stack::Stack::start(opts).await.err().expect("refused");
    assert!(err.to_string().contains("visibility timeout"), "{err}");
}
