//! Style presets (`/api/presets`): saved on one model with a prompt suffix, listed newest first
//! (from any browser: they are the server's), renamed, deleted; names unique per user (whatever
//! their case and spacing: 409), the limits on count, name and suffix (each a 400 that says
//! which), options checked against the model they are saved on, and another user's presets are
//! neither listed nor renamed nor deleted (404).
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::preset::{MAX_PRESET_NAME_CHARS, MAX_PRESETS, MAX_SUFFIX_CHARS};

async fn patch(t: &TestStack, u: &User, path: &str, body: &Value) -> (u16, Value) {
    let r = t.http.patch(t.url(path)).bearer_auth(&u.token).json(body).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn save(t: &TestStack, u: &User, body: Value) -> (u16, Value) {
    t.post(u, "/api/presets", &body).await
}

async fn names(t: &TestStack, u: &User) -> Vec<String> {
    let (s, b) = t.get(u, "/api/presets").await;
    assert_eq!(s, 200, "{b}");
    b["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
}

fn field(b: &Value) -> &str {
    b["error"]["field"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presets_are_saved_listed_renamed_and_deleted_with_unique_names() {
    let t = TestStack::start().await;
    let (alice, bob) = (t.user("alice").await, t.user("bob").await);
    let moody = json!({
        "name": "  Moody dusk ",
        "model": "seedream-4",
        "options": { "size": "4K", "aspect_ratio": "16:9", "enhance_prompt": false },
        "prompt_suffix": ", golden hour, film grain"
    });
    let (s, b) = save(&t, &alice, moody.clone()).await;
    assert_eq!(s, 201, "{b}");
    let p = &b["preset"];
    assert_eq!(p["name"], "Moody dusk", "trimmed");
    assert_eq!(p["model"], "seedream-4");
    assert_eq!(p["options"], moody["options"]);
    assert_eq!(p["prompt_suffix"], ", golden hour, film grain");
    let moody_id = p["id"].as_str().unwrap().to_string();
    let (s, b) = save(
        &t,
        &alice,
        json!({ "name": "Square", "model": "imagen-4", "options": { "aspect_ratio": "1:1" } }),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["preset"]["prompt_suffix"], "", "no suffix is an empty one");
    let square_id = b["preset"]["id"].as_str().unwrap().to_string();

    // Listed newest first, with everything needed to apply them; the same from a second sign-in.
    assert_eq!(names(&t, &alice).await, ["Square", "Moody dusk"]);
    let (_, list) = t.get(&alice, "/api/presets").await;
    assert_eq!(list["presets"][1]["options"]["size"], "4K");
    assert_eq!(names(&t, &bob).await, Vec::<String>::new(), "bob sees none of alice's");

    // A name is one per user, whatever its case and spacing; another user may use it.
    let (s, b) = save(&t, &alice, json!({ "name": "moody   DUSK", "model": "imagen-4" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("conflict")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("moody   DUSK"), "{b}");
    let (s, b) = save(&t, &bob, moody.clone()).await;
    assert_eq!(s, 201, "{b}");
    let bobs = b["preset"]["id"].as_str().unwrap().to_string();

    // Rename: onto a taken name is a 409 and changes nothing; a new name frees the old one.
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{square_id}"), &json!({ "name": "MOODY DUSK" })).await;
    assert_eq!(s, 409, "{b}");
    assert_eq!(names(&t, &alice).await, ["Square", "Moody dusk"]);
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{moody_id}"), &json!({ "name": "Dusk" })).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["preset"]["name"], "Dusk");
    assert_eq!(b["preset"]["options"], moody["options"], "a rename keeps the options");
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{square_id}"), &json!({ "name": "Moody dusk" })).await;
    assert_eq!(s, 200, "the old name is free again: {b}");
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{square_id}"), &json!({ "name": "moody dusk" })).await;
    assert_eq!(s, 200, "a change of case of its own name is no clash: {b}");
    assert_eq!(names(&t, &alice).await, ["moody dusk", "Dusk"]);

    // Another user's preset: 404 to rename or delete, and it stays as it was.
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{bobs}"), &json!({ "name": "mine now" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (404, Some("not_found")), "{b}");
    assert_eq!(t.delete(&alice, &format!("/api/presets/{bobs}")).await, 404);
    assert_eq!(names(&t, &bob).await, ["Moody dusk"]);

    // Delete: gone from the list, its name free, a second delete a 404.
    assert_eq!(t.delete(&alice, &format!("/api/presets/{moody_id}")).await, 204);
    assert_eq!(t.delete(&alice, &format!("/api/presets/{moody_id}")).await, 404);
    assert_eq!(names(&t, &alice).await, ["moody dusk"]);
    let (s, b) = save(&t, &alice, json!({ "name": "Dusk", "model": "nano-banana" })).await;
    assert_eq!(s, 201, "{b}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_and_options_are_clear_400s() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let cases = [
        (json!({ "name": "", "model": "imagen-4" }), "name"),
        (
            json!({ "name": "n".repeat(MAX_PRESET_NAME_CHARS + 1), "model": "imagen-4" }),
            "name",
        ),
        (json!({ "name": "a\u{7}b", "model": "imagen-4" }), "name"),
        (
            json!({ "name": "long", "model": "imagen-4", "prompt_suffix": "s".repeat(MAX_SUFFIX_CHARS + 1) }),
            "prompt_suffix",
        ),
        (json!({ "name": "model", "model": "no-such-model" }), "model"),
        (
            json!({ "name": "unknown", "model": "imagen-4", "options": { "seed": 3 } }),
            "options.seed",
        ),
        (
            json!({ "name": "range", "model": "codeformer", "options": { "upscale": 9 } }),
            "options.upscale",
        ),
        (
            json!({ "name": "choice", "model": "imagen-4", "options": { "aspect_ratio": "21:9" } }),
            "options.aspect_ratio",
        ),
    ];
    for (body, want) in cases {
        let (s, b) = save(&t, &alice, body.clone()).await;
        assert_eq!((s, field(&b)), (400, want), "{body}: {b}");
        assert!(!b["error"]["message"].as_str().unwrap_or_default().is_empty(), "{b}");
    }
    let (s, b) = save(
        &t,
        &alice,
        json!({ "name": "n".repeat(MAX_PRESET_NAME_CHARS), "model": "imagen-4", "prompt_suffix": "s".repeat(MAX_SUFFIX_CHARS) }),
    )
    .await;
    assert_eq!(s, 201, "at the limits: {b}");
    let id = b["preset"]["id"].as_str().unwrap().to_string();
    let (s, b) = patch(&t, &alice, &format!("/api/presets/{id}"), &json!({ "name": " " })).await;
    assert_eq!((s, field(&b)), (400, "name"), "{b}");
    assert_eq!(names(&t, &alice).await.len(), 1, "nothing else was saved");

    // The count: MAX_PRESETS, then a 400 saying so; a delete makes room.
    for i in 1..MAX_PRESETS {
        let (s, b) = save(&t, &alice, json!({ "name": format!("p{i}"), "model": "imagen-4" })).await;
        assert_eq!(s, 201, "{i}: {b}");
    }
    let (s, b) = save(&t, &alice, json!({ "name": "one too many", "model": "imagen-4" })).await;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("validation_error")), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains(&MAX_PRESETS.to_string()), "{b}");
    assert_eq!(names(&t, &alice).await.len(), MAX_PRESETS as usize);
    assert_eq!(t.delete(&alice, &format!("/api/presets/{id}")).await, 204);
    let (s, b) = save(&t, &alice, json!({ "name": "one too many", "model": "imagen-4" })).await;
    assert_eq!(s, 201, "{b}");
    t.stop().await;
}
