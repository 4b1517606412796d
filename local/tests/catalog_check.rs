//! `make catalog-check` against the simulator: the shipped catalog matches the schemas the
//! simulator checks predictions against, and a schema changed under it is caught with what to
//! change. The simulator answers `GET /v1/models/...` in Replicate's shape, so this is the same
//! code path as the check against Replicate.
use local::catalog_check::check;
use local::simulator::{self, Schemas, SimConfig, SimHandle};
use shared::catalog::Catalog;
use shared::replicate::{ApiToken, ModelRef, ReplicateClient, ReplicateError};
use std::sync::Arc;

const TOKEN: &str = "r8_test_token_for_the_catalog_check";

async fn sim_with(schemas: Schemas) -> (SimHandle, ReplicateClient) {
    let mut cfg = SimConfig::new(TOKEN);
    cfg.schemas = Arc::new(schemas);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let sim = simulator::start(cfg, listener).await;
    let client = ReplicateClient::new(&sim.base_url(), ApiToken::new(TOKEN), reqwest::Client::new());
    (sim, client)
}

#[tokio::test]
async fn the_catalog_matches_the_simulators_schemas() {
    let (sim, client) = sim_with(Schemas::builtin()).await;
    let catalog = Catalog::builtin().unwrap();
    let report = check(&client, &catalog).await.unwrap();
    assert_eq!(report.models, catalog.models().len());
    assert!(report.passed(), "{}", report.text("the simulator"));
    // The unconfirmed assumptions are listed for the operator (Real-ESRGAN's official call first).
    assert!(
        report
            .unconfirmed
            .iter()
            .any(|(m, f)| m == "real-esrgan" && f.rules == ["official"])
    );
    assert!(report.text("the simulator").contains("OK: the catalog matches"));
    sim.shutdown();
}

/// Each change to the simulator's schemas is one a real model could make: the check names it.
#[tokio::test]
async fn a_changed_schema_is_drift_with_its_fix() {
    let mut schemas = Schemas::builtin();
    schemas
        .add_json(
            r#"{"models": [
            {"model": "tencentarc/gfpgan", "version": "0fbacf7afc6c144e5be9767cff80f25aff23e52b0708f17e20f9879b2f21516c", "output": "uri", "upscale_by": "scale",
             "inputs": [{"name": "image", "type": "uri", "required": true},
                        {"name": "version", "type": "string", "enum": ["v1.2", "v1.4"], "default": "v1.4"},
                        {"name": "scale", "type": "number", "maximum": 3, "default": 2}]},
            {"model": "nightmareai/real-esrgan", "version": "1111111111111111111111111111111111111111111111111111111111111111", "output": "uri", "upscale_by": "scale",
             "inputs": [{"name": "image", "type": "uri", "required": true},
                        {"name": "scale", "type": "number", "minimum": 0, "maximum": 10, "default": 4},
                        {"name": "face_enhance", "type": "boolean", "default": false}]},
            {"model": "google/imagen-4", "version": null, "output": "uri",
             "inputs": [{"name": "prompt", "type": "string", "required": true},
                        {"name": "aspect_ratio", "type": "string", "enum": ["1:1", "9:16", "16:9", "3:4", "4:3"], "default": "1:1"},
                        {"name": "safety_filter_level", "type": "string", "enum": ["block_low_and_above", "block_medium_and_above", "block_only_high"], "default": "block_only_high"},
                        {"name": "output_format", "type": "string", "enum": ["jpg", "png"], "default": "png"}]}
        ]}"#,
        )
        .unwrap();
    let (sim, client) = sim_with(schemas).await;
    let report = check(&client, &Catalog::builtin().unwrap()).await.unwrap();
    let text = report.text("the simulator");
    assert!(!report.passed());
    let lines: Vec<String> = report
        .drift
        .iter()
        .map(|d| format!("{}: {} / {}", d.model, d.problem, d.fix))
        .collect();
    let has = |model: &str, what: &str| lines.iter().any(|l| l.starts_with(&format!("{model}: ")) && l.contains(what));
    // A renamed input (the catalog sends `img`), and the input Replicate now requires.
    assert!(has("gfpgan", "images in `img`"), "{text}");
    assert!(has("gfpgan", "requires input `image`"), "{text}");
    // An enum value Replicate dropped, a range Replicate narrowed.
    assert!(has("gfpgan", "no value \"v1.3\""), "{text}");
    assert!(has("gfpgan", "allows 4, Replicate wants <= 3"), "{text}");
    // A model the catalog runs by name that is not official: pin the version Replicate names.
    assert!(has("real-esrgan", "not an official model: every run would be refused"), "{text}");
    assert!(
        has("real-esrgan", &format!("pin a version: \"version\": \"{}\"", "1".repeat(64))),
        "{text}"
    );
    // A default Replicate changed under an option the catalog sends.
    assert!(has("imagen-4", "Replicate now has default \"png\""), "{text}");
    assert_eq!(report.drift.len(), 6, "{text}");
    sim.shutdown();
}

#[tokio::test]
async fn a_pinned_version_replicate_does_not_know_and_a_wrong_token() {
    let mut schemas = Schemas::builtin();
    schemas
        .add_json(
            r#"{"models": [{"model": "mv-lab/swin2sr", "version": "2222222222222222222222222222222222222222222222222222222222222222", "output": "uri", "upscale_by": 4,
            "inputs": [{"name": "image", "type": "uri", "required": true},
                       {"name": "task", "type": "string", "enum": ["classical_sr", "real_sr", "compressed_sr"], "default": "real_sr"}]}]}"#,
        )
        .unwrap();
    let (sim, client) = sim_with(schemas).await;
    let report = check(&client, &Catalog::builtin().unwrap()).await.unwrap();
    let swin: Vec<&str> = report
        .drift
        .iter()
        .filter(|d| d.model == "swin2sr")
        .map(|d| d.problem.as_str())
        .collect();
    assert_eq!(swin.len(), 2, "{}", report.text("the simulator"));
    assert!(swin[0].contains("Replicate's latest is 222222222222"), "{swin:?}");
    assert!(swin[1].contains("does not know the pinned version a01b0512"), "{swin:?}");
    assert_eq!(report.drift.len(), 2);
    // The same endpoints the check reads, as the client sees them.
    let model = ModelRef::parse("mv-lab/swin2sr").unwrap();
    assert_eq!(client.get_model(&model).await.unwrap().latest_version.unwrap().id, "2".repeat(64));
    assert!(matches!(
        client.get_model_version(&model, &"3".repeat(64)).await,
        Err(ReplicateError::Client { status: 404, .. })
    ));
    let wrong = ReplicateClient::new(&sim.base_url(), ApiToken::new("r8_wrong"), reqwest::Client::new());
    let err = check(&wrong, &Catalog::builtin().unwrap()).await.unwrap_err().to_string();
    assert!(err.contains("401"), "{err}");
    sim.shutdown();
}
