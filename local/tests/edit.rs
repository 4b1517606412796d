//! Editing and restoration through the real architecture: the catalog says which input takes
//! the sources, the worker hands them to the provider as short-lived presigned URLs, results
//! keep their parents, and the lineage route rebuilds a chain with its branches.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, JobId};

async fn generated(t: &TestStack, u: &User, prompt: &str) -> String {
    generated_asset(t, u, prompt).await["id"].as_str().unwrap().to_string()
}

async fn generated_asset(t: &TestStack, u: &User, prompt: &str) -> Value {
    let job = t.generate(u, prompt).await;
    let done = t.wait_finished(u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    done["assets"][0].clone()
}

/// What the provider was given for this job (the simulator keeps the input, like Replicate).
async fn provider_input(t: &TestStack, u: &User, job_id: &str) -> Value {
    let job = t
        .stack
        .app
        .store
        .get_job(&t.sub(u).await, &JobId::parse(job_id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let p = t.stack.app.replicate().await.unwrap();
    let pred = p.get_prediction(job.prediction_id.as_deref().unwrap()).await.unwrap();
    pred.input.clone()
}

#[tokio::test]
async fn every_edit_and_restoration_model_runs_from_the_users_source() {
    let t = TestStack::start().await;
    let u = t.user("editor").await;
    let src = generated_asset(&t, &u, "a stone bridge").await;
    let source = src["id"].as_str().unwrap().to_string();
    let (w, h) = (src["width"].as_u64().unwrap(), src["height"].as_u64().unwrap());
    let models: Vec<_> = t
        .stack
        .app
        .catalog
        .models()
        .iter()
        .filter(|m| m.source_kind().is_some())
        .cloned()
        .collect();
    assert!(models.len() >= 8, "four edit and four restoration models");
    for m in models {
        let kind = m.source_kind().unwrap();
        let prompt = if kind == shared::domain::JobKind::Restore {
            ""
        } else {
            "make it winter"
        };
        let done = t.edit(&u, &m.id, prompt, &[&source]).await;
        let job = &done["job"];
        assert_eq!(job["status"], "succeeded", "{}: {done}", m.id);
        assert_eq!(job["kind"], json!(kind), "{}", m.id);
        assert_eq!(job["source_asset_ids"], json!([source]));
        assert_eq!(job["cost_usd"], job["estimated_cost_usd"], "{}", m.id);
        let asset = &done["assets"][0];
        assert_eq!(asset["parent_ids"], json!([source]), "{}", m.id);
        assert_eq!(asset["model"], m.id.as_str());
        // The result was made from this source: an edit keeps its size (match_input_image), a
        // restoration is it upscaled by the model's real factor.
        let factor = match kind {
            shared::domain::JobKind::Restore => ["scale", "upscale"].iter().find_map(|k| job["options"][*k].as_f64()).unwrap_or(4.0),
            _ => 1.0,
        };
        let want = ((w as f64 * factor).round() as u64, (h as f64 * factor).round() as u64);
        assert_eq!(
            (asset["width"].as_u64().unwrap(), asset["height"].as_u64().unwrap()),
            want,
            "{}",
            m.id
        );
        // The provider got the source in the catalog's field, as a list or one string, as a
        // presigned URL of our bucket that expires within the prediction's deadline.
        let input = provider_input(&t, &u, job["id"].as_str().unwrap()).await;
        let spec = m.sources.as_ref().unwrap();
        let url = if spec.list {
            assert_eq!(input[&spec.field].as_array().map(Vec::len), Some(1), "{}: {input}", m.id);
            input[&spec.field][0].as_str().unwrap().to_string()
        } else {
            input[&spec.field]
                .as_str()
                .unwrap_or_else(|| panic!("{}: {input}", m.id))
                .to_string()
        };
        assert!(
            url.contains(&t.stack.resources.media_bucket) && url.contains("X-Amz-Signature="),
            "{url}"
        );
        let expires: u64 = url
            .split("X-Amz-Expires=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(expires <= 30 * 60, "source URL lives {expires} s");
        assert_eq!(input.get("prompt").is_some(), !prompt.is_empty(), "{}: {input}", m.id);
    }
    t.stop().await;
}

#[tokio::test]
async fn a_chain_with_a_branch_keeps_its_lineage() {
    let t = TestStack::start().await;
    let u = t.user("chain").await;
    let a = generated(&t, &u, "a quiet harbour").await;
    let step = |d: &Value| d["assets"][0]["id"].as_str().unwrap().to_string();
    let b = step(&t.edit(&u, "nano-banana", "add fog", &[&a]).await);
    let c = step(&t.edit(&u, "qwen-image-edit-plus", "add a red boat", &[&b]).await);
    // Back to b, and a branch from there: c stays.
    let d = step(&t.edit(&u, "seededit-3", "make it night", &[&b]).await);
    let ids = |v: &Value| -> Vec<String> {
        v["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, lc) = t.get(&u, &format!("/api/assets/{c}/lineage")).await;
    assert_eq!(s, 200, "{lc}");
    assert_eq!(ids(&lc), [a.clone(), b.clone(), c.clone()]);
    assert_eq!(lc["truncated"], false);
    assert_eq!(lc["assets"][2]["parent_ids"], json!([b]));
    assert!(lc["assets"][0]["url"].as_str().is_some(), "each step carries its URL");
    let (_, ld) = t.get(&u, &format!("/api/assets/{d}/lineage")).await;
    assert_eq!(ids(&ld), [a.clone(), b.clone(), d.clone()]);
    // Sources whose parents overlap (c ← b; f ← a, b): each asset is read and listed once.
    let f = step(&t.edit(&u, "nano-banana", "merge a and b", &[&a, &b]).await);
    let g = step(&t.edit(&u, "nano-banana", "merge c and f", &[&c, &f]).await);
    let (s, lg) = t.get(&u, &format!("/api/assets/{g}/lineage")).await;
    assert_eq!(s, 200, "{lg}");
    assert_eq!(ids(&lg), [a.clone(), b.clone(), c.clone(), f.clone(), g.clone()]);
    let (_, la) = t.get(&u, &format!("/api/assets/{a}/lineage")).await;
    assert_eq!(ids(&la), vec![a.clone()]);
    // Another user sees nothing of it.
    let eve = t.user("eve").await;
    let (s, e) = t.get(&eve, &format!("/api/assets/{c}/lineage")).await;
    assert_eq!((s, e["error"]["code"].as_str()), (404, Some("not_found")));
    t.stop().await;
}

#[tokio::test]
async fn bad_sources_are_refused_and_nothing_is_reserved() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    let mine = generated(&t, &alice, "a lantern").await;
    let theirs = generated(&t, &bob, "bob's lantern").await;
    // A video of alice's (no video models yet, so write it as the webhook would).
    let video = AssetId::parse(&format!("{}-0", JobId::new())).unwrap();
    let sub = t.sub(&alice).await;
    t.stack
        .app
        .store
        .put_asset(&Asset {
            user_id: sub.clone(),
            asset_id: video.clone(),
            kind: AssetKind::Video,
            source: AssetSource::Generated,
            model: None,
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
            s3_key: format!("users/{}/assets/{video}.mp4", sub.as_str()),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        })
        .await
        .unwrap();
    let spent_before = t.me(&alice).await["quota"].clone();
    let (_, jobs_before) = t.get(&alice, "/api/jobs").await;
    let cases: Vec<(Value, u16, Option<&str>)> = vec![
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": [theirs]}),
            404,
            None,
        ),
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": [mine, theirs]}),
            404,
            None,
        ),
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": [video.as_str()]}),
            400,
            Some("source_asset_ids[0]"),
        ),
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": []}),
            400,
            Some("source_asset_ids"),
        ),
        (json!({"model": "nano-banana", "prompt": "x"}), 400, Some("source_asset_ids")),
        (
            json!({"model": "seededit-3", "prompt": "x", "source_asset_ids": [mine, video.as_str()]}),
            400,
            Some("source_asset_ids"),
        ),
        (
            json!({"model": "qwen-image-edit-plus", "prompt": "x", "source_asset_ids": [mine, mine]}),
            400,
            Some("source_asset_ids[1]"),
        ),
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": ["../etc"]}),
            400,
            Some("source_asset_ids[0]"),
        ),
        (
            json!({"model": "imagen-4", "prompt": "x", "source_asset_ids": [mine]}),
            400,
            Some("model"),
        ),
        (
            json!({"model": "real-esrgan", "prompt": "sharper", "source_asset_ids": [mine]}),
            400,
            Some("prompt"),
        ),
        (
            json!({"model": "nano-banana", "prompt": "", "source_asset_ids": [mine]}),
            400,
            Some("prompt"),
        ),
        (
            json!({"model": "real-esrgan", "prompt": "", "source_asset_ids": [mine], "options": {"scale": 40}}),
            400,
            Some("options.scale"),
        ),
        (
            json!({"model": "nano-banana", "prompt": "x", "source_asset_ids": "mine"}),
            400,
            None,
        ),
    ];
    for (body, status, field) in cases {
        let (s, b) = t.post(&alice, "/api/images/edit", &body).await;
        assert_eq!(s, status, "{body} → {b}");
        if let Some(f) = field {
            assert_eq!(b["error"]["field"], f, "{body} → {b}");
        }
        assert!(b["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
    }
    // Generation takes no sources.
    let (s, b) = t
        .post(
            &alice,
            "/api/images/generate",
            &json!({"model": "imagen-4", "prompt": "x", "source_asset_ids": [mine]}),
        )
        .await;
    assert_eq!((s, b["error"]["field"].as_str()), (400, Some("source_asset_ids")), "{b}");
    assert_eq!(t.me(&alice).await["quota"], spent_before, "nothing reserved");
    let (_, jobs_after) = t.get(&alice, "/api/jobs").await;
    assert_eq!(jobs_after["jobs"], jobs_before["jobs"], "no job recorded");
    t.stop().await;
}

/// Adding an edit model is one catalog entry (plus, for the simulator, its schema fixture):
/// this model exists in no code, takes 2–4 sources in a field of its own, and runs end to end.
#[tokio::test]
async fn a_new_edit_model_is_one_catalog_entry() {
    let mut doc: Value = serde_json::from_str(include_str!("../../shared/catalog/models.json")).unwrap();
    doc["models"].as_array_mut().unwrap().push(json!({
        "id": "acme-collage", "name": "Acme Collage", "kinds": ["edit"], "replicate": "acme/collage",
        "price": { "usd_micros": 12000, "per": "image", "provider": { "basis": "image", "usd_micros": 12000 } },
        "sources": { "field": "input_images", "list": true }, "min_source_images": 2, "max_source_images": 4,
        "options": { "style": { "type": "enum", "values": ["flat", "deep"], "default": "flat" } }
    }));
    let catalog = shared::catalog::Catalog::from_json(&doc.to_string()).unwrap();
    let t = TestStack::with(|o| {
        o.catalog = Some(catalog);
        let mut schemas = local::simulator::Schemas::builtin();
        schemas
            .add_json(
                r#"{"models": [{"model": "acme/collage", "version": null, "output": "uri", "inputs": [
                    {"name": "prompt", "type": "string", "required": true},
                    {"name": "input_images", "type": "array", "items": "uri", "required": true},
                    {"name": "style", "type": "string", "enum": ["flat", "deep"], "default": "flat"}]}]}"#,
            )
            .unwrap();
        o.sim.schemas = std::sync::Arc::new(schemas);
    })
    .await;
    let u = t.user("collager").await;
    let (s, models) = t.get(&u, "/api/models").await;
    assert_eq!(s, 200);
    let m = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "acme-collage")
        .cloned()
        .unwrap();
    assert_eq!((m["kinds"].clone(), m["min_source_images"].clone()), (json!(["edit"]), json!(2)));
    let a = generated(&t, &u, "a red square").await;
    let b = generated(&t, &u, "a blue circle").await;
    let (s, e) = t
        .post(
            &u,
            "/api/images/edit",
            &json!({"model": "acme-collage", "prompt": "x", "source_asset_ids": [a]}),
        )
        .await;
    assert_eq!((s, e["error"]["field"].as_str()), (400, Some("source_asset_ids")), "{e}");
    let done = t.edit(&u, "acme-collage", "a collage of both", &[&a, &b]).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    assert_eq!(done["job"]["cost_usd"], json!(0.012));
    assert_eq!(done["assets"][0]["parent_ids"], json!([a, b]));
    let input = provider_input(&t, &u, done["job"]["id"].as_str().unwrap()).await;
    assert_eq!(input["input_images"].as_array().map(Vec::len), Some(2), "{input}");
    assert_eq!(input["style"], "flat");
    t.stop().await;
}
