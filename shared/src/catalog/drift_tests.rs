//! The catalog against Replicate's answers: fixtures in the shape of real `GET /v1/models/...`
//! bodies (Cog's `openapi_schema`: `allOf` + `$ref` enums, `x-order`, `nullable`), then one
//! change at a time that `make catalog-check` must catch.
use super::drift::{Drift, compare};
use super::openapi::{InputProp, input_schema};
use super::*;
use crate::replicate::{ModelInfo, VersionInfo};

const GFPGAN: &str = include_str!("fixtures/replicate-gfpgan.json");
const VEO: &str = include_str!("fixtures/replicate-veo-3.1.json");

fn cat() -> Catalog {
    Catalog::builtin().expect("the shipped catalog is valid")
}

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn info(v: &Value) -> ModelInfo {
    serde_json::from_value(v.clone()).expect("a model body")
}

/// The drift of catalog model `id` against a model body, its latest version taken as the pinned one.
fn drift(id: &str, body: &Value) -> Vec<Drift> {
    let c = cat();
    let i = info(body);
    let pinned = i.latest_version.clone();
    compare(c.get(id).unwrap(), &i, pinned.as_ref())
}

/// The fixture with `pointer` (into the version's Input schema or components) set to `value`.
fn changed(text: &str, pointer: &str, value: Value) -> Value {
    let mut v = fixture(text);
    let (parent, key) = pointer.rsplit_once('/').expect("a pointer");
    v.pointer_mut(&format!("/latest_version/openapi_schema/components/schemas{parent}"))
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("{parent} in the fixture"))
        .insert(key.into(), value);
    v
}

fn problems(d: &[Drift]) -> Vec<String> {
    d.iter().map(|d| format!("{}: {}", d.problem, d.fix)).collect()
}

#[test]
fn the_fixtures_agree_with_the_catalog() {
    assert_eq!(problems(&drift("gfpgan", &fixture(GFPGAN))), Vec::<String>::new());
    assert_eq!(problems(&drift("veo-3.1", &fixture(VEO))), Vec::<String>::new());
}

#[test]
fn the_parser_resolves_refs_all_of_and_nullable_inputs() {
    let v = fixture(VEO);
    let s = input_schema(&v["latest_version"]["openapi_schema"]).unwrap();
    assert_eq!(s.required, ["prompt".to_string()].into());
    assert_eq!(s.inputs.len(), 10);
    let duration = &s.inputs["duration"];
    assert_eq!(
        (duration.ty.as_deref(), &duration.enum_values, &duration.default),
        (Some("integer"), &Some(vec![json!(4), json!(6), json!(8)]), &Some(json!(8)))
    );
    let image = &s.inputs["image"];
    assert!(image.nullable && image.format.as_deref() == Some("uri"));
    let refs = &s.inputs["reference_images"];
    assert_eq!(refs.items.as_ref().and_then(|i| i.format.as_deref()), Some("uri"));
    // Pydantic 2 and OpenAPI 3.1 spellings: anyOf with null, a type list, exclusive bounds.
    let newer = json!({"components": {"schemas": {
        "Input": {"type": "object", "properties": {
            "seed": {"anyOf": [{"type": "integer", "minimum": 0}, {"type": "null"}], "default": null},
            "strength": {"type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1, "default": 0.8},
            "mode": {"$ref": "#/components/schemas/Mode", "default": "fast"}}},
        "Mode": {"type": "string", "enum": ["fast", "slow"]}}}});
    let s = input_schema(&newer).unwrap();
    assert_eq!(
        s.inputs["seed"],
        InputProp {
            ty: Some("integer".into()),
            minimum: Some((0.0, false)),
            default: Some(Value::Null),
            nullable: true,
            ..Default::default()
        }
    );
    assert_eq!(s.inputs["strength"].minimum, Some((0.0, true)));
    assert!(s.inputs["strength"].nullable);
    assert_eq!(s.inputs["mode"].enum_values, Some(vec![json!("fast"), json!("slow")]));
    assert!(input_schema(&json!({"components": {"schemas": {}}})).is_err());
    let dangling = json!({"components": {"schemas": {"Input": {"properties": {"x": {"allOf": [{"$ref": "#/components/schemas/X"}]}}}}}});
    assert!(input_schema(&dangling).unwrap_err().to_string().contains("#/components/schemas/X"));
}

#[test]
fn a_renamed_input_is_caught() {
    let mut v = fixture(GFPGAN);
    let input = v.pointer_mut("/latest_version/openapi_schema/components/schemas/Input").unwrap();
    let img = input["properties"]["img"].take();
    input["properties"].as_object_mut().unwrap().remove("img");
    input["properties"]["image"] = img;
    input["required"] = json!(["image"]);
    let p = problems(&drift("gfpgan", &v));
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].contains("images in `img`") && p[0].contains("sources.field"), "{p:?}");
    assert!(p[1].contains("requires input `image`"), "{p:?}");
    let v = changed(VEO, "/Input/properties/resolution", json!(null));
    let p = problems(&drift("veo-3.1", &v));
    assert!(p.iter().any(|p| p.contains("cannot be read: input resolution")), "{p:?}");
}

#[test]
fn an_enum_value_replicate_does_not_have_is_caught() {
    let v = changed(GFPGAN, "/version/enum", json!(["v1.2", "v1.4", "RestoreFormer"]));
    let p = problems(&drift("gfpgan", &v));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("no value \"v1.3\"") && p[0].contains("remove \"v1.3\""), "{p:?}");
    // Integer values against an integer enum (Veo's duration).
    let v = changed(VEO, "/duration/enum", json!([4, 8]));
    let p = problems(&drift("veo-3.1", &v));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("option `duration`: Replicate has no value 6"), "{p:?}");
}

#[test]
fn a_range_outside_replicates_is_caught() {
    let v = changed(GFPGAN, "/Input/properties/scale/maximum", json!(3.5));
    let p = problems(&drift("gfpgan", &v));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("allows 4, Replicate wants <= 3.5"), "{p:?}");
    let v = changed(GFPGAN, "/Input/properties/scale/minimum", json!(1.5));
    assert!(problems(&drift("gfpgan", &v))[0].contains("allows 1, Replicate wants >= 1.5"));
    // A bound Replicate has and the catalog lacks: the catalog would let through what it refuses.
    let v = changed(VEO, "/Input/properties/negative_prompt/maxLength", json!(1000));
    let p = problems(&drift("veo-3.1", &v));
    assert!(p.len() == 1 && p[0].contains("at most 1000 characters"), "{p:?}");
    // A type that no longer fits.
    let v = changed(GFPGAN, "/Input/properties/scale/type", json!("integer"));
    let p = problems(&drift("gfpgan", &v));
    assert!(p.len() == 1 && p[0].contains("option `scale` is number in the catalog"), "{p:?}");
}

#[test]
fn a_changed_default_is_caught() {
    let v = changed(GFPGAN, "/Input/properties/version/default", json!("v1.3"));
    let p = problems(&drift("gfpgan", &v));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("Replicate now has default \"v1.3\", the catalog expects default \"v1.4\""),
        "{p:?}"
    );
    assert!(p[0].contains("\"replicate_defaults\": {\"version\": \"v1.3\"}"), "{p:?}");
    // 2 and 2.0 are the same default; a recorded Replicate default is what is compared.
    let v = changed(GFPGAN, "/Input/properties/scale/default", json!(2.0));
    assert!(drift("gfpgan", &v).is_empty());
    let c = cat();
    let esrgan = c.get("real-esrgan").unwrap();
    assert_eq!(esrgan.replicate_defaults["scale"], json!(4), "the catalog's 2 differs on purpose");
}

#[test]
fn a_pinned_version_behind_latest_is_caught() {
    let c = cat();
    let mut body = fixture(GFPGAN);
    let pinned: VersionInfo = serde_json::from_value(body["latest_version"].clone()).unwrap();
    let newer = "9".repeat(64);
    body["latest_version"]["id"] = json!(newer);
    let p = problems(&compare(c.get("gfpgan").unwrap(), &info(&body), Some(&pinned)));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("Replicate's latest is 999999999999"), "{p:?}");
    assert!(p[0].contains(&format!("\"version\": \"{newer}\"")), "{p:?}");
    // A pinned version Replicate does not know.
    let p = problems(&compare(c.get("gfpgan").unwrap(), &info(&body), None));
    assert!(p.iter().any(|p| p.contains("does not know the pinned version")), "{p:?}");
}

#[test]
fn a_model_run_without_a_version_must_be_official() {
    let c = cat();
    let esrgan = c.get("real-esrgan").unwrap();
    assert!(esrgan.version.is_none(), "the catalog calls it by name");
    let latest = "1".repeat(64);
    let schema = json!({"components": {"schemas": {"Input": {"type": "object", "required": ["image"], "properties": {
        "image": {"type": "string", "format": "uri"},
        "scale": {"type": "number", "default": 4, "maximum": 10},
        "face_enhance": {"type": "boolean", "default": false}}}}}});
    let mut body = json!({"owner": "nightmareai", "name": "real-esrgan", "is_official": true,
        "latest_version": {"id": latest, "openapi_schema": schema}});
    assert!(compare(esrgan, &info(&body), None).is_empty());
    body["is_official"] = json!(false);
    let p = problems(&compare(esrgan, &info(&body), None));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].contains("not an official model: every run would be refused"), "{p:?}");
    assert!(p[0].contains(&format!("\"version\": \"{latest}\"")), "{p:?}");
    // No is_official at all counts as not official.
    body.as_object_mut().unwrap().remove("is_official");
    assert_eq!(compare(esrgan, &info(&body), None).len(), 1);
    // An official model pinned to a version is drift too.
    let mut veo = fixture(GFPGAN);
    veo["is_official"] = json!(true);
    assert!(problems(&drift("gfpgan", &veo))[0].contains("official model: those run by name"));
}

#[test]
fn replicate_defaults_of_inputs_not_sent_are_compared() {
    let c = cat();
    let seedream = c.get("seedream-4").unwrap();
    assert_eq!(seedream.replicate_defaults["max_images"], json!(1));
    let schema = |max_images: Value| {
        json!({"components": {"schemas": {"Input": {"type": "object", "required": ["prompt"], "properties": {
            "prompt": {"type": "string"},
            "image_input": {"type": "array", "items": {"type": "string", "format": "uri"}, "default": [], "maxItems": 10},
            "size": {"allOf": [{"$ref": "#/components/schemas/size"}], "default": "2K"},
            "aspect_ratio": {"allOf": [{"$ref": "#/components/schemas/aspect_ratio"}], "default": "match_input_image"},
            "sequential_image_generation": {"type": "string", "enum": ["disabled", "auto"], "default": "disabled"},
            "max_images": {"type": "integer", "minimum": 1, "maximum": 15, "default": max_images},
            "enhance_prompt": {"type": "boolean", "default": true}}},
          "size": {"type": "string", "enum": ["1K", "2K", "4K", "custom"]},
          "aspect_ratio": {"type": "string", "enum": ["match_input_image", "1:1", "4:3", "3:4", "16:9", "9:16", "3:2", "2:3", "21:9"]}}}})
    };
    let body = |n: Value| {
        info(
            &json!({"owner": "bytedance", "name": "seedream-4", "is_official": true, "latest_version": {"id": "a", "openapi_schema": schema(n)}}),
        )
    };
    assert_eq!(problems(&compare(seedream, &body(json!(1)), None)), Vec::<String>::new());
    let p = problems(&compare(seedream, &body(json!(4)), None));
    assert!(
        p.len() == 1 && p[0].contains("input `max_images`: Replicate now has default 4"),
        "{p:?}"
    );
}
