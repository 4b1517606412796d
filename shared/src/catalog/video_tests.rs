//! Veo in the catalog: options, exact per-second estimates, frame rules and Replicate inputs.
use super::*;
use crate::domain::{FrameRole, JobKind};

fn cat() -> Catalog {
    Catalog::builtin().expect("the shipped catalog is valid")
}

fn opts(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn frames(start: bool, end: bool, refs: Option<usize>) -> FrameRequest {
    FrameRequest {
        start_frame: start.then_some(1),
        end_frame: end.then_some(1),
        references: refs,
    }
}

#[test]
fn veo_models_are_video_models_with_their_options() {
    let c = cat();
    for (id, replicate) in [("veo-3.1", "google/veo-3.1"), ("veo-3.1-fast", "google/veo-3.1-fast")] {
        let m = c.get(id).unwrap();
        assert_eq!(m.replicate, replicate);
        assert_eq!(m.kinds, [JobKind::Video]);
        assert!(m.version.is_none(), "official models run by name");
        let r = c
            .validate_video(id, "waves at dusk", &Map::new(), &FrameRequest::default())
            .unwrap();
        assert_eq!(
            Value::Object(r.options.clone()),
            json!({"duration": 8, "resolution": "1080p", "aspect_ratio": "16:9", "generate_audio": true})
        );
    }
    assert!(c.get("veo-3.1").unwrap().default_for.contains(&JobKind::Video));
    let api = c.get("veo-3.1").unwrap().to_api();
    assert_eq!(
        api["options"]["duration"],
        json!({"type": "integer", "values": [4, 6, 8], "default": 8})
    );
    assert_eq!(
        api["price"],
        json!({"usd": 0.4, "per": "second", "by_option": {"generate_audio": {"false": 0.2, "true": 0.4}}})
    );
    assert_eq!(
        api["frames"]["references"]["options"],
        json!({"aspect_ratio": "16:9", "duration": 8})
    );
    assert_eq!(api["frames"]["end_frame"]["requires"], json!(["start_frame"]));
    assert!(c.get("veo-3.1-fast").unwrap().to_api()["frames"].get("references").is_none());
}

#[test]
fn the_estimate_is_price_per_second_times_duration() {
    let c = cat();
    let est = |m: &str, o: Value| c.validate_video(m, "x", &opts(o), &FrameRequest::default()).unwrap().estimated;
    assert_eq!(est("veo-3.1", json!({})), Micros(3_200_000));
    assert_eq!(est("veo-3.1", json!({"generate_audio": false})), Micros(1_600_000));
    assert_eq!(est("veo-3.1", json!({"duration": 4})), Micros(1_600_000));
    assert_eq!(est("veo-3.1", json!({"duration": 6, "generate_audio": false})), Micros(1_200_000));
    assert_eq!(est("veo-3.1-fast", json!({})), Micros(1_200_000));
    assert_eq!(
        est("veo-3.1-fast", json!({"duration": 4, "generate_audio": false})),
        Micros(400_000)
    );
    assert_eq!(est("veo-3.1-fast", json!({"duration": 6, "resolution": "720p"})), Micros(900_000));
    let m = c.get("veo-3.1").unwrap();
    assert_eq!(
        actual_cost(m, &opts(json!({"duration": 6, "generate_audio": true})), 1),
        Micros(2_400_000)
    );
}

#[test]
fn every_broken_rule_names_its_field() {
    let c = cat();
    let err = |m: &str, p: &str, o: Value, f: FrameRequest| c.validate_video(m, p, &opts(o), &f).unwrap_err().field;
    let none = FrameRequest::default;
    assert_eq!(err("veo-3.1", "x", json!({}), frames(false, true, None)), "end_frame_asset_id");
    assert_eq!(err("veo-3.1", "x", json!({}), frames(true, true, Some(1))), "end_frame_asset_id");
    assert_eq!(
        err("veo-3.1", "x", json!({"aspect_ratio": "9:16"}), frames(false, false, Some(2))),
        "options.aspect_ratio"
    );
    assert_eq!(
        err("veo-3.1", "x", json!({"duration": 6}), frames(false, false, Some(3))),
        "options.duration"
    );
    assert_eq!(err("veo-3.1", "x", json!({}), frames(false, false, Some(0))), "reference_asset_ids");
    assert_eq!(err("veo-3.1", "x", json!({}), frames(false, false, Some(4))), "reference_asset_ids");
    assert_eq!(
        err("veo-3.1-fast", "x", json!({}), frames(false, false, Some(1))),
        "reference_asset_ids"
    );
    assert_eq!(err("veo-3.1", "x", json!({"duration": 5}), none()), "options.duration");
    assert_eq!(err("veo-3.1", "x", json!({"duration": "8"}), none()), "options.duration");
    assert_eq!(err("veo-3.1", "x", json!({"resolution": "4k"}), none()), "options.resolution");
    assert_eq!(err("veo-3.1", "x", json!({"aspect_ratio": "1:1"}), none()), "options.aspect_ratio");
    assert_eq!(
        err("veo-3.1", "x", json!({"generate_audio": "yes"}), none()),
        "options.generate_audio"
    );
    assert_eq!(err("veo-3.1", "x", json!({"fps": 24}), none()), "options.fps");
    assert_eq!(err("veo-3.1", "", json!({}), none()), "prompt");
    assert_eq!(err("veo-3.1", "   ", json!({}), none()), "prompt");
    assert_eq!(err("imagen-4", "x", json!({}), none()), "model");
    assert_eq!(err("sora", "x", json!({}), none()), "model");
    // And what is allowed: start and end; references with the pinned options; a start frame alone.
    for (o, f) in [
        (json!({"duration": 8}), frames(true, true, None)),
        (json!({}), frames(false, false, Some(3))),
        (json!({"aspect_ratio": "16:9", "duration": 8}), frames(false, false, Some(1))),
        (json!({"aspect_ratio": "9:16", "duration": 6}), frames(true, false, None)),
    ] {
        c.validate_video("veo-3.1", "x", &opts(o.clone()), &f)
            .unwrap_or_else(|e| panic!("{o} {f:?}: {e}"));
    }
}

#[test]
fn frames_reach_replicate_in_the_inputs_the_catalog_names() {
    let c = cat();
    let m = c.get("veo-3.1").unwrap();
    let r = c
        .validate_video("veo-3.1", "waves", &Map::new(), &frames(true, true, None))
        .unwrap();
    let urls = ["https://s3/start".to_string(), "https://s3/end".to_string()];
    let input = m.frame_input(r.prompt.as_str(), &r.options, &urls, &[FrameRole::StartFrame, FrameRole::EndFrame]);
    assert_eq!(input["image"], "https://s3/start");
    assert_eq!(input["last_frame"], "https://s3/end");
    assert_eq!(input["prompt"], "waves");
    assert_eq!(input["duration"], 8);
    assert!(input.get("reference_images").is_none());
    let refs = ["https://s3/a".to_string(), "https://s3/b".to_string()];
    let input = m.frame_input("x", &r.options, &refs, &[FrameRole::References, FrameRole::References]);
    assert_eq!(input["reference_images"], json!(refs));
    assert!(input.get("image").is_none() && input.get("last_frame").is_none());
    let bare = m.frame_input("x", &r.options, &[], &[]);
    assert!(bare.get("image").is_none() && bare.get("reference_images").is_none());
}

#[test]
fn the_loader_checks_frames() {
    let video = |frames: Value, options: Value| {
        json!({"models": [{"id":"v","name":"V","kinds":["video"],"default_for":["video"],"replicate":"o/v",
            "price":{"usd_micros":1,"per":"second","provider":{"basis":"video_second","usd_micros":1}},"frames": frames, "options": options}]})
        .to_string()
    };
    let dur = json!({"duration": {"type": "integer", "values": [4, 8], "default": 8}});
    assert!(Catalog::from_json(&video(json!({"start_frame": {"field": "image"}}), dur.clone())).is_ok());
    let bad = [
        video(
            json!({"start_frame": {"field": "image"}, "end_frame": {"field": "image"}}),
            dur.clone(),
        ),
        video(json!({"end_frame": {"field": "last", "requires": ["start_frame"]}}), dur.clone()),
        video(json!({"start_frame": {"field": "image", "requires": ["start_frame"]}}), dur.clone()),
        video(json!({"references": {"field": "refs", "list": false, "max": 3}}), dur.clone()),
        video(
            json!({"references": {"field": "refs", "list": true, "min": 0, "max": 3}}),
            dur.clone(),
        ),
        video(
            json!({"references": {"field": "refs", "list": true, "max": 3, "options": {"duration": 6}}}),
            dur.clone(),
        ),
        video(
            json!({"references": {"field": "refs", "list": true, "max": 3, "options": {"fps": 6}}}),
            dur.clone(),
        ),
        video(json!({"start_frame": {"field": "duration"}}), dur.clone()),
        video(json!({"start_frame": {"field": "prompt"}}), dur.clone()),
        video(json!({"middle": {"field": "m"}}), dur.clone()),
        video(json!({}), json!({"duration": {"type": "integer", "values": [4, 8], "default": 6}})),
        video(json!({}), json!({"duration": {"type": "integer", "values": [], "default": 6}})),
        video(json!({}), json!({"duration": {"type": "integer", "values": [4, 10], "max": 8}})),
    ];
    for b in bad {
        assert!(Catalog::from_json(&b).is_err(), "{b}");
    }
    // Frames on a model that makes no video.
    let img = json!({"models": [{"id":"i","name":"I","kinds":["image"],"default_for":["image"],"replicate":"o/i",
        "price":{"usd_micros":1,"per":"image","provider":{"basis":"image","usd_micros":1}},"frames":{"start_frame":{"field":"image"}},"options":{}}]});
    assert!(Catalog::from_json(&img.to_string()).is_err());
}

/// The combinations Google refuses (facts in the catalog give each source): a 400 naming the
/// field, before anything is reserved, rather than a run that fails after the user waited.
#[test]
fn what_the_provider_refuses_is_refused_here() {
    let c = cat();
    let err = |m: &str, o: Value, f: FrameRequest| c.validate_video(m, "x", &opts(o), &f).unwrap_err();
    for m in ["veo-3.1", "veo-3.1-fast"] {
        let e = err(m, json!({"duration": 4}), frames(true, true, None));
        assert_eq!(
            (e.field.as_str(), e.message.as_str()),
            ("options.duration", "with an end frame the duration must be 8")
        );
        assert_eq!(err(m, json!({"duration": 6}), frames(true, true, None)).field, "options.duration");
        // A start frame alone takes any duration.
        c.validate_video(m, "x", &opts(json!({"duration": 4})), &frames(true, false, None))
            .unwrap();
    }
    let e = err("veo-3.1", json!({}), frames(true, false, Some(2)));
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        ("start_frame_asset_id", "A start frame cannot be combined with reference images")
    );
    let e = err("veo-3.1", json!({"negative_prompt": "blur"}), frames(false, false, Some(1)));
    assert_eq!(
        (e.field.as_str(), e.message.as_str()),
        (
            "options.negative_prompt",
            "Reference images cannot be combined with a negative prompt"
        )
    );
    // Without references a negative prompt is fine; 1080p below 8 s is recorded, not refused.
    for (o, f) in [
        (json!({"negative_prompt": "blur"}), frames(true, false, None)),
        (json!({"resolution": "1080p", "duration": 4}), FrameRequest::default()),
    ] {
        c.validate_video("veo-3.1", "x", &opts(o.clone()), &f)
            .unwrap_or_else(|e| panic!("{o}: {e}"));
    }
    let veo = c.get("veo-3.1").unwrap();
    assert!(veo.facts.iter().any(|f| f.rules.is_empty() && f.claim.contains("1080p")));
    let fast = c.get("veo-3.1-fast").unwrap();
    let price = fast
        .facts
        .iter()
        .find(|f| f.rules.iter().any(|r| r == "price.by_option.generate_audio.true"))
        .expect("the with-audio price has a source");
    assert!(!price.confirmed && price.claim.contains("$0.15"));
}

#[test]
fn every_frame_rule_needs_a_fact_and_facts_name_real_entries() {
    let video = |references: Value, facts: Value| {
        json!({"models": [{"id":"v","name":"V","kinds":["video"],"default_for":["video"],"replicate":"o/v",
            "price":{"usd_micros":1,"per":"second","provider":{"basis":"video_second","usd_micros":1}},
            "frames": {"start_frame": {"field": "image"}, "references": references},
            "options": {"duration": {"type": "integer", "values": [4, 8], "default": 8}, "negative_prompt": {"type": "string"}},
            "facts": facts}]})
        .to_string()
    };
    let refs = json!({"field": "refs", "list": true, "max": 3, "excludes": ["start_frame"], "excludes_options": ["negative_prompt"]});
    let fact = |rules: Value| json!([{"claim": "c", "rules": rules, "source": "s", "confirmed": false}]);
    let both = json!([
        "frames.references.excludes.start_frame",
        "frames.references.excludes_options.negative_prompt"
    ]);
    assert!(Catalog::from_json(&video(refs.clone(), fact(both))).is_ok());
    let bad = [
        // A rule without a source.
        video(refs.clone(), fact(json!(["frames.references.excludes.start_frame"]))),
        video(refs.clone(), json!([])),
        // A fact naming what the model does not have.
        video(
            refs.clone(),
            fact(json!([
                "frames.references.excludes.start_frame",
                "frames.references.excludes_options.negative_prompt",
                "frames.end_frame.requires.start_frame"
            ])),
        ),
        video(
            refs.clone(),
            fact(json!([
                "frames.references.excludes.start_frame",
                "frames.references.excludes_options.negative_prompt",
                "version"
            ])),
        ),
        // An excluded option with a default (always sent: every request would be refused).
        video(
            json!({"field": "refs", "list": true, "max": 3, "excludes_options": ["duration"]}),
            fact(json!(["frames.references.excludes_options.duration"])),
        ),
        video(
            json!({"field": "refs", "list": true, "max": 3, "excludes_options": ["fps"]}),
            fact(json!(["frames.references.excludes_options.fps"])),
        ),
        // A fact without a source.
        video(
            json!({"field": "refs", "list": true, "max": 3}),
            json!([{"claim": "c", "source": " ", "confirmed": true}]),
        ),
    ];
    for b in bad {
        assert!(Catalog::from_json(&b).is_err(), "{b}");
    }
}
