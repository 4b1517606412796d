//! Compare models (`/api/sets`): one prompt on 2–4 text→image models, reserved all or
//! nothing, each job charged like any other, the set kept so it can be shown again.
mod common;
use common::TestStack;
use serde_json::{Value, json};
use shared::domain::Micros;
use std::time::{Duration, Instant};

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_models_settle_with_three_charges_that_usage_shows() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let models = ["imagen-4", "imagen-4-fast", "nano-banana"];
    let (s, b) = t
        .post(
            &u,
            "/api/sets",
            &json!({ "prompt": "a lighthouse at dusk", "models": models, "options": { "aspect_ratio": "16:9" } }),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let set_id = b["set"]["id"].as_str().unwrap().to_string();
    assert_eq!(micros(&b["set"]["estimated_cost_usd"]), 40_000 + 20_000 + 39_000);
    let jobs = b["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 3);
    for (j, m) in jobs.iter().zip(models) {
        assert_eq!(j["model"], m);
        assert_eq!(j["options"]["aspect_ratio"], "16:9");
        assert_eq!(j["prompt"], "a lighthouse at dusk");
    }
    // The whole set is reserved at once.
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 20_000_000 - 99_000);

    let deadline = Instant::now() + Duration::from_secs(60);
    let view = loop {
        let (s, v) = t.get(&u, &format!("/api/sets/{set_id}")).await;
        assert_eq!(s, 200, "{v}");
        if v["set"]["status"] == "finished" {
            break v;
        }
        assert!(Instant::now() < deadline, "set still running: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let results = view["jobs"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let mut charged = 0;
    for (r, m) in results.iter().zip(models) {
        assert_eq!(r["job"]["model"], m, "results in the order picked");
        assert_eq!(r["job"]["status"], "succeeded", "{r}");
        assert_eq!(r["assets"].as_array().unwrap().len(), 1, "{r}");
        assert_eq!(r["assets"][0]["model"], m);
        assert!(r["duration_s"].as_f64().unwrap() >= 0.0, "{r}");
        charged += micros(&r["job"]["cost_usd"]);
    }
    assert_eq!(charged, 99_000);
    assert_eq!(micros(&view["set"]["cost_usd"]), 99_000);

    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["count"], json!(3), "{usage}");
    assert_eq!(micros(&usage["total_usd"]), 99_000);
    let mut by: Vec<(String, i64)> = usage["by_model"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["model"].as_str().unwrap().to_string(), micros(&m["usd"])))
        .collect();
    by.sort();
    assert_eq!(
        by,
        [
            ("imagen-4".into(), 40_000),
            ("imagen-4-fast".into(), 20_000),
            ("nano-banana".into(), 39_000)
        ]
    );
    let me = t.me(&u).await;
    assert_eq!(micros(&me["quota"]["spent_usd"]), 99_000);
    assert_eq!(micros(&me["quota"]["remaining_usd"]), 20_000_000 - 99_000);

    // Each result is an ordinary asset: it can be saved.
    let asset = results[0]["assets"][0]["id"].as_str().unwrap();
    let (s, saved) = t.post(&u, &format!("/api/assets/{asset}/save"), &json!({})).await;
    assert_eq!(s, 200, "{saved}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_sets_are_400_with_the_field_and_reserve_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    for (body, field) in [
        (json!({ "prompt": "a fox", "models": ["imagen-4"] }), Some("models")),
        (
            json!({ "prompt": "a fox", "models": ["imagen-4", "imagen-4-fast", "imagen-4-ultra", "nano-banana", "seedream-4"] }),
            Some("models"),
        ),
        (json!({ "prompt": "a fox", "models": ["imagen-4", "imagen-4"] }), Some("models")),
        (json!({ "prompt": "a fox", "models": ["imagen-4", "nope"] }), Some("models[1]")),
        (
            json!({ "prompt": "a fox", "models": ["qwen-image-edit-plus", "imagen-4"] }),
            Some("models[0]"),
        ),
        (
            json!({ "prompt": "a fox", "models": ["imagen-4", "llama-3-8b"] }),
            Some("models[1]"),
        ),
        (json!({ "prompt": "", "models": ["imagen-4", "nano-banana"] }), Some("prompt")),
        (
            json!({ "prompt": "a fox", "models": ["imagen-4", "nano-banana"], "options": { "bogus": 1 } }),
            Some("options.bogus"),
        ),
        (
            json!({ "prompt": "a fox", "models": ["imagen-4", "nano-banana"], "options": { "aspect_ratio": "7:3" } }),
            Some("options.aspect_ratio"),
        ),
        (
            json!({ "prompt": "a fox", "models": ["imagen-4", "nano-banana"], "extra": true }),
            None,
        ),
        (json!({ "prompt": "a fox" }), None),
    ] {
        let (s, b) = t.post(&u, "/api/sets", &body).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["error"]["code"], "validation_error");
        assert_eq!(b["error"]["field"].as_str(), field, "{body}: {b}");
    }
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(20.0));
    assert_eq!(t.get(&u, "/api/jobs").await.1["jobs"], json!([]));
    assert_eq!(t.get(&u, "/api/sets").await.1["sets"], json!([]));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_set_over_the_budget_creates_no_job_at_all() {
    // Room for two of the three runs, not for the set.
    let t = TestStack::with(|o| o.monthly_limit_usd = "0.07".into()).await;
    let u = t.user("alice").await;
    let (s, b) = t
        .post(
            &u,
            "/api/sets",
            &json!({ "prompt": "a fox", "models": ["imagen-4", "imagen-4-fast", "nano-banana"] }),
        )
        .await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["code"], "quota_exceeded");
    assert_eq!(t.get(&u, "/api/jobs").await.1["jobs"], json!([]));
    assert_eq!(t.get(&u, "/api/sets").await.1["sets"], json!([]));
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(0.07));
    // Two fit.
    let (s, b) = t
        .post(
            &u,
            "/api/sets",
            &json!({ "prompt": "a fox", "models": ["imagen-4", "imagen-4-fast"] }),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    t.stop().await;
}

#[tokio::test]
async fn an_idempotency_key_makes_one_set_and_reserves_once() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("ivy").await;
    let body = json!({ "prompt": "a kite over dunes", "models": ["imagen-4", "imagen-4-fast"] });
    let (s1, a) = t.post_with(&u, "/api/sets", &body, Some("set-1")).await;
    assert_eq!(s1, 202, "{a}");
    // A retried click: the same set and jobs, answered 200, nothing reserved again.
    let (s2, b) = t.post_with(&u, "/api/sets", &body, Some("set-1")).await;
    assert_eq!(s2, 200, "{b}");
    assert_eq!(a["set"]["id"], b["set"]["id"]);
    let ids = |v: &Value| v["jobs"].as_array().unwrap().iter().map(|j| j["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&a), ids(&b));
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 20_000_000 - 60_000);
    // The same key with another request is a conflict that creates nothing.
    let other = json!({ "prompt": "a kite over dunes", "models": ["imagen-4", "nano-banana"] });
    let (s3, c) = t.post_with(&u, "/api/sets", &other, Some("set-1")).await;
    assert_eq!((s3, c["error"]["code"].as_str()), (409, Some("conflict")), "{c}");
    let (_, list) = t.get(&u, "/api/sets").await;
    assert_eq!(list["sets"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 20_000_000 - 60_000);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sets_are_listed_newest_first_by_page_and_private() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (s, b) = t
            .post(
                &alice,
                "/api/sets",
                &json!({ "prompt": format!("fox {i}"), "models": ["imagen-4-fast", "nano-banana"] }),
            )
            .await;
        assert_eq!(s, 202, "{b}");
        ids.push(b["set"]["id"].as_str().unwrap().to_string());
    }
    let (s, p1) = t.get(&alice, "/api/sets?limit=2").await;
    assert_eq!(s, 200, "{p1}");
    let got: Vec<&str> = p1["sets"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
    let cursor = p1["next_cursor"].as_str().expect("a next page");
    let (_, p2) = t.get(&alice, &format!("/api/sets?limit=2&cursor={cursor}")).await;
    let got: Vec<&str> = p2["sets"].as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(got, [ids[0].as_str()]);
    assert_eq!(p2["next_cursor"], Value::Null);
    assert_eq!(p2["sets"][0]["prompt"], "fox 0");
    assert_eq!(p2["sets"][0]["models"], json!(["imagen-4-fast", "nano-banana"]));

    // Before any job ran: the set shows its queued jobs.
    let (s, v) = t.get(&alice, &format!("/api/sets/{}", ids[0])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["set"]["status"], "running");
    assert_eq!(v["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(v["jobs"][0]["duration_s"], Value::Null);

    // Bob sees none of it.
    let (s, e) = t.get(&bob, &format!("/api/sets/{}", ids[0])).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
    assert_eq!(t.get(&bob, "/api/sets").await.1["sets"], json!([]));
    assert_eq!(t.get(&alice, "/api/sets/not-an-id").await.0, 404);
    assert_eq!(t.get(&alice, "/api/sets?cursor=@@").await.0, 400);
    t.stop().await;
}
