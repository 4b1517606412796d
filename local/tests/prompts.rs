//! Prompt variations and enhancement (`POST /api/prompts/vary|enhance`): a language model job
//! that answers in the same request when it can, is charged its real cost from the token
//! counts, and whose answer is treated as untrusted text (cleaned, capped, split).
mod common;
use common::TestStack;
use serde_json::{Value, json};
use shared::catalog::token_cost;
use shared::domain::Micros;
use shared::domain::text::MAX_PROPOSAL_CHARS;
use std::time::Duration;

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

/// The cost the simulator's token counts of this prediction come to at the catalog's price.
fn expected_cost(t: &TestStack, prediction: &shared::replicate::Prediction) -> i64 {
    let m = prediction.metrics.as_ref().expect("metrics");
    let count = |k: &str| m.integer(k).expect(k);
    let spec = t.stack.app.catalog.get("llama-3-8b").unwrap();
    token_cost(spec, count("input_token_count"), count("output_token_count")).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vary_answers_four_rewrites_charged_at_their_real_cost() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a red fox in snow" })).await;
    assert_eq!(s, 200, "{b}");
    let proposals: Vec<&str> = b["proposals"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(proposals.len(), 4, "{b}");
    assert!(proposals.iter().all(|p| p.starts_with("a red fox in snow, ")), "{proposals:?}");
    let distinct: std::collections::BTreeSet<_> = proposals.iter().collect();
    assert_eq!(distinct.len(), 4, "four different directions");
    let job = &b["job"];
    assert_eq!(
        (job["kind"].as_str(), job["status"].as_str(), job["model"].as_str()),
        (Some("text"), Some("succeeded"), Some("llama-3-8b"))
    );

    // Charged exactly the simulator's token counts at the catalog price, below the reservation.
    let sim = t.stack.sim.as_ref().unwrap();
    let preds = sim.predictions();
    assert_eq!(preds.len(), 1);
    let want = expected_cost(&t, &preds[0]);
    assert!(want > 0);
    assert_eq!(micros(&job["cost_usd"]), want);
    assert!(want < micros(&job["estimated_cost_usd"]), "{job}");

    // The job shows the same text later, and usage counts it like any job.
    let (s, got) = t.get(&u, &format!("/api/jobs/{}", job["id"].as_str().unwrap())).await;
    assert_eq!(s, 200);
    assert_eq!(got["job"]["texts"], b["proposals"]);
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["count"], json!(1), "{usage}");
    assert_eq!(usage["by_model"][0]["model"], json!("llama-3-8b"));
    assert_eq!(micros(&usage["total_usd"]), want);
    assert_eq!(micros(&t.me(&u).await["quota"]["spent_usd"]), want);

    // Another user can't see it.
    let bob = t.user("bob").await;
    let (s, e) = t.get(&bob, &format!("/api/jobs/{}", job["id"].as_str().unwrap())).await;
    assert_eq!(s, 404, "{e}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enhance_answers_one_richer_prompt_and_an_overlong_answer_is_cut() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let (s, b) = t.post(&u, "/api/prompts/enhance", &json!({ "prompt": "a lighthouse" })).await;
    assert_eq!(s, 200, "{b}");
    let p = b["proposals"].as_array().unwrap();
    assert_eq!(p.len(), 1);
    assert!(p[0].as_str().unwrap().starts_with("a lighthouse, ") && p[0].as_str().unwrap().len() > 40);

    // The simulator rambles past 10 000 characters: one proposal, cut to the cap.
    let (s, b) = t
        .post(&u, "/api/prompts/enhance", &json!({ "prompt": "a lighthouse [sim:verbose]" }))
        .await;
    assert_eq!(s, 200, "{b}");
    let sim = t.stack.sim.as_ref().unwrap();
    let raw: String = sim.predictions()[1]
        .output
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(raw.chars().count() > 10_000);
    let p = b["proposals"].as_array().unwrap();
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].as_str().unwrap().chars().count(), MAX_PROPOSAL_CHARS);
    // Charged its real (long) answer's tokens, never more than reserved.
    let want = expected_cost(&t, &sim.predictions()[1]).min(micros(&b["job"]["estimated_cost_usd"]));
    assert_eq!(micros(&b["job"]["cost_usd"]), want);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_are_400_with_the_field_and_reserve_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    for (path, body, field) in [
        ("/api/prompts/vary", json!({ "prompt": "" }), Some("prompt")),
        ("/api/prompts/vary", json!({ "prompt": "   " }), Some("prompt")),
        ("/api/prompts/enhance", json!({ "prompt": "x".repeat(2001) }), Some("prompt")),
        ("/api/prompts/vary", json!({ "prompt": "a fox", "model": "nope" }), Some("model")),
        (
            "/api/prompts/vary",
            json!({ "prompt": "a fox", "model": "imagen-4" }),
            Some("model"),
        ),
        ("/api/prompts/vary", json!({ "prompt": "a fox", "options": {} }), None),
        ("/api/prompts/enhance", json!({}), None),
    ] {
        let (s, b) = t.post(&u, path, &body).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["error"]["code"], "validation_error");
        assert_eq!(b["error"]["field"].as_str(), field, "{body}: {b}");
    }
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(20.0));
    let (_, jobs) = t.get(&u, "/api/jobs").await;
    assert_eq!(jobs["jobs"], json!([]));
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_budget_is_429_with_nothing_created() {
    let t = TestStack::with(|o| o.monthly_limit_usd = "0.0002".into()).await;
    let u = t.user("alice").await;
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a fox" })).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["code"], "quota_exceeded");
    let (_, jobs) = t.get(&u, "/api/jobs").await;
    assert_eq!(jobs["jobs"], json!([]));
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_wait_runs_out_the_job_is_handed_back_and_settles_later() {
    // The simulated model takes ~2.4 s; the API waits 1 s.
    let t = TestStack::with(|o| {
        o.prompt_wait = Duration::from_secs(1);
        o.sim.step_delay = Duration::from_millis(1200);
    })
    .await;
    let u = t.user("alice").await;
    let started = std::time::Instant::now();
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a slow fox" })).await;
    assert_eq!(s, 202, "{b}");
    assert!(started.elapsed() < Duration::from_secs(2), "answered after the wait, not the run");
    assert!(b.get("proposals").is_none());
    let id = b["job"]["id"].as_str().unwrap();
    assert!(["queued", "running"].contains(&b["job"]["status"].as_str().unwrap()), "{b}");
    let done = t.wait_finished(&u, id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["texts"].as_array().unwrap().len(), 4, "{done}");
    assert!(micros(&done["job"]["cost_usd"]) > 0);
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["count"], json!(1), "{usage}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rewrite_is_a_502_and_costs_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({ "prompt": "a fox [sim:fail]" })).await;
    assert_eq!(s, 502, "{b}");
    assert_eq!(b["error"]["code"], "provider_error");
    let me = t.me(&u).await;
    assert_eq!(me["quota"]["spent_usd"], json!(0.0));
    assert_eq!(me["quota"]["remaining_usd"], json!(20.0));
    let (_, jobs) = t.get(&u, "/api/jobs").await;
    assert_eq!(jobs["jobs"][0]["status"], "failed");
    t.stop().await;
}
