//! The models' input schemas (422 like Replicate), the version route, source downloads, and
//! outputs that can be traced back to their source.

use super::*;

use local::simulator::codec::{self, Rgb};

const CODEFORMER: &str = "cc4956dd26fa5a7185d5660cc9100fab1b8070a1d1654a8bb5eb6d443b020bb2";
const GFPGAN: &str = "0fbacf7afc6c144e5be9767cff80f25aff23e52b0708f17e20f9879b2f21516c";
const SWIN2SR: &str = "a01b0512004918ca55d02e554914a9eca63909fa83a29ff0f115c78a7045574f";

/// Serves source images at `/src/{name}` (any query string, like a presigned URL) and counts
/// the requests.
#[derive(Clone, Default)]
struct Sources {
    files: Arc<Mutex<std::collections::HashMap<String, Vec<u8>>>>,
    hits: Arc<Mutex<Vec<String>>>,
}

async fn serve_source(State(s): State<Sources>, req: Request) -> Response {
    let name = req.uri().path().trim_start_matches("/src/").to_owned();
    s.hits.lock().unwrap().push(name.clone());
    match s.files.lock().unwrap().get(&name) {
        Some(b) => b.clone().into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl Sources {
    async fn start() -> (Sources, String) {
        let s = Sources::default();
        let app = Router::new().fallback(any(serve_source)).with_state(s.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (s, base)
    }

    /// Puts `bytes` at `name`; returns a presigned-looking URL for it.
    fn put(&self, base: &str, name: &str, bytes: Vec<u8>) -> String {
        self.files.lock().unwrap().insert(name.into(), bytes);
        format!("{base}/src/{name}?X-Amz-Signature=s3cr3tsig&X-Amz-Expires=600")
    }

    fn hits(&self, name: &str) -> usize {
        self.hits.lock().unwrap().iter().filter(|h| *h == name).count()
    }
}

/// Black on the left half, white on the right.
fn halves(w: u32, h: u32) -> Rgb {
    let pixels = (0..h)
        .flat_map(|_| (0..w).flat_map(move |x| if x < w / 2 { [0u8; 3] } else { [255u8; 3] }))
        .collect();
    Rgb {
        width: w,
        height: h,
        pixels,
    }
}

/// Every pixel different: a colour ramp with a few odd pixels.
fn pattern(w: u32, h: u32) -> Rgb {
    let pixels = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| [(x * 11 + y) as u8, (y * 17) as u8, ((x * y) % 251) as u8]))
        .collect();
    Rgb {
        width: w,
        height: h,
        pixels,
    }
}

fn encoded(img: &Rgb, format: codec::Format) -> Vec<u8> {
    codec::encode(img, format, "").unwrap()
}

async fn fetch_image(url: &str) -> (String, Rgb) {
    let resp = reqwest::get(url).await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    let ct = resp.headers()[header::CONTENT_TYPE].to_str().unwrap().to_owned();
    let img = codec::decode(&resp.bytes().await.unwrap()).expect("an image");
    (ct, img)
}

fn luma(p: [u8; 3]) -> u32 {
    (p[0] as u32 + p[1] as u32 + p[2] as u32) / 3
}

async fn post(sim: &SimHandle, path: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn run_official(sim: &SimHandle, client: &ReplicateClient, model: &str, input: Value) -> Prediction {
    let (status, body) = post(sim, &format!("/models/{model}/predictions"), json!({ "input": input })).await;
    assert_eq!(status, 201, "{body}");
    wait_terminal(client, body["id"].as_str().unwrap()).await
}

async fn run_version(sim: &SimHandle, client: &ReplicateClient, version: &str, input: Value) -> Prediction {
    let (status, body) = post(sim, "/predictions", json!({ "version": version, "input": input })).await;
    assert_eq!(status, 201, "{body}");
    wait_terminal(client, body["id"].as_str().unwrap()).await
}

fn invalid(body: &Value) -> Vec<(String, String)> {
    assert_eq!(body["title"], "Input validation failed", "{body}");
    assert_eq!(body["status"], 422);
    body["invalid_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let (field, desc) = (f["field"].as_str().unwrap(), f["description"].as_str().unwrap());
            assert!(body["detail"].as_str().unwrap().contains(&format!("- {field}: {desc}")), "{body}");
            (f["type"].as_str().unwrap().to_owned(), desc.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn inputs_are_checked_against_each_models_schema_with_422_and_no_prediction() {
    let (sim, client) = sim().await;
    let url = "https://example.invalid/a.png";

    // GFPGAN takes `img`, not `image`.
    let (status, body) = post(&sim, "/predictions", json!({"version": GFPGAN, "input": {"image": url}})).await;
    assert_eq!(status, 422);
    assert_eq!(
        invalid(&body),
        vec![
            ("required".into(), "img is required".into()),
            (
                "additional_property_not_allowed".into(),
                "Additional property image is not allowed".into()
            )
        ]
    );
    // Wrong type: a string scale, through the real client.
    let e = client
        .create_prediction(
            &ModelRef::parse("nightmareai/real-esrgan").unwrap(),
            json!({"image": url, "scale": "4"}),
            None,
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(422), "{e:?}");
    assert!(!e.is_retryable());
    // Qwen's `image` is a list.
    let (status, body) = post(
        &sim,
        "/models/qwen/qwen-image-edit-plus/predictions",
        json!({"input": {"prompt": "x", "image": url}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        invalid(&body),
        vec![("invalid_type".into(), "Invalid type. Expected: array, given: string".into())]
    );
    // Enum miss and out of range.
    let (status, body) = post(
        &sim,
        "/predictions",
        json!({"version": SWIN2SR, "input": {"image": url, "task": "super_sr"}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(invalid(&body)[0].0, "enum");
    let (status, body) = post(
        &sim,
        "/predictions",
        json!({"version": CODEFORMER, "input": {"image": url, "codeformer_fidelity": 1.5}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        invalid(&body),
        vec![("number_lte".into(), "Must be less than or equal to 1".into())]
    );
    // Missing required: Qwen without its images; SeedEdit without a prompt.
    let (status, body) = post(
        &sim,
        "/models/qwen/qwen-image-edit-plus/predictions",
        json!({"input": {"prompt": "x"}}),
    )
    .await;
    assert_eq!(
        (status, invalid(&body)),
        (422, vec![("required".into(), "image is required".into())])
    );
    let (status, body) = post(&sim, "/models/bytedance/seededit-3.0/predictions", json!({"input": {"image": url}})).await;
    assert_eq!(
        (status, invalid(&body)),
        (422, vec![("required".into(), "prompt is required".into())])
    );
    // Seedream takes at most 10 sources.
    let many: Vec<String> = (0..11).map(|i| format!("https://example.invalid/{i}.png")).collect();
    let (status, body) = post(
        &sim,
        "/models/bytedance/seedream-4/predictions",
        json!({"input": {"prompt": "x", "image_input": many}}),
    )
    .await;
    assert_eq!((status, invalid(&body)[0].0.as_str()), (422, "array_max_items"));
    // An option of another model is an unknown name here.
    let (status, body) = post(
        &sim,
        "/models/google/imagen-4/predictions",
        json!({"input": {"prompt": "x", "image_input": [url]}}),
    )
    .await;
    assert_eq!((status, invalid(&body)[0].0.as_str()), (422, "additional_property_not_allowed"));

    assert_eq!(sim.stats().predictions_created, 0, "no prediction for an invalid input");
    assert!(sim.predictions().is_empty());
}

#[tokio::test]
async fn community_models_run_by_pinned_version_and_official_ones_by_name() {
    let (sim, client) = sim().await;
    let (src, base) = Sources::start().await;
    let url = src.put(&base, "face.png", encoded(&pattern(8, 6), codec::Format::Png));

    for version in [format!("sczhou/codeformer:{CODEFORMER}"), CODEFORMER.to_owned()] {
        let (status, body) = post(&sim, "/predictions", json!({"version": version, "input": {"image": url}})).await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(
            (body["model"].as_str(), body["version"].as_str()),
            (Some("sczhou/codeformer"), Some(CODEFORMER))
        );
        assert_eq!(body["status"], "starting");
        let done = wait_terminal(&client, body["id"].as_str().unwrap()).await;
        assert_eq!(done.status, PredictionStatus::Succeeded, "{:?}", done.error);
        assert!(done.output.is_string(), "codeformer gives one URI");
    }

    // Unknown version, a name that does not go with the version, a malformed one, none at all.
    let unknown = "f".repeat(64);
    for version in [
        unknown.clone(),
        format!("tencentarc/gfpgan:{CODEFORMER}"),
        "sczhou/codeformer:latest".into(),
        format!("google/imagen-4:{unknown}"),
    ] {
        let (status, body) = post(&sim, "/predictions", json!({"version": version, "input": {"image": url}})).await;
        assert_eq!(status, 422, "{version}: {body}");
        assert_eq!(body["title"], "Invalid version or not permitted");
    }
    let (status, body) = post(&sim, "/predictions", json!({"input": {"image": url}})).await;
    assert_eq!(
        (status, invalid(&body)),
        (422, vec![("required".into(), "version is required".into())])
    );
    // A community model has no official route; the official route refuses `version`.
    let (status, _) = post(&sim, "/models/sczhou/codeformer/predictions", json!({"input": {"image": url}})).await;
    assert_eq!(status, 404);
    let (status, body) = post(
        &sim,
        "/models/nightmareai/real-esrgan/predictions",
        json!({"version": CODEFORMER, "input": {"image": url}}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        invalid(&body),
        vec![(
            "additional_property_not_allowed".into(),
            "Additional property version is not allowed".into()
        )]
    );
    let (status, _) = post(&sim, "/models/acme/unknown/predictions", json!({"input": {"prompt": "x"}})).await;
    assert_eq!(status, 404);
    assert_eq!(sim.stats().predictions_created, 2);
}

#[tokio::test]
async fn an_edit_is_the_source_at_its_size_keeping_its_dark_and_bright_sides() {
    let (sim, client) = sim().await;
    let (src, base) = Sources::start().await;
    let png = src.put(&base, "halves.png", encoded(&halves(96, 64), codec::Format::Png));
    let jpeg = src.put(&base, "halves.jpg", encoded(&halves(120, 80), codec::Format::Jpeg));
    let other = src.put(&base, "other.png", encoded(&pattern(10, 10), codec::Format::Png));

    let check = |img: &Rgb, w: u32, h: u32, what: &str| {
        assert_eq!((img.width, img.height), (w, h), "{what}: the source's size");
        for y in [2, h / 4, h / 2] {
            assert!(luma(img.pixel(3, y)) < 80, "{what}: left stays dark {:?}", img.pixel(3, y));
            assert!(
                luma(img.pixel(w - 4, y)) > 175,
                "{what}: right stays bright {:?}",
                img.pixel(w - 4, y)
            );
        }
    };

    let nano = run_official(
        &sim,
        &client,
        "google/nano-banana",
        json!({"prompt": "make it teal", "image_input": [png, other], "output_format": "png"}),
    )
    .await;
    assert!(nano.output.is_string(), "nano-banana gives one URI");
    let (ct, a) = fetch_image(&nano.output_urls()[0]).await;
    assert_eq!(ct, "image/png");
    check(&a, 96, 64, "nano-banana");
    assert_eq!(
        (src.hits("halves.png"), src.hits("other.png")),
        (1, 1),
        "every source is downloaded"
    );

    // Same source, another prompt: another tint, same light and dark.
    let nano2 = run_official(
        &sim,
        &client,
        "google/nano-banana",
        json!({"prompt": "make it red", "image_input": [png], "output_format": "jpg"}),
    )
    .await;
    let (ct, b) = fetch_image(&nano2.output_urls()[0]).await;
    assert_eq!(ct, "image/jpeg");
    assert!(nano2.output_urls()[0].ends_with(".jpg"));
    check(&b, 96, 64, "nano-banana jpg");
    assert!(
        a.pixel(3, 3).iter().zip(b.pixel(3, 3)).any(|(x, y)| x.abs_diff(y) > 12),
        "the prompt shows"
    );

    let qwen = run_official(
        &sim,
        &client,
        "qwen/qwen-image-edit-plus",
        json!({"prompt": "x", "image": [jpeg], "output_format": "webp"}),
    )
    .await;
    assert!(qwen.output.is_array(), "qwen gives a list");
    let (ct, q) = fetch_image(&qwen.output_urls()[0]).await;
    assert_eq!(ct, "image/webp");
    check(&q, 120, 80, "qwen from a JPEG");

    let seededit = run_official(&sim, &client, "bytedance/seededit-3.0", json!({"prompt": "x", "image": png})).await;
    check(&fetch_image(&seededit.output_urls()[0]).await.1, 96, 64, "seededit");

    let seedream = run_official(
        &sim,
        &client,
        "bytedance/seedream-4",
        json!({"prompt": "x", "image_input": [png], "max_images": 2}),
    )
    .await;
    assert_eq!(seedream.output_urls().len(), 2);
    for u in seedream.output_urls() {
        check(&fetch_image(&u).await.1, 96, 64, "seedream");
    }

    // A requested aspect ratio crops the centre of the source.
    let cropped = run_official(
        &sim,
        &client,
        "google/nano-banana",
        json!({"prompt": "x", "image_input": [png], "aspect_ratio": "1:1", "output_format": "png"}),
    )
    .await;
    check(&fetch_image(&cropped.output_urls()[0]).await.1, 64, 64, "1:1 crop");

    // No source: text to image as before (PNG whatever output_format says).
    let t2i = run_official(
        &sim,
        &client,
        "google/nano-banana",
        json!({"prompt": "x", "image_input": [], "output_format": "jpg"}),
    )
    .await;
    let (ct, t) = fetch_image(&t2i.output_urls()[0]).await;
    assert_eq!((ct.as_str(), t.width, t.height), ("image/png", 768, 768));
}

#[tokio::test]
async fn a_restoration_is_exactly_factor_times_the_source_and_samples_back_to_it() {
    let (sim, client) = sim().await;
    let (src, base) = Sources::start().await;
    let source = pattern(21, 13);
    let url = src.put(&base, "old.png", encoded(&source, codec::Format::Png));

    let cases = [
        (
            "real-esrgan scale 2",
            None,
            json!({"image": url, "scale": 2, "face_enhance": true}),
            2,
        ),
        ("real-esrgan default 4", None, json!({"image": url}), 4),
        (
            "codeformer upscale 3",
            Some(CODEFORMER),
            json!({"image": url, "upscale": 3, "codeformer_fidelity": 0.7}),
            3,
        ),
        (
            "gfpgan scale 2",
            Some(GFPGAN),
            json!({"img": url, "version": "v1.4", "scale": 2}),
            2,
        ),
        ("swin2sr 4x", Some(SWIN2SR), json!({"image": url, "task": "real_sr"}), 4),
    ];
    for (what, version, input, f) in cases {
        let done = match version {
            None => run_official(&sim, &client, "nightmareai/real-esrgan", input).await,
            Some(v) => run_version(&sim, &client, v, input).await,
        };
        assert_eq!(done.status, PredictionStatus::Succeeded, "{what}: {:?}", done.error);
        assert!(done.output.is_string(), "{what}: one URI");
        let (ct, out) = fetch_image(&done.output_urls()[0]).await;
        assert_eq!(ct, "image/png", "{what}");
        assert_eq!((out.width, out.height), (21 * f, 13 * f), "{what}");
        for y in 0..13 {
            for x in 0..21 {
                assert_eq!(out.pixel(x * f, y * f), source.pixel(x, y), "{what} at {x},{y}");
            }
        }
    }
    assert_eq!(src.hits("old.png"), 5);
}

#[tokio::test]
async fn a_source_that_cannot_be_fetched_or_read_fails_the_prediction() {
    let (sim, client) = sim().await;
    let (rx, hook) = Receiver::start().await;
    let (src, base) = Sources::start().await;
    let text = src.put(&base, "notes.png", b"just some text, not a picture".to_vec());
    let missing = format!("{base}/src/gone.png?X-Amz-Signature=s3cr3tsig");
    // A port nobody listens on.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        format!("http://127.0.0.1:{port}/a.png?X-Amz-Signature=s3cr3tsig")
    };

    for (url, why) in [(closed, "connection"), (missing, "HTTP 404"), (text, "cannot identify image file")] {
        let (status, body) = post(
            &sim,
            "/models/nightmareai/real-esrgan/predictions",
            json!({"input": {"image": url}, "webhook": hook, "webhook_events_filter": ["completed"]}),
        )
        .await;
        assert_eq!(status, 201, "the URL is only fetched once the prediction runs");
        let done = wait_terminal(&client, body["id"].as_str().unwrap()).await;
        assert_eq!(done.status, PredictionStatus::Failed);
        let error = done.error.clone().unwrap_or_default();
        assert!(error.contains("image") && error.contains(why), "{error}");
        assert!(
            !error.contains("s3cr3tsig") && !error.contains("127.0.0.1"),
            "no URL in the error: {error}"
        );
        assert!(done.output_urls().is_empty());
    }
    let got = rx.wait_for(3).await;
    assert!(got.iter().all(|r| r.prediction().status == PredictionStatus::Failed));

    // A source over the size cap fails too.
    let mut cfg = config();
    cfg.source_max_bytes = 100;
    let (small, small_client) = sim_with(cfg).await;
    let big = src.put(&base, "big.png", encoded(&pattern(64, 64), codec::Format::Png));
    let done = run_official(&small, &small_client, "nightmareai/real-esrgan", json!({"image": big})).await;
    assert_eq!(done.status, PredictionStatus::Failed);
    assert!(done.error.unwrap_or_default().contains("larger than 100 bytes"));
}
