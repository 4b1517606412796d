//! `POST /api/videos/generate` through the real architecture: every broken rule is a 400 naming
//! its field before anything is reserved, frames are the caller's own images (404 otherwise),
//! the estimate is the per-second price × the duration, and the frames reach the provider in the
//! inputs the catalog names, as presigned URLs, in an input the simulator's Veo schema accepts.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, JobId, Micros};

async fn image(t: &TestStack, u: &User, prompt: &str) -> String {
    let job = t.generate(u, prompt).await;
    let done = t.wait_finished(u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    done["assets"][0]["id"].as_str().unwrap().to_string()
}

/// A video asset of the user's, written as the pipeline would.
async fn video_asset(t: &TestStack, u: &User) -> String {
    let id = AssetId::parse(&format!("{}-0", JobId::new())).unwrap();
    let sub = t.sub(u).await;
    t.stack
        .app
        .store
        .put_asset(&Asset {
            user_id: sub.clone(),
            asset_id: id.clone(),
            kind: AssetKind::Video,
            source: AssetSource::Generated,
            model: Some("veo-3.1".into()),
            prompt: None,
            parent_ids: vec![],
            job_id: None,
            saved: false,
            content_type: "video/mp4".into(),
            bytes: 10,
            width: None,
            height: None,
            duration_s: None,
            created_at: shared::clock::rfc3339(shared::clock::now()),
            s3_key: format!("users/{}/assets/{id}.mp4", sub.as_str()),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        })
        .await
        .unwrap();
    id.to_string()
}

/// What the provider was given for this job (the simulator keeps the input, like Replicate).
async fn provider_input(t: &TestStack, u: &User, job_id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let job = t
            .stack
            .app
            .store
            .get_job(&t.sub(u).await, &JobId::parse(job_id).unwrap())
            .await
            .unwrap()
            .unwrap();
        if let Some(p) = job.prediction_id.as_deref() {
            return t
                .stack
                .app
                .replicate()
                .await
                .unwrap()
                .get_prediction(p)
                .await
                .unwrap()
                .input
                .clone();
        }
        assert!(job.error.is_none(), "the job failed before it was submitted: {:?}", job.error);
        assert!(std::time::Instant::now() < deadline, "job {job_id} was never submitted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn micros(v: &Value) -> i64 {
    (v.as_f64().unwrap() * 1e6).round() as i64
}

#[tokio::test]
async fn every_broken_rule_is_a_400_with_its_field_and_nothing_is_reserved() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let (a, b, c, d) = (
        image(&t, &alice, "a red kite").await,
        image(&t, &alice, "a blue kite").await,
        image(&t, &alice, "a green kite").await,
        image(&t, &alice, "a white kite").await,
    );
    let video = video_asset(&t, &alice).await;
    let quota_before = t.me(&alice).await["quota"].clone();
    let (_, jobs_before) = t.get(&alice, "/api/jobs").await;
    let veo = |extra: Value| {
        let mut body = json!({"model": "veo-3.1", "prompt": "kites over a beach"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "end frame without start frame",
            veo(json!({"end_frame_asset_id": a})),
            "end_frame_asset_id",
        ),
        (
            "references with an end frame",
            veo(json!({"start_frame_asset_id": a, "end_frame_asset_id": b, "reference_asset_ids": [c]})),
            "end_frame_asset_id",
        ),
        // What Google refuses (the catalog's facts give each source): refused here, first.
        (
            "references with a start frame",
            veo(json!({"start_frame_asset_id": a, "reference_asset_ids": [b]})),
            "start_frame_asset_id",
        ),
        (
            "references with a negative prompt",
            veo(json!({"reference_asset_ids": [a], "options": {"negative_prompt": "blur"}})),
            "options.negative_prompt",
        ),
        (
            "an end frame at 6 s",
            veo(json!({"start_frame_asset_id": a, "end_frame_asset_id": b, "options": {"duration": 6}})),
            "options.duration",
        ),
        (
            "an end frame at 4 s on Fast",
            json!({"model": "veo-3.1-fast", "prompt": "x", "start_frame_asset_id": a, "end_frame_asset_id": b,
                "options": {"duration": 4}}),
            "options.duration",
        ),
        (
            "references with 9:16",
            veo(json!({"reference_asset_ids": [a], "options": {"aspect_ratio": "9:16"}})),
            "options.aspect_ratio",
        ),
        (
            "references with 6 s",
            veo(json!({"reference_asset_ids": [a, b], "options": {"duration": 6}})),
            "options.duration",
        ),
        ("no references", veo(json!({"reference_asset_ids": []})), "reference_asset_ids"),
        (
            "four references",
            veo(json!({"reference_asset_ids": [a, b, c, d]})),
            "reference_asset_ids",
        ),
        (
            "references on a model without them",
            json!({"model": "veo-3.1-fast", "prompt": "x", "reference_asset_ids": [a]}),
            "reference_asset_ids",
        ),
        (
            "a repeated reference",
            veo(json!({"reference_asset_ids": [a, b, a]})),
            "reference_asset_ids[2]",
        ),
        (
            "the start frame again as the end frame",
            veo(json!({"start_frame_asset_id": a, "end_frame_asset_id": a})),
            "end_frame_asset_id",
        ),
        (
            "a video as the start frame",
            veo(json!({"start_frame_asset_id": video})),
            "start_frame_asset_id",
        ),
        (
            "a video as a reference",
            veo(json!({"reference_asset_ids": [a, video]})),
            "reference_asset_ids[1]",
        ),
        ("not an id", veo(json!({"start_frame_asset_id": "../x"})), "start_frame_asset_id"),
        ("duration 5", veo(json!({"options": {"duration": 5}})), "options.duration"),
        ("duration as text", veo(json!({"options": {"duration": "8"}})), "options.duration"),
        ("resolution 4k", veo(json!({"options": {"resolution": "4k"}})), "options.resolution"),
        (
            "aspect 1:1",
            veo(json!({"options": {"aspect_ratio": "1:1"}})),
            "options.aspect_ratio",
        ),
        (
            "audio as text",
            veo(json!({"options": {"generate_audio": "yes"}})),
            "options.generate_audio",
        ),
        ("negative seed", veo(json!({"options": {"seed": -1}})), "options.seed"),
        ("unknown option", veo(json!({"options": {"fps": 24}})), "options.fps"),
        ("missing prompt", json!({"model": "veo-3.1"}), "prompt"),
        ("blank prompt", json!({"model": "veo-3.1", "prompt": "  "}), "prompt"),
        ("an image model", json!({"model": "imagen-4", "prompt": "x"}), "model"),
        ("an unknown model", json!({"model": "sora", "prompt": "x"}), "model"),
    ];
    for (what, body, field) in cases {
        let (s, r) = t.post(&alice, "/api/videos/generate", &body).await;
        assert_eq!((s, r["error"]["code"].as_str()), (400, Some("validation_error")), "{what}: {r}");
        assert_eq!(r["error"]["field"], field, "{what}: {r}");
        assert!(r["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {r}");
    }
    // Not JSON of the right shape: a 400 too (no field to name).
    for body in [
        json!({"model": "veo-3.1", "prompt": "x", "frames": []}),
        json!({"model": "veo-3.1", "prompt": "x", "reference_asset_ids": a}),
    ] {
        let (s, r) = t.post(&alice, "/api/videos/generate", &body).await;
        assert_eq!(s, 400, "{body} → {r}");
    }
    assert_eq!(t.me(&alice).await["quota"], quota_before, "nothing reserved");
    let (_, jobs_after) = t.get(&alice, "/api/jobs").await;
    assert_eq!(jobs_after["jobs"], jobs_before["jobs"], "no job recorded");
    t.stop().await;
}

#[tokio::test]
async fn another_users_or_a_missing_frame_is_a_404_and_nothing_is_reserved() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mine = image(&t, &alice, "a lighthouse").await;
    let theirs = image(&t, &bob, "bob's lighthouse").await;
    let missing = format!("{}-0", JobId::new());
    let quota_before = t.me(&alice).await["quota"].clone();
    for body in [
        json!({"model": "veo-3.1", "prompt": "x", "start_frame_asset_id": theirs}),
        json!({"model": "veo-3.1", "prompt": "x", "start_frame_asset_id": mine, "end_frame_asset_id": theirs}),
        json!({"model": "veo-3.1", "prompt": "x", "reference_asset_ids": [mine, theirs]}),
        json!({"model": "veo-3.1-fast", "prompt": "x", "start_frame_asset_id": missing}),
    ] {
        let (s, r) = t.post(&alice, "/api/videos/generate", &body).await;
        assert_eq!((s, r["error"]["code"].as_str()), (404, Some("not_found")), "{body} → {r}");
    }
    assert_eq!(t.me(&alice).await["quota"], quota_before, "nothing reserved");
    let (_, jobs) = t.get(&alice, "/api/jobs").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "only the image job");
    t.stop().await;
}

#[tokio::test]
async fn the_estimate_is_the_price_per_second_times_the_duration_and_is_reserved() {
    // No worker: the jobs stay queued, so what they hold is exactly what was reserved.
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("director").await;
    let cases = [
        ("veo-3.1", json!({}), 3_200_000),
        ("veo-3.1", json!({"generate_audio": false}), 1_600_000),
        ("veo-3.1", json!({"duration": 4, "generate_audio": true}), 1_600_000),
        (
            "veo-3.1",
            json!({"duration": 6, "generate_audio": false, "resolution": "720p"}),
            1_200_000,
        ),
        ("veo-3.1-fast", json!({}), 1_200_000),
        ("veo-3.1-fast", json!({"duration": 4, "generate_audio": false}), 400_000),
        ("veo-3.1-fast", json!({"duration": 6, "aspect_ratio": "9:16"}), 900_000),
    ];
    let limit = micros(&t.me(&u).await["quota"]["monthly_limit_usd"]);
    let mut reserved = 0;
    for (model, options, want) in cases {
        let body = json!({"model": model, "prompt": "rain on a window", "options": options});
        let (s, r) = t.post(&u, "/api/videos/generate", &body).await;
        assert_eq!(s, 202, "{body} → {r}");
        let job = &r["job"];
        assert_eq!(micros(&job["estimated_cost_usd"]), want, "{body}");
        assert_eq!((&job["kind"], &job["status"]), (&json!("video"), &json!("queued")));
        assert_eq!(job["start_frame_asset_id"], Value::Null);
        assert_eq!(job["reference_asset_ids"], json!([]));
        reserved += want;
        let quota = &t.me(&u).await["quota"];
        assert_eq!(
            micros(&quota["remaining_usd"]),
            limit - reserved,
            "{body}: the estimate is reserved"
        );
        assert_eq!(micros(&quota["spent_usd"]), 0, "nothing charged before the run");
    }
    // One that does not fit what is left is refused whole: 429 and nothing more reserved.
    let sub = t.sub(&u).await;
    t.stack
        .app
        .store
        .usage()
        .set_monthly_limit(&sub, Some(Micros(reserved + 3_199_999)))
        .await
        .unwrap();
    let (s, r) = t
        .post(&u, "/api/videos/generate", &json!({"model": "veo-3.1", "prompt": "one more"}))
        .await;
    assert_eq!((s, r["error"]["code"].as_str()), (429, Some("quota_exceeded")), "{r}");
    assert_eq!(micros(&t.me(&u).await["quota"]["remaining_usd"]), 3_199_999);
    let (s, _) = t
        .post(
            &u,
            "/api/videos/generate",
            &json!({"model": "veo-3.1", "prompt": "shorter", "options": {"duration": 6}}),
        )
        .await;
    assert_eq!(s, 202, "$2.40 fits in $3.199999");
    t.stop().await;
}

#[tokio::test]
async fn frames_reach_the_provider_in_veos_inputs_as_presigned_urls() {
    let t = TestStack::start().await;
    let u = t.user("frames").await;
    let (start, end, r1, r2) = (
        image(&t, &u, "a door, closed").await,
        image(&t, &u, "a door, open").await,
        image(&t, &u, "a red fox").await,
        image(&t, &u, "a pine forest").await,
    );
    let bucket = t.stack.resources.media_bucket.clone();
    let presigned = |v: &Value| {
        let s = v.as_str().unwrap_or_else(|| panic!("not a URL: {v}"));
        assert!(s.contains(&bucket) && s.contains("X-Amz-Signature="), "{s}");
    };

    // Standard mode: start and end frames, and every option as sent.
    let body = json!({"model": "veo-3.1", "prompt": "the door opens", "start_frame_asset_id": start,
        "end_frame_asset_id": end, "options": {"duration": 8, "resolution": "720p", "aspect_ratio": "9:16",
        "generate_audio": false, "negative_prompt": "people", "seed": 7}});
    let (s, r) = t.post_with(&u, "/api/videos/generate", &body, Some("door-1")).await;
    assert_eq!(s, 202, "{r}");
    let job = r["job"].clone();
    assert_eq!(job["source_asset_ids"], json!([start, end]));
    assert_eq!(
        (&job["start_frame_asset_id"], &job["end_frame_asset_id"]),
        (&json!(start), &json!(end))
    );
    let input = provider_input(&t, &u, job["id"].as_str().unwrap()).await;
    presigned(&input["image"]);
    presigned(&input["last_frame"]);
    assert_ne!(input["image"], input["last_frame"]);
    assert!(input["image"].as_str().unwrap().contains(&start) && input["last_frame"].as_str().unwrap().contains(&end));
    assert!(input.get("reference_images").is_none(), "{input}");
    for (k, v) in [
        ("prompt", json!("the door opens")),
        ("duration", json!(8)),
        ("resolution", json!("720p")),
        ("aspect_ratio", json!("9:16")),
        ("generate_audio", json!(false)),
        ("negative_prompt", json!("people")),
        ("seed", json!(7)),
    ] {
        assert_eq!(input[k], v, "{k}: {input}");
    }
    // The same key and body replays the job; another body with it is a conflict.
    let (s, again) = t.post_with(&u, "/api/videos/generate", &body, Some("door-1")).await;
    assert_eq!((s, &again["job"]["id"]), (200, &job["id"]), "{again}");
    let mut other = body.clone();
    other["end_frame_asset_id"] = Value::Null;
    let (s, conflict) = t.post_with(&u, "/api/videos/generate", &other, Some("door-1")).await;
    assert_eq!((s, conflict["error"]["code"].as_str()), (409, Some("conflict")), "{conflict}");

    // Reference mode: the references as one array, in order.
    let body = json!({"model": "veo-3.1", "prompt": "the fox in the forest", "reference_asset_ids": [r1, r2]});
    let (s, r) = t.post(&u, "/api/videos/generate", &body).await;
    assert_eq!(s, 202, "{r}");
    assert_eq!(r["job"]["reference_asset_ids"], json!([r1, r2]));
    let input = provider_input(&t, &u, r["job"]["id"].as_str().unwrap()).await;
    let refs = input["reference_images"].as_array().unwrap_or_else(|| panic!("{input}"));
    assert_eq!(refs.len(), 2);
    refs.iter().for_each(presigned);
    assert!(refs[0].as_str().unwrap().contains(&r1) && refs[1].as_str().unwrap().contains(&r2));
    assert!(input.get("image").is_none() && input.get("last_frame").is_none(), "{input}");
    assert_eq!((&input["duration"], &input["aspect_ratio"]), (&json!(8), &json!("16:9")));

    // Text to video on Fast: no frame inputs at all.
    let (s, r) = t
        .post(
            &u,
            "/api/videos/generate",
            &json!({"model": "veo-3.1-fast", "prompt": "surf at dawn"}),
        )
        .await;
    assert_eq!(s, 202, "{r}");
    let input = provider_input(&t, &u, r["job"]["id"].as_str().unwrap()).await;
    assert!(
        ["image", "last_frame", "reference_images"].iter().all(|k| input.get(*k).is_none()),
        "{input}"
    );
    assert_eq!(input["generate_audio"], true);
    t.stop().await;
}

/// The whole way: a Veo job with a start frame ends as one MP4 asset with its duration and
/// size recorded, the start frame as its parent, and the exact cost charged.
#[tokio::test]
async fn a_video_job_ends_with_an_mp4_asset_and_the_exact_cost() {
    let t = TestStack::start().await;
    let u = t.user("premiere").await;
    let start = image(&t, &u, "a paper boat").await;
    let body = json!({"model": "veo-3.1-fast", "prompt": "the boat sails away", "start_frame_asset_id": start,
        "options": {"duration": 4, "aspect_ratio": "16:9", "generate_audio": true}});
    let (s, r) = t.post(&u, "/api/videos/generate", &body).await;
    assert_eq!(s, 202, "{r}");
    let done = t.wait_finished(&u, r["job"]["id"].as_str().unwrap()).await;
    let job = &done["job"];
    assert_eq!(job["status"], "succeeded", "{done}");
    assert_eq!(micros(&job["cost_usd"]), 600_000, "$0.15/s × 4 s");
    assert_eq!(job["cost_usd"], job["estimated_cost_usd"]);
    let asset = &done["assets"][0];
    assert_eq!(
        (&asset["kind"], &asset["content_type"]),
        (&json!("video"), &json!("video/mp4")),
        "{asset}"
    );
    assert_eq!(asset["parent_ids"], json!([start]));
    assert_eq!(
        (asset["width"].as_u64(), asset["height"].as_u64()),
        (Some(1280), Some(720)),
        "{asset}"
    );
    assert!((asset["duration_s"].as_f64().unwrap() - 4.0).abs() < 0.2, "{asset}");
    let bytes = t
        .http
        .get(asset["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&bytes[4..8], b"ftyp", "an MP4 in storage");
    let (_, videos) = t.get(&u, "/api/assets?kind=video").await;
    assert_eq!(videos["assets"][0]["id"], asset["id"], "the gallery's video filter finds it");
    t.stop().await;
}

/// The catalog and the simulator's copy of Replicate's Veo schemas agree: every option and
/// frame input the catalog sends is an input of the schema, enum values match, and the full
/// input of each mode (every option, every frame) validates.
#[test]
fn the_catalog_and_the_simulators_veo_schemas_agree() {
    use shared::catalog::{Catalog, FrameRequest, FrameRole, OptionSpec};
    let catalog = Catalog::builtin().unwrap();
    let schemas = local::simulator::Schemas::builtin();
    for id in ["veo-3.1", "veo-3.1-fast"] {
        let m = catalog.get(id).unwrap();
        let schema = schemas
            .official(&m.replicate)
            .unwrap_or_else(|| panic!("{} has no schema", m.replicate));
        let input_of = |name: &str| schema.inputs.iter().find(|i| i.name == name);
        for (name, spec) in &m.options {
            let input = input_of(name).unwrap_or_else(|| panic!("{id}: option {name} is not a schema input"));
            let values: Option<Vec<Value>> = match spec {
                OptionSpec::Enum { values, .. } => Some(values.iter().map(|v| json!(v)).collect()),
                OptionSpec::Integer { values: Some(v), .. } => Some(v.iter().map(|v| json!(v)).collect()),
                _ => None,
            };
            if let Some(values) = values {
                assert_eq!(input.enum_values.as_ref(), Some(&values), "{id}: {name}");
            }
        }
        for f in m.frames.values() {
            assert!(input_of(&f.field).is_some(), "{id}: frame input {} is not in the schema", f.field);
        }
        let all = json!({"duration": 8, "resolution": "720p", "aspect_ratio": "9:16", "generate_audio": false,
            "negative_prompt": "blur", "seed": 3});
        let frames = FrameRequest {
            start_frame: Some(1),
            end_frame: Some(1),
            references: None,
        };
        let r = catalog.validate_video(id, "x", all.as_object().unwrap(), &frames).unwrap();
        let input = m.frame_input(
            "x",
            &r.options,
            &["https://s/a".into(), "https://s/b".into()],
            &[FrameRole::StartFrame, FrameRole::EndFrame],
        );
        assert!(schema.validate(&input).is_ok(), "{id}: {input}");
        if m.frames.contains_key(&FrameRole::References) {
            let refs = FrameRequest {
                references: Some(3),
                ..FrameRequest::default()
            };
            let r = catalog.validate_video(id, "x", &serde_json::Map::new(), &refs).unwrap();
            let urls: Vec<String> = (0..3).map(|i| format!("https://s/{i}")).collect();
            let input = m.frame_input("x", &r.options, &urls, &[FrameRole::References; 3]);
            assert!(schema.validate(&input).is_ok(), "{id}: {input}");
        } else {
            assert!(
                input_of("reference_images").is_none(),
                "{id}: the schema takes references the catalog does not offer"
            );
        }
    }
}
