//! One image generation through the real architecture, locally: gateway (JWT) → function →
//! SQS → worker → simulator → signed webhook → S3 + DynamoDB → the API. Each test has its own
//! stack (tables, bucket, queue, pool, simulator).
mod common;
use common::TestStack;
use local::simulator::Fault;
use serde_json::json;

#[tokio::test]
async fn a_generated_image_is_copied_charged_once_and_listed() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let job = t.generate(&alice, "a lighthouse at dusk").await;
    assert_eq!(job["status"], "queued");
    assert_eq!(job["estimated_cost_usd"], json!(0.04));
    let done = t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(0.04));
    let asset = &done["assets"][0];
    assert_eq!(asset["kind"], "image");
    assert_eq!(asset["saved"], false);
    assert_eq!(asset["prompt"], "a lighthouse at dusk");
    // The signed URL (the site's own /media/*, checked by the gateway as CloudFront does) serves
    // the copy in our bucket, not the provider's file.
    let url = asset["url"].as_str().unwrap();
    assert!(url.starts_with(&t.url("/media/users/")), "{url}");
    let bytes = t.http.get(url).send().await.unwrap().bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "not a png");
    assert_eq!(asset["bytes"].as_u64().unwrap(), bytes.len() as u64);
    assert!(asset["download_url"].as_str().unwrap().contains("attachment"));

    let (s, got) = t.get(&alice, &format!("/api/assets/{}", asset["id"].as_str().unwrap())).await;
    assert_eq!(s, 200, "{got}");
    assert_eq!(got["asset"]["id"], asset["id"]);

    let (s, list) = t.get(&alice, "/api/jobs").await;
    assert_eq!(s, 200);
    assert_eq!(list["jobs"][0]["id"], job["id"]);
    assert_eq!(list["next_cursor"], json!(null));

    let me = t.me(&alice).await;
    assert_eq!(me["user"]["username"], "alice");
    assert_eq!(me["quota"]["spent_usd"], json!(0.04));
    assert_eq!(me["quota"]["remaining_usd"], json!(19.96));
    t.stop().await;
}

#[tokio::test]
async fn another_users_job_and_asset_are_not_found() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let job = t.generate(&alice, "private fox").await;
    let id = job["id"].as_str().unwrap();
    let done = t.wait_finished(&alice, id).await;
    let asset_id = done["assets"][0]["id"].as_str().unwrap();
    let (s, b) = t.get(&bob, &format!("/api/jobs/{id}")).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, _) = t.get(&bob, &format!("/api/assets/{asset_id}")).await;
    assert_eq!(s, 404);
    let (_, list) = t.get(&bob, "/api/jobs").await;
    assert_eq!(list["jobs"], json!([]));
    t.stop().await;
}

#[tokio::test]
async fn jobs_list_pages_newest_first() {
    let t = TestStack::start().await;
    let u = t.user("pager").await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(t.generate(&u, &format!("picture {i}")).await["id"].as_str().unwrap().to_string());
    }
    let (_, p1) = t.get(&u, "/api/jobs?limit=2").await;
    assert_eq!(p1["jobs"].as_array().unwrap().len(), 2);
    assert_eq!(p1["jobs"][0]["id"], ids[2].as_str());
    let cursor = p1["next_cursor"].as_str().expect("a next page");
    let (_, p2) = t.get(&u, &format!("/api/jobs?limit=2&cursor={cursor}")).await;
    assert_eq!(p2["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(p2["jobs"][0]["id"], ids[0].as_str());
    assert_eq!(p2["next_cursor"], json!(null));
    let (s, b) = t.get(&u, "/api/jobs?limit=0").await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("limit")));
    let (s, _) = t.get(&u, "/api/jobs?cursor=%%%").await;
    assert_eq!(s, 400);
    t.stop().await;
}

#[tokio::test]
async fn bad_requests_get_a_400_with_the_field_and_queue_nothing() {
    let t = TestStack::start().await;
    let u = t.user("carol").await;
    let cases = [
        (json!({ "model": "dall-e-9", "prompt": "x" }), "model"),
        (json!({ "model": "imagen-4", "prompt": "   " }), "prompt"),
        (json!({ "model": "imagen-4", "prompt": "x".repeat(2001) }), "prompt"),
        (
            json!({ "model": "imagen-4", "prompt": "x", "options": { "aspect_ratio": "7:1" } }),
            "options.aspect_ratio",
        ),
        (
            json!({ "model": "imagen-4", "prompt": "x", "options": { "num_inference_steps": 50 } }),
            "options.num_inference_steps",
        ),
        (
            json!({ "model": "nano-banana", "prompt": "x", "options": { "output_format": "gif" } }),
            "options.output_format",
        ),
    ];
    for (body, field) in cases {
        let (s, b) = t.post(&u, "/api/images/generate", &body).await;
        assert_eq!(s, 400, "{body} → {b}");
        assert_eq!(b["error"]["code"], "validation_error");
        assert_eq!(b["error"]["field"], field, "{b}");
        assert!(!b["error"]["message"].as_str().unwrap().is_empty());
    }
    // Not JSON, wrong shape, too big.
    let r = t
        .http
        .post(t.url("/api/images/generate"))
        .bearer_auth(&u.token)
        .body("{nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let (s, _) = t
        .post(
            &u,
            "/api/images/generate",
            &json!({ "model": "imagen-4", "prompt": "x", "version": "abc" }),
        )
        .await;
    assert_eq!(s, 400);
    let big = json!({ "model": "imagen-4", "prompt": "x", "options": { "pad": "y".repeat(70 * 1024) } });
    let (s, b) = t.post(&u, "/api/images/generate", &big).await;
    assert_eq!((s, b["error"]["code"].as_str()), (413, Some("payload_too_large")));
    // Nothing was queued or reserved.
    let (_, list) = t.get(&u, "/api/jobs").await;
    assert_eq!(list["jobs"], json!([]));
    assert_eq!(t.me(&u).await["quota"]["remaining_usd"], json!(20.0));
    t.stop().await;
}

#[tokio::test]
async fn the_same_idempotency_key_never_makes_a_second_job() {
    let t = TestStack::start().await;
    let u = t.user("dave").await;
    let body = json!({ "model": "imagen-4-fast", "prompt": "one cat" });
    let (s1, a) = t.post_with(&u, "/api/images/generate", &body, Some("key-1")).await;
    let (s2, b) = t.post_with(&u, "/api/images/generate", &body, Some("key-1")).await;
    assert_eq!((s1, s2), (202, 200));
    assert_eq!(a["job"]["id"], b["job"]["id"]);
    let other = json!({ "model": "imagen-4-fast", "prompt": "two cats" });
    let (s3, c) = t.post_with(&u, "/api/images/generate", &other, Some("key-1")).await;
    assert_eq!((s3, c["error"]["code"].as_str()), (409, Some("conflict")));
    t.wait_finished(&u, a["job"]["id"].as_str().unwrap()).await;
    let (_, list) = t.get(&u, "/api/jobs").await;
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.02));
    t.stop().await;
}

#[tokio::test]
async fn the_monthly_limit_cannot_be_overspent() {
    let t = TestStack::with(|o| o.monthly_limit_usd = "0.10".into()).await;
    let u = t.user("erin").await;
    // Two Imagen 4 runs reserve $0.08; a third would pass $0.10.
    let a = t.generate(&u, "first").await;
    let b = t.generate(&u, "second").await;
    let (s, e) = t
        .post(&u, "/api/images/generate", &json!({ "model": "imagen-4", "prompt": "third" }))
        .await;
    assert_eq!((s, e["error"]["code"].as_str()), (429, Some("quota_exceeded")), "{e}");
    for j in [a, b] {
        t.wait_finished(&u, j["id"].as_str().unwrap()).await;
    }
    let q = &t.me(&u).await["quota"];
    assert_eq!(q["spent_usd"], json!(0.08));
    assert_eq!(q["remaining_usd"], json!(0.02));
    // A cheaper model still fits.
    let (s, _) = t
        .post(&u, "/api/images/generate", &json!({ "model": "imagen-4-fast", "prompt": "cheap" }))
        .await;
    assert_eq!(s, 202);
    t.stop().await;
}

#[tokio::test]
async fn a_failed_prediction_costs_nothing_and_says_why() {
    let t = TestStack::start().await;
    let u = t.user("frank").await;
    let job = t.generate(&u, "broken [sim:fail]").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "failed");
    assert_eq!(done["job"]["cost_usd"], json!(null));
    assert!(!done["job"]["error"]["message"].as_str().unwrap().is_empty());
    assert_eq!(done["assets"], json!([]));
    let q = &t.me(&u).await["quota"];
    assert_eq!((q["spent_usd"].clone(), q["remaining_usd"].clone()), (json!(0.0), json!(20.0)));
    t.stop().await;
}

#[tokio::test]
async fn duplicate_and_out_of_order_webhooks_give_one_asset_and_one_charge() {
    let t = TestStack::start().await;
    let u = t.user("gina").await;
    let a = t.generate(&u, "twice [sim:duplicate]").await;
    let b = t.generate(&u, "backwards [sim:out-of-order]").await;
    for j in [&a, &b] {
        let done = t.wait_finished(&u, j["id"].as_str().unwrap()).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    }
    // Wait until the late deliveries (the duplicate, the late start) have landed, then check
    // nothing changed.
    let sim = t.stack.sim.as_ref().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while sim.webhook_deliveries().len() < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "expected the duplicate and the late start to be delivered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    for j in [&a, &b] {
        let done = t.wait_finished(&u, j["id"].as_str().unwrap()).await;
        assert_eq!(done["job"]["status"], "succeeded");
        assert_eq!(done["job"]["asset_ids"].as_array().unwrap().len(), 1);
    }
    assert_eq!(t.me(&u).await["quota"]["spent_usd"], json!(0.08));
    t.stop().await;
}

#[tokio::test]
async fn a_throttled_provider_is_retried_until_the_job_runs() {
    let t = TestStack::start().await;
    t.stack.sim.as_ref().unwrap().set_fault(Some(Fault::Throttle), 2);
    let u = t.user("hank").await;
    let job = t.generate(&u, "patience").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded");
    assert_eq!(t.stack.sim.as_ref().unwrap().stats().predictions_created, 1);
    t.stop().await;
}
