//! The output pipeline with videos, against the emulator and the simulator: the webhook only
//! records and queues the copy; the worker streams the MP4 into S3 (multipart), reads its
//! header, and settles once, whatever happens around it (duplicate and out-of-order webhooks,
//! the reconciler, a copy cut mid-body). Jobs are recorded and queued as `POST
//! /api/videos/generate` does, with a fixture catalog model priced per second (the Veo entries
//! of the real catalog are another branch's work).
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::clock;
use shared::domain::{Job, JobId, JobKind, JobStatus, Micros, UserId};
use shared::queue::JobMessage;
use shared::store::{CreateOutcome, Reservation};
use std::time::{Duration, Instant};

/// $0.40 a second.
const PRICE_PER_SECOND: i64 = 400_000;

fn catalog() -> shared::catalog::Catalog {
    let mut doc: Value = serde_json::from_str(include_str!("../../shared/catalog/models.json")).unwrap();
    // The default video model, unless the real catalog already has one.
    let has_default = doc["models"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["default_for"].as_array().is_some_and(|k| k.contains(&json!("video"))));
    let default_for = if has_default { json!([]) } else { json!(["video"]) };
    doc["models"].as_array_mut().unwrap().push(json!({
        "default_for": default_for,
        "id": "veo-test", "name": "Veo (test fixture)", "kinds": ["video"], "replicate": "google/veo-3.1",
        "price": { "usd_micros": PRICE_PER_SECOND, "per": "second", "provider": { "basis": "video_second", "usd_micros": PRICE_PER_SECOND } },
        "options": {
            "duration": { "type": "integer", "min": 4, "max": 8, "default": 8 },
            "aspect_ratio": { "type": "enum", "values": ["16:9", "9:16"], "default": "16:9" }
        }
    }));
    shared::catalog::Catalog::from_json(&doc.to_string()).unwrap()
}

async fn stack(f: impl FnOnce(&mut local::stack::StackOptions)) -> TestStack {
    TestStack::with(|o| {
        o.catalog = Some(catalog());
        f(o);
    })
    .await
}

/// Records a video job (reserving price x duration) and queues it, as the endpoint does.
async fn video_job(t: &TestStack, u: &User, prompt: &str, duration: i64, aspect: &str) -> String {
    let app = &t.stack.app;
    let user: UserId = t.sub(u).await;
    let now = clock::rfc3339(clock::now());
    let mut options = serde_json::Map::new();
    options.insert("duration".into(), json!(duration));
    options.insert("aspect_ratio".into(), json!(aspect));
    let estimate = shared::catalog::estimate(app.catalog.get("veo-test").unwrap(), &options);
    assert_eq!(estimate, Micros(PRICE_PER_SECOND * duration));
    let job = Job {
        user_id: user.clone(),
        job_id: JobId::new(),
        kind: JobKind::Video,
        model: "veo-test".into(),
        prompt: prompt.into(),
        options,
        source_asset_ids: vec![],
        source_roles: vec![],
        texts: vec![],
        provider: None,
        strays: vec![],
        collection_id: None,
        status: JobStatus::Queued,
        error: None,
        asset_ids: vec![],
        estimated_micros: estimate,
        cost_micros: None,
        created_at: now.clone(),
        updated_at: now,
        prediction_id: None,
        open: Some("1".into()),
        quota_period: clock::period(clock::now()),
        request_hash: None,
        claimed_at: None,
    };
    let res = Reservation {
        period: job.quota_period.clone(),
        amount: job.estimated_micros,
        limit: app.config.monthly_limit,
        starts: None,
        storage_limit: None,
    };
    assert!(matches!(
        app.store.create_job(&job, &res, None).await.unwrap(),
        CreateOutcome::Created
    ));
    let msg = JobMessage {
        user_id: user,
        job_id: job.job_id.clone(),
    };
    app.queue.send(&msg).await.unwrap();
    job.job_id.as_str().to_string()
}

fn sim(t: &TestStack) -> &local::simulator::SimHandle {
    t.stack.sim.as_ref().unwrap()
}

/// The user's quota: (spent, remaining) in dollars. Remaining counts reservations still held.
async fn quota(t: &TestStack, u: &User) -> (f64, f64) {
    let q = t.me(u).await["quota"].clone();
    (q["spent_usd"].as_f64().unwrap(), q["remaining_usd"].as_f64().unwrap())
}

/// Multipart uploads still open in the bucket (an aborted or completed one is gone).
async fn open_uploads(t: &TestStack) -> usize {
    let sdk = shared::app::sdk_config(&t.stack.app.config.region, Some(&t.stack.moto.url));
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
    let out = s3
        .list_multipart_uploads()
        .bucket(&t.stack.resources.media_bucket)
        .send()
        .await
        .unwrap();
    out.uploads().len()
}

#[tokio::test]
async fn a_video_job_ends_with_its_mp4_in_s3_its_header_read_and_the_exact_cost() {
    let t = stack(|_| {}).await;
    let u = t.user("vera").await;
    let id = video_job(&t, &u, "a lighthouse at dusk, waves", 6, "9:16").await;
    let done = t.wait_finished(&u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(2.4), "$0.40 x 6 s");
    let a = &done["assets"][0];
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!((a["kind"].as_str(), a["content_type"].as_str()), (Some("video"), Some("video/mp4")));
    assert_eq!((a["width"].as_u64(), a["height"].as_u64()), (Some(720), Some(1280)));
    assert_eq!(a["duration_s"].as_f64(), Some(6.0));
    // The object in S3 is the provider's file, byte for byte.
    let user = t.sub(&u).await;
    let asset_id = shared::domain::AssetId::parse(a["id"].as_str().unwrap()).unwrap();
    let asset = t.stack.app.store.get_asset(&user, &asset_id).await.unwrap().unwrap();
    assert!(asset.s3_key.ends_with(".mp4"), "{}", asset.s3_key);
    let stored = t.stack.app.media.get_bytes(&asset.s3_key).await.unwrap();
    let served = local::simulator::video::fixture(&json!({"duration": 6, "aspect_ratio": "9:16"}));
    assert_eq!(stored.len(), served.len());
    assert!(stored == served, "the stored video differs from the provider's");
    assert_eq!(a["bytes"].as_u64(), Some(served.len() as u64));
    assert_eq!(quota(&t, &u).await, (2.4, 17.6), "charged once, nothing left reserved");
    assert_eq!(open_uploads(&t).await, 0);
    t.stop().await;
}

/// Waits for the simulator's `completed` webhook of the job's prediction to be answered 200.
async fn completed_acknowledged(t: &TestStack) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let acked = sim(t)
            .webhook_deliveries()
            .iter()
            .any(|d| d.event == shared::replicate::WebhookEvent::Completed && d.status == Some(200));
        if acked {
            return;
        }
        assert!(Instant::now() < deadline, "the completed webhook was never acknowledged");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The webhook answers without downloading anything: with every output body held back, its
/// 200 still comes, and only then (released) does the copy finish. A reconciler run meanwhile
/// queues the copy again; the job is still charged once, with one asset.
#[tokio::test]
async fn the_webhook_answers_before_the_output_is_downloaded_and_the_copy_settles_once() {
    let t = stack(|o| o.reconcile_after = Duration::ZERO).await;
    let u = t.user("walt").await;
    let id = video_job(&t, &u, "a slow river [sim:slow-output]", 8, "16:9").await;
    completed_acknowledged(&t).await;
    assert_eq!(
        sim(&t).stats().outputs_served,
        0,
        "the webhook's 200 came before any download ended"
    );
    let (_, j) = t.get(&u, &format!("/api/jobs/{id}")).await;
    assert_eq!(j["job"]["status"], "running", "not settled before its copy: {j}");
    // The reconciler races the worker: it queues the same copy again.
    let r = shared::service::reconcile(&t.stack.app).await;
    assert_eq!((r.settled, r.errors), (1, 0), "{r:?}");
    sim(&t).release_outputs();
    let done = t.wait_finished(&u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(3.2));
    assert_eq!(done["assets"][0]["duration_s"].as_f64(), Some(8.0));
    assert_eq!(
        (done["assets"][0]["width"].as_u64(), done["assets"][0]["height"].as_u64()),
        (Some(1280), Some(720))
    );
    // Let the second copy message run: it finds the job finished and changes nothing.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let again = t.wait_finished(&u, &id).await;
    assert_eq!(again["job"], done["job"]);
    assert_eq!(quota(&t, &u).await, (3.2, 16.8));
    let (_, list) = t.get(&u, "/api/assets").await;
    assert_eq!(list["assets"].as_array().unwrap().len(), 1, "{list}");
    t.stop().await;
}

/// The first download is cut mid-body: the copy fails, its multipart upload is aborted, the
/// message comes back (SQS redelivery) and the second copy finishes: one asset, one charge.
#[tokio::test]
async fn a_copy_cut_mid_body_finishes_once_on_redelivery() {
    let t = stack(|o| {
        o.queue_visibility_s = 3;
        o.timeouts = vec![("worker".into(), 3)];
    })
    .await;
    let u = t.user("xena").await;
    let id = video_job(&t, &u, "sparks [sim:drop-output]", 4, "16:9").await;
    let done = t.wait_finished(&u, &id).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(1.6));
    assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    assert_eq!(done["assets"][0]["duration_s"].as_f64(), Some(4.0));
    let stats = sim(&t).stats();
    assert_eq!(
        (stats.outputs_cut, stats.outputs_served),
        (1, 1),
        "one whole download after the cut one"
    );
    assert_eq!(quota(&t, &u).await, (1.6, 18.4));
    assert_eq!(open_uploads(&t).await, 0, "the cut copy's upload was aborted");
    let (_, list) = t.get(&u, "/api/assets").await;
    assert_eq!(list["assets"].as_array().unwrap().len(), 1, "{list}");
    // The video's bytes are in the storage count once.
    let bytes = t.assert_storage_is_the_records(&t.sub(&u).await).await;
    assert_eq!(json!(bytes), list["assets"][0]["bytes"]);
    t.stop().await;
}

/// An output over the size cap, and one that is not an MP4, fail their jobs with a clear code;
/// nothing is charged, the reservation is released, nothing is left in the bucket.
#[tokio::test]
async fn oversize_and_non_mp4_outputs_are_refused_and_release_the_reservation() {
    let t = stack(|o| {
        o.extra_env.push(("MAX_VIDEO_BYTES".into(), "3000000".into()));
        o.sim.oversize_bytes = 3_500_000;
    })
    .await;
    let u = t.user("yuri").await;
    let big = video_job(&t, &u, "too much [sim:oversize-output]", 8, "16:9").await;
    // The same size without a Content-Length: only the cap counted while streaming stops it.
    let sneaky = video_job(&t, &u, "too much, unannounced [sim:unsized-output]", 8, "16:9").await;
    let fake = video_job(&t, &u, "a web page [sim:not-mp4]", 4, "9:16").await;
    let big = t.wait_finished(&u, &big).await;
    let sneaky = t.wait_finished(&u, &sneaky).await;
    for j in [&big, &sneaky] {
        assert_eq!(
            (j["job"]["status"].as_str(), j["job"]["error"]["code"].as_str()),
            (Some("failed"), Some("output_too_large")),
            "{j}"
        );
        assert!(j["job"]["error"]["message"].as_str().unwrap().contains("larger than"), "{j}");
    }
    let fake = t.wait_finished(&u, &fake).await;
    assert_eq!(
        (fake["job"]["status"].as_str(), fake["job"]["error"]["code"].as_str()),
        (Some("failed"), Some("invalid_output")),
        "{fake}"
    );
    assert!(
        fake["job"]["error"]["message"].as_str().unwrap().contains("not a valid MP4"),
        "{fake}"
    );
    for j in [&big, &sneaky, &fake] {
        assert_eq!(j["job"]["cost_usd"], Value::Null, "{j}");
        assert_eq!(j["assets"].as_array().map_or(0, Vec::len), 0, "{j}");
    }
    assert_eq!(quota(&t, &u).await, (0.0, 20.0), "every reservation released");
    assert_eq!(open_uploads(&t).await, 0);
    let (_, list) = t.get(&u, "/api/assets").await;
    assert_eq!(list["assets"].as_array().unwrap().len(), 0, "{list}");
    t.stop().await;
}

/// A `completed` webhook delivered twice (same id) and one delivered before `start`: each job
/// is copied and charged once.
#[tokio::test]
async fn duplicate_and_out_of_order_webhooks_settle_each_video_once() {
    let t = stack(|_| {}).await;
    let u = t.user("zoe").await;
    let dup = video_job(&t, &u, "twice [sim:duplicate]", 4, "16:9").await;
    let ooo = video_job(&t, &u, "backwards [sim:out-of-order]", 6, "16:9").await;
    for id in [&dup, &ooo] {
        let done = t.wait_finished(&u, id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        assert_eq!(done["assets"].as_array().unwrap().len(), 1);
    }
    // The late `start` of the out-of-order job and the second `completed` change nothing.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (_, list) = t.get(&u, "/api/assets").await;
    assert_eq!(list["assets"].as_array().unwrap().len(), 2, "{list}");
    assert_eq!(quota(&t, &u).await, (4.0, 16.0), "$1.60 + $2.40, once each");
    let dup_done = t.wait_finished(&u, &dup).await;
    assert_eq!(dup_done["job"]["cost_usd"], json!(1.6));
    t.stop().await;
}
