//! Visual stories (`/api/stories`): one prompt as 2–8 frames from one Seedream 4 sequential
//! prediction, the worst case reserved all or nothing, only the frames returned charged, the
//! story kept (captions and frames in order) so it can be shown again.
mod common;
use common::TestStack;
use serde_json::{Value, json};
use shared::domain::Micros;
use std::time::{Duration, Instant};

/// Seedream 4's price per image (shared/catalog/models.json).
const PRICE: i64 = 30_000;

fn micros(v: &Value) -> i64 {
    Micros::parse_usd(&v.to_string()).unwrap_or_else(|| panic!("not an amount: {v}")).0
}

async fn wait_story(t: &TestStack, u: &common::User, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (s, v) = t.get(u, &format!("/api/stories/{id}")).await;
        assert_eq!(s, 200, "{v}");
        if !["queued", "running"].contains(&v["story"]["status"].as_str().unwrap()) {
            return v;
        }
        assert!(Instant::now() < deadline, "story still running: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_four_frame_story_settles_in_order_with_its_captions_and_four_charges() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let (s, b) = t
        .post(
            &u,
            "/api/stories",
            &json!({ "prompt": "a red fox crossing a snowy forest", "frames": 4, "options": { "aspect_ratio": "16:9" } }),
        )
        .await;
    assert_eq!(s, 202, "{b}");
    let id = b["story"]["id"].as_str().unwrap().to_string();
    assert_eq!(micros(&b["story"]["estimated_cost_usd"]), 4 * PRICE);
    let captions: Vec<String> = serde_json::from_value(b["story"]["captions"].clone()).unwrap();
    assert_eq!(captions.len(), 4);
    assert!(
        captions.iter().all(|c| c.contains("a red fox crossing a snowy forest")),
        "{captions:?}"
    );
    assert!(captions[0].starts_with("The beginning") && captions[3].starts_with("The ending"));
    // One job: Seedream 4, sequential, four images, the scenes numbered in its prompt.
    let jobs = b["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["model"], "seedream-4");
    assert_eq!(jobs[0]["options"]["sequential_image_generation"], "auto");
    assert_eq!(jobs[0]["options"]["max_images"], 4);
    assert_eq!(jobs[0]["options"]["aspect_ratio"], "16:9");
    let sent = jobs[0]["prompt"].as_str().unwrap();
    for (i, c) in captions.iter().enumerate() {
        assert!(sent.contains(&format!("Image {}: {c}.", i + 1)), "{sent}");
    }
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 20_000_000 - 4 * PRICE);

    let v = wait_story(&t, &u, &id).await;
    assert_eq!(v["story"]["status"], "succeeded", "{v}");
    let frames = v["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 4);
    let job_id = v["story"]["job_id"].as_str().unwrap();
    let mut urls = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        assert_eq!(f["index"], i);
        assert_eq!(f["caption"], captions[i]);
        assert_eq!(f["asset"]["id"], format!("{job_id}-{i}"), "frames in order");
        assert_eq!(f["asset"]["model"], "seedream-4");
        urls.push(f["asset"]["url"].as_str().unwrap().to_string());
    }
    // Four distinct pictures.
    let mut bodies = Vec::new();
    for u in &urls {
        let url = if u.starts_with("http") { u.clone() } else { t.url(u) };
        let r = reqwest::get(url).await.unwrap();
        assert_eq!(r.status(), 200);
        bodies.push(r.bytes().await.unwrap());
    }
    for i in 0..bodies.len() {
        for j in i + 1..bodies.len() {
            assert_ne!(bodies[i], bodies[j], "frames {i} and {j} are the same image");
        }
    }
    assert_eq!(micros(&v["story"]["cost_usd"]), 4 * PRICE);
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(micros(&usage["total_usd"]), 4 * PRICE, "{usage}");
    assert_eq!(usage["by_model"][0]["model"], "seedream-4");
    let me = t.me(&u).await;
    assert_eq!(micros(&me["quota"]["spent_usd"]), 4 * PRICE);
    assert_eq!(micros(&me["quota"]["remaining_usd"]), 20_000_000 - 4 * PRICE);

    // Saved as a whole with the batch save: the gallery's saved view holds the four frames.
    let ids: Vec<&str> = frames.iter().map(|f| f["asset"]["id"].as_str().unwrap()).collect();
    let (s, r) = t
        .post(&u, "/api/assets/batch", &json!({ "action": "save", "asset_ids": ids }))
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, g) = t.get(&u, "/api/assets?saved=true").await;
    let mut saved: Vec<&str> = g["assets"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
    saved.sort();
    assert_eq!(saved, ids);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_outputs_are_neither_kept_nor_charged_and_listed_scenes_are_told_as_written() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let prompt = "a fox wakes [sim:extra-outputs]\nthe fox hunts\nthe fox sleeps";
    let (s, b) = t.post(&u, "/api/stories", &json!({ "prompt": prompt, "frames": 3 })).await;
    assert_eq!(s, 202, "{b}");
    assert_eq!(
        b["story"]["captions"],
        json!(["a fox wakes [sim:extra-outputs]", "the fox hunts", "the fox sleeps"])
    );
    let v = wait_story(&t, &u, b["story"]["id"].as_str().unwrap()).await;
    assert_eq!(v["story"]["status"], "succeeded", "{v}");
    let pid = t.stack.sim.as_ref().unwrap().predictions()[0].clone();
    assert_eq!(pid.output_urls().len(), 5, "the provider sent two more than asked");
    assert!(v["frames"].as_array().unwrap().iter().all(|f| f["asset"].is_object()), "{v}");
    assert_eq!(v["job"]["asset_ids"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(micros(&v["story"]["cost_usd"]), 3 * PRICE);
    assert_eq!(micros(&t.me(&u).await["quota"]["spent_usd"]), 3 * PRICE);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_stories_are_400_with_the_field_and_reserve_nothing() {
    let t = TestStack::start().await;
    let u = t.user("alice").await;
    let long = "a fox ".repeat(300);
    for (body, field) in [
        (json!({ "prompt": "a fox", "frames": 1 }), Some("frames")),
        (json!({ "prompt": "a fox", "frames": 9 }), Some("frames")),
        (json!({ "prompt": "a fox", "frames": 2.5 }), Some("frames")),
        (json!({ "prompt": "a fox", "frames": "4" }), Some("frames")),
        (json!({ "prompt": "a fox" }), Some("frames")),
        (json!({ "prompt": "", "frames": 4 }), Some("prompt")),
        (json!({ "prompt": "   ", "frames": 4 }), Some("prompt")),
        (json!({ "prompt": long, "frames": 8 }), Some("prompt")),
        (
            json!({ "prompt": "a fox", "frames": 4, "options": { "bogus": 1 } }),
            Some("options.bogus"),
        ),
        (
            json!({ "prompt": "a fox", "frames": 4, "options": { "max_images": 15 } }),
            Some("options.max_images"),
        ),
        (
            json!({ "prompt": "a fox", "frames": 4, "options": { "aspect_ratio": "7:3" } }),
            Some("options.aspect_ratio"),
        ),
        (json!({ "prompt": "a fox", "frames": 4, "extra": true }), None),
    ] {
        let (s, b) = t.post(&u, "/api/stories", &body).await;
        assert_eq!(s, 400, "{body}: {b}");
        assert_eq!(b["error"]["code"], "validation_error");
        assert_eq!(b["error"]["field"].as_str(), field, "{body}: {b}");
    }
    let (s, b) = t
        .post_with(
            &u,
            "/api/stories",
            &json!({ "prompt": "a fox", "frames": 2 }),
            Some(&"k".repeat(201)),
        )
        .await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(20.0));
    assert_eq!(t.get(&u, "/api/jobs").await.1["jobs"], json!([]));
    assert_eq!(t.get(&u, "/api/stories").await.1["stories"], json!([]));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_over_the_budget_creates_nothing() {
    // Room for two frames, not for three.
    let t = TestStack::with(|o| o.monthly_limit_usd = "0.07".into()).await;
    let u = t.user("alice").await;
    let (s, b) = t.post(&u, "/api/stories", &json!({ "prompt": "a fox", "frames": 3 })).await;
    assert_eq!(s, 429, "{b}");
    assert_eq!(b["error"]["code"], "quota_exceeded");
    assert_eq!(t.get(&u, "/api/jobs").await.1["jobs"], json!([]));
    assert_eq!(t.get(&u, "/api/stories").await.1["stories"], json!([]));
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(0.07));
    let (s, b) = t.post(&u, "/api/stories", &json!({ "prompt": "a fox", "frames": 2 })).await;
    assert_eq!(s, 202, "{b}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_makes_one_story() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("alice").await;
    let body = json!({ "prompt": "a fox", "frames": 2 });
    let (s1, a) = t.post_with(&u, "/api/stories", &body, Some("story-1")).await;
    assert_eq!(s1, 202, "{a}");
    let (s2, b) = t.post_with(&u, "/api/stories", &body, Some("story-1")).await;
    assert_eq!(s2, 200, "{b}");
    assert_eq!(a["story"]["id"], b["story"]["id"]);
    assert_eq!(a["jobs"][0]["id"], b["jobs"][0]["id"]);
    let (s3, c) = t
        .post_with(&u, "/api/stories", &json!({ "prompt": "a cat", "frames": 2 }), Some("story-1"))
        .await;
    assert_eq!(s3, 409, "{c}");
    assert_eq!(t.get(&u, "/api/stories").await.1["stories"].as_array().unwrap().len(), 1);
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 20_000_000 - 2 * PRICE);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stories_are_listed_newest_first_by_page_and_private() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let (s, b) = t
            .post(&alice, "/api/stories", &json!({ "prompt": format!("fox {i}"), "frames": 2 }))
            .await;
        assert_eq!(s, 202, "{b}");
        ids.push(b["story"]["id"].as_str().unwrap().to_string());
    }
    let (s, p1) = t.get(&alice, "/api/stories?limit=2").await;
    assert_eq!(s, 200, "{p1}");
    let got: Vec<&str> = p1["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[2].as_str(), ids[1].as_str()]);
    let cursor = p1["next_cursor"].as_str().expect("a next page");
    let (_, p2) = t.get(&alice, &format!("/api/stories?limit=2&cursor={cursor}")).await;
    let got: Vec<&str> = p2["stories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [ids[0].as_str()]);
    assert_eq!(p2["next_cursor"], Value::Null);
    assert_eq!(p2["stories"][0]["prompt"], "fox 0");
    assert_eq!(p2["stories"][0]["frames"], 2);

    // Before the job ran: every frame is there with its caption, no asset yet.
    let (s, v) = t.get(&alice, &format!("/api/stories/{}", ids[0])).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["story"]["status"], "queued");
    assert_eq!(v["frames"].as_array().unwrap().len(), 2);
    assert_eq!(v["frames"][1]["asset"], Value::Null);

    // Bob sees none of it, and alice's cursor is not his.
    let (s, b) = t.get(&bob, &format!("/api/stories/{}", ids[0])).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")), "{b}");
    assert_eq!(t.get(&bob, "/api/stories").await.1["stories"], json!([]));
    let (s, b) = t.get(&bob, &format!("/api/stories?cursor={cursor}")).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(b["error"]["field"], "cursor");
    let (s, _) = t.get(&alice, "/api/stories/not-a-story").await;
    assert_eq!(s, 404);
    t.stop().await;
}
