use super::*;
use crate::domain::JobKind;

fn cat() -> Catalog {
    Catalog::builtin().expect("the shipped catalog is valid")
}

fn opts(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

#[test]
fn shipped_catalog_has_the_required_models() {
    let c = cat();
    for (id, replicate, kinds) in [
        ("imagen-4", "google/imagen-4", &[JobKind::Image][..]),
        ("imagen-4-ultra", "google/imagen-4-ultra", &[JobKind::Image]),
        ("imagen-4-fast", "google/imagen-4-fast", &[JobKind::Image]),
        ("nano-banana", "google/nano-banana", &[JobKind::Image, JobKind::Edit]),
        ("seedream-4", "bytedance/seedream-4", &[JobKind::Image, JobKind::Edit]),
        ("qwen-image-edit-plus", "qwen/qwen-image-edit-plus", &[JobKind::Edit]),
        ("seededit-3", "bytedance/seededit-3.0", &[JobKind::Edit]),
        ("real-esrgan", "nightmareai/real-esrgan", &[JobKind::Restore]),
        ("codeformer", "sczhou/codeformer", &[JobKind::Restore]),
        ("gfpgan", "tencentarc/gfpgan", &[JobKind::Restore]),
        ("swin2sr", "mv-lab/swin2sr", &[JobKind::Restore]),
    ] {
        let m = c.get(id).unwrap();
        assert_eq!(m.replicate, replicate);
        assert_eq!(m.kinds, kinds, "{id}");
    }
    assert!(c.get("imagen-4").unwrap().default_for.contains(&JobKind::Image));
    // The community models run by pinned version; the official ones by name.
    for id in ["codeformer", "gfpgan", "swin2sr"] {
        assert!(c.get(id).unwrap().version.is_some(), "{id}");
    }
    for id in ["real-esrgan", "nano-banana", "qwen-image-edit-plus", "seededit-3", "seedream-4"] {
        assert!(c.get(id).unwrap().version.is_none(), "{id}");
    }
}

#[test]
fn fills_defaults_and_prices() {
    let c = cat();
    let r = c.validate(JobKind::Image, "imagen-4", " a fox ", &Map::new(), 0).unwrap();
    assert_eq!(r.prompt.as_str(), "a fox");
    assert_eq!(r.options["aspect_ratio"], "1:1");
    assert_eq!(r.estimated, Micros(40_000));
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &[]);
    assert_eq!(input["prompt"], "a fox");
    assert_eq!(input["safety_filter_level"], "block_only_high");
}

#[test]
fn editing_uses_edit_defaults_and_the_catalogs_source_field() {
    let c = cat();
    let urls = ["https://s3/a".to_string(), "https://s3/b".to_string()];
    let r = c.validate(JobKind::Edit, "nano-banana", "make it snow", &Map::new(), 2).unwrap();
    assert_eq!(r.options["aspect_ratio"], "match_input_image");
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &urls);
    assert_eq!(input["image_input"], json!(urls));
    // Generating with the same model keeps its text-to-image default.
    let g = c.validate(JobKind::Image, "nano-banana", "a fox", &Map::new(), 0).unwrap();
    assert_eq!(g.options["aspect_ratio"], "1:1");

    let r = c.validate(JobKind::Edit, "seededit-3", "warmer", &Map::new(), 1).unwrap();
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &urls[..1]);
    assert_eq!(input["image"], json!("https://s3/a"), "SeedEdit takes one string");
    assert_eq!(input["guidance_scale"], json!(5.5));

    let r = c.validate(JobKind::Edit, "qwen-image-edit-plus", "warmer", &Map::new(), 1).unwrap();
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &urls[..1]);
    assert_eq!(input["image"], json!(["https://s3/a"]), "Qwen takes an array");
}

#[test]
fn restoration_sends_no_prompt_and_its_own_source_field() {
    let c = cat();
    let r = c.validate(JobKind::Restore, "gfpgan", "", &Map::new(), 1).unwrap();
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &["https://s3/a".into()]);
    assert_eq!(input["img"], "https://s3/a");
    assert!(input.get("prompt").is_none() && input.get("image").is_none());
    assert_eq!(r.estimated, Micros(3_000));
    let e = c.validate(JobKind::Restore, "real-esrgan", "sharper", &Map::new(), 1).unwrap_err();
    assert_eq!(e.field, "prompt");
}

#[test]
fn rejects_bad_requests_with_the_field() {
    let c = cat();
    let err = |k: JobKind, m: &str, p: &str, o: Value, n: usize| c.validate(k, m, p, &opts(o), n).unwrap_err().field;
    let img = JobKind::Image;
    assert_eq!(err(img, "dall-e", "x", json!({}), 0), "model");
    assert_eq!(err(img, "imagen-4", "", json!({}), 0), "prompt");
    assert_eq!(err(img, "imagen-4", &"x".repeat(2001), json!({}), 0), "prompt");
    assert_eq!(err(img, "imagen-4", "x", json!({"aspect_ratio": "2:1"}), 0), "options.aspect_ratio");
    assert_eq!(err(img, "imagen-4", "x", json!({"aspect_ratio": 1}), 0), "options.aspect_ratio");
    assert_eq!(err(img, "imagen-4", "x", json!({"seed": 1}), 0), "options.seed");
    assert_eq!(
        err(img, "nano-banana", "x", json!({"aspect_ratio": "1:3"}), 0),
        "options.aspect_ratio"
    );
    assert_eq!(err(img, "qwen-image-edit-plus", "x", json!({}), 0), "model");
    assert_eq!(err(JobKind::Edit, "imagen-4", "x", json!({}), 1), "model");
    assert_eq!(err(JobKind::Edit, "seededit-3", "x", json!({}), 2), "source_asset_ids");
    assert_eq!(err(JobKind::Edit, "seededit-3", "x", json!({}), 0), "source_asset_ids");
    assert_eq!(err(JobKind::Edit, "qwen-image-edit-plus", "x", json!({}), 4), "source_asset_ids");
    assert_eq!(err(JobKind::Edit, "nano-banana", "x", json!({}), 11), "source_asset_ids");
    assert_eq!(err(JobKind::Restore, "real-esrgan", "", json!({"scale": 9}), 1), "options.scale");
}

/// JSON Schema's `integer` (docs/openapi.yaml) allows `8.0`: it is the integer 8.
#[test]
fn a_whole_number_written_as_a_float_is_an_integer() {
    let c = cat();
    let v = c
        .validate(
            JobKind::Video,
            "veo-3.1",
            "x",
            &opts(json!({"seed": 24778090.0, "duration": 6.0})),
            0,
        )
        .unwrap();
    assert_eq!(v.options["seed"], json!(24778090));
    assert!(v.options["seed"].is_i64(), "sent on as an integer");
    assert_eq!(v.options["duration"], json!(6));
    assert_eq!(
        v.estimated,
        c.validate(JobKind::Video, "veo-3.1", "x", &opts(json!({"duration": 6})), 0)
            .unwrap()
            .estimated
    );
    let err = |o: Value| c.validate(JobKind::Video, "veo-3.1", "x", &opts(o), 0).unwrap_err();
    assert_eq!(err(json!({"seed": 1.5})).field, "options.seed");
    assert_eq!(err(json!({"seed": 1e300})).field, "options.seed");
    assert_eq!(err(json!({"duration": 5.0})).field, "options.duration");
}

/// Adding an edit model is one catalog entry: this fixture adds one nobody wrote code for.
#[test]
fn a_new_edit_model_is_one_entry() {
    let mut doc: Value = serde_json::from_str(CATALOG_JSON).unwrap();
    doc["models"].as_array_mut().unwrap().push(json!({
        "id": "acme-collage", "name": "Acme Collage", "kinds": ["edit"], "replicate": "acme/collage",
        "price": { "usd_micros": 12000, "per": "image", "provider": { "basis": "image", "usd_micros": 12000 } },
        "sources": { "field": "input_images", "list": true }, "min_source_images": 2, "max_source_images": 4,
        "options": { "style": { "type": "enum", "values": ["flat", "deep"], "default": "flat" } }
    }));
    let c = Catalog::from_json(&doc.to_string()).unwrap();
    let urls: Vec<String> = (0..3).map(|i| format!("https://s3/{i}")).collect();
    let r = c.validate(JobKind::Edit, "acme-collage", "a collage", &Map::new(), 3).unwrap();
    assert_eq!(r.estimated, Micros(12_000));
    let input = r.model.replicate_input(r.prompt.as_str(), &r.options, &urls);
    assert_eq!(input, json!({"prompt": "a collage", "style": "flat", "input_images": urls}));
    assert_eq!(
        c.validate(JobKind::Edit, "acme-collage", "x", &Map::new(), 1).unwrap_err().field,
        "source_asset_ids"
    );
    let api = c.get("acme-collage").unwrap().to_api();
    assert_eq!(api["kinds"], json!(["edit"]));
    assert_eq!(
        (api["min_source_images"].as_u64(), api["max_source_images"].as_u64()),
        (Some(2), Some(4))
    );
}

#[test]
fn price_by_option_replaces_the_base_price() {
    let doc = json!({"models": [{
        "id": "clip", "name": "Clip", "kinds": ["video"], "default_for": ["video"], "replicate": "acme/clip",
        "price": { "usd_micros": 200000, "per": "second", "by_option": { "generate_audio": { "true": 400000 } },
            "provider": { "basis": "video_second", "usd_micros": 200000 } },
        "options": {
            "duration": { "type": "integer", "min": 4, "max": 8, "default": 8 },
            "generate_audio": { "type": "boolean", "default": true }
        }
    }]});
    let c = Catalog::from_json(&doc.to_string()).unwrap();
    let est = |o: Value| c.validate(JobKind::Video, "clip", "waves", &opts(o), 0).unwrap().estimated;
    assert_eq!(est(json!({})), Micros(3_200_000));
    assert_eq!(est(json!({"generate_audio": false, "duration": 4})), Micros(800_000));
    let api = c.get("clip").unwrap().to_api();
    assert_eq!(api["price"]["by_option"]["generate_audio"]["true"], json!(0.4));
}

#[test]
fn catalog_validation_catches_mistakes() {
    let base = json!({"id":"a","name":"A","kinds":["image"],"default_for":["image"],"replicate":"o/n",
        "price":{"usd_micros":1,"per":"image","provider":{"basis":"image","usd_micros":1}},"options":{}});
    let with = |patch: Value| {
        let mut m = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            m[k] = v.clone();
        }
        json!({ "models": [m] }).to_string()
    };
    let bad = [
        r#"{"models":[]}"#.to_string(),
        with(json!({"replicate": "noslash"})),
        with(json!({"price": {"usd_micros": 0, "per": "image", "provider": {"basis": "image", "usd_micros": 1}}})),
        with(json!({"options": {"x": {"type":"enum","values":["a"],"default":"b"}}})),
        with(json!({"options": {"x": {"type":"integer","min":5,"max":1}}})),
        with(json!({"default_for": []})),
        with(json!({"default_for": ["edit"]})),
        with(json!({"kinds": ["image", "edit"]})),
        with(json!({"sources": {"field": "image", "list": true}, "max_source_images": 2})),
        with(
            json!({"kinds": ["image", "edit"], "sources": {"field": "image", "list": false}, "min_source_images": 1, "max_source_images": 2}),
        ),
        with(
            json!({"kinds": ["image", "edit"], "sources": {"field": "image", "list": true}, "min_source_images": 0, "max_source_images": 2}),
        ),
        with(json!({"version": "abc"})),
        with(
            json!({"price": {"usd_micros": 1, "per": "image", "by_option": {"nope": {"x": 1}}, "provider": {"basis": "image", "usd_micros": 1}}}),
        ),
        with(json!({"unknown_key": 1})),
    ];
    assert!(Catalog::from_json(&with(json!({}))).is_ok());
    for b in bad {
        assert!(Catalog::from_json(&b).is_err(), "{b}");
    }
}

#[test]
fn api_shape_shows_dollars_and_kinds() {
    let m = cat().get("imagen-4").unwrap().to_api();
    assert_eq!(m["price"]["usd"], json!(0.04));
    assert_eq!(m["price"]["per"], "image");
    assert_eq!(m["kinds"], json!(["image"]));
    assert_eq!(m["default_for"], json!(["image"]));
    assert_eq!(m["options"]["aspect_ratio"]["type"], "enum");
    assert_eq!(m["options"]["aspect_ratio"]["default"], "1:1");
    let r = cat().get("real-esrgan").unwrap().to_api();
    assert_eq!(
        (r["min_source_images"].as_u64(), r["max_source_images"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(r["prompt"], "none");
}

#[test]
fn actual_cost_counts_delivered_images() {
    let c = cat();
    let m = c.get("imagen-4").unwrap();
    assert_eq!(actual_cost(m, &Map::new(), 1), Micros(40_000));
    assert_eq!(actual_cost(m, &Map::new(), 0), Micros(0));
}

/// The ceiling on kept outputs (domain::outputs) never cuts what a request can pay for: the
/// largest count any model's options allow, and a story's most frames, stay within it.
#[test]
fn no_request_asks_for_more_outputs_than_a_job_keeps() {
    use crate::domain::{MAX_OUTPUTS_PER_JOB, MAX_STORY_FRAMES, STORY_MODEL};
    let c = cat();
    for m in c.models() {
        let mut most = Map::new();
        for key in ["num_outputs", "max_images"] {
            if let Some(spec) = m.options.get(key) {
                let OptionSpec::Integer { max: Some(max), .. } = spec else {
                    panic!("{}: the count option {key} must be an integer with a max", m.id)
                };
                most.insert(key.into(), Value::from(*max));
            }
        }
        let n = expected_outputs(m, &most);
        assert!(n <= MAX_OUTPUTS_PER_JOB, "{} can ask for {n} outputs", m.id);
    }
    let story = c.get(STORY_MODEL).unwrap();
    let frames = opts(json!({ "max_images": MAX_STORY_FRAMES }));
    assert!(expected_outputs(story, &frames) <= MAX_OUTPUTS_PER_JOB);
}
