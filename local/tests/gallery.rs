//! The gallery: `GET /api/assets` pages exactly under every filter while assets are created
//! between pages; save/unsave (record, index and the object's tag), delete (to the trash, and
//! the job shows it), batches, and 404 for every id route of another user's asset.
mod common;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{Asset, AssetId, AssetKind, AssetSource, JobId, UserId};
use std::collections::{BTreeSet, HashMap};

const MODELS: [&str; 2] = ["imagen-4", "nano-banana"];

struct Gallery {
    t: TestStack,
    s3: aws_sdk_s3::Client,
}

impl Gallery {
    async fn start() -> Self {
        let t = TestStack::start().await;
        let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        Self { t, s3 }
    }

    /// Stores an asset (record and object) the way the settle and the uploads do.
    async fn insert(&self, user: &UserId, id: AssetId, saved: bool, kind: AssetKind, model: Option<&str>) -> Asset {
        let key = shared::media::object_key(user, &id, "png");
        let asset = Asset {
            user_id: user.clone(),
            asset_id: id,
            kind,
            source: if model.is_some() {
                AssetSource::Generated
            } else {
                AssetSource::Upload
            },
            model: model.map(str::to_string),
            prompt: Some("a test asset".into()),
            parent_ids: vec![],
            job_id: None,
            saved,
            content_type: "image/png".into(),
            bytes: 3,
            width: Some(1),
            height: Some(1),
            duration_s: None,
            created_at: shared::clock::rfc3339(shared::clock::now()),
            s3_key: key.clone(),
            filename: None,
            expires_at: None,
            pinned: false,
            counted: false,
            thumb_key: None,
            thumb_bytes: 0,
        };
        self.t.stack.app.media.put(&key, b"png".to_vec(), "image/png").await.unwrap();
        self.t.stack.app.store.put_asset(&asset).await.unwrap();
        asset
    }

    async fn tag(&self, asset: &Asset) -> Option<String> {
        let out = self
            .s3
            .get_object_tagging()
            .bucket(&self.t.stack.resources.media_bucket)
            .key(&asset.s3_key)
            .send()
            .await
            .ok()?;
        out.tag_set().iter().find(|t| t.key() == "unsaved").map(|t| t.value().to_string())
    }

    async fn object_exists(&self, key: &str) -> bool {
        self.s3
            .head_object()
            .bucket(&self.t.stack.resources.media_bucket)
            .key(key)
            .send()
            .await
            .is_ok()
    }

    async fn send(&self, method: reqwest::Method, user: &User, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut r = self.t.http.request(method, self.t.url(path)).bearer_auth(&user.token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let r = r.send().await.unwrap();
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
}

/// An id of an asset created now: an upload's ULID or a new job's first output.
fn new_id(i: usize) -> AssetId {
    if i.is_multiple_of(3) {
        AssetId::new()
    } else {
        AssetId::for_output(&JobId::new(), i % 2)
    }
}

/// An output id older than everything (a job created long ago that settles only now).
fn old_id() -> AssetId {
    let ms = shared::clock::now().timestamp_millis() as u64 - 86_400_000;
    let job = JobId::parse(&ulid::Ulid::from_parts(ms, rand_bits()).to_string()).unwrap();
    AssetId::for_output(&job, 0)
}

fn rand_bits() -> u128 {
    ulid::Ulid::new().random()
}

fn attributes(i: usize) -> (bool, AssetKind, Option<&'static str>) {
    let saved = i.is_multiple_of(2);
    let kind = if i.is_multiple_of(5) { AssetKind::Video } else { AssetKind::Image };
    let model = match i % 3 {
        0 => None,
        1 => Some(MODELS[0]),
        _ => Some(MODELS[1]),
    };
    (saved, kind, model)
}

fn matches(a: &Asset, saved: Option<bool>, kind: Option<AssetKind>, model: Option<&str>) -> bool {
    saved.is_none_or(|s| s == a.saved) && kind.is_none_or(|k| k == a.kind) && model.is_none_or(|m| a.model.as_deref() == Some(m))
}

fn query(saved: Option<bool>, kind: Option<AssetKind>, model: Option<&str>, limit: usize) -> String {
    let mut q = vec![format!("limit={limit}")];
    if let Some(s) = saved {
        q.push(format!("saved={s}"));
    }
    if let Some(k) = kind {
        q.push(format!("kind={}", if k == AssetKind::Image { "image" } else { "video" }));
    }
    if let Some(m) = model {
        q.push(format!("model={m}"));
    }
    format!("/api/assets?{}", q.join("&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_exact_under_every_filter_while_assets_are_created_between_pages() {
    let g = Gallery::start().await;
    let (alice, bob) = (g.t.user("alice").await, g.t.user("bob").await);
    let (a, b) = (g.t.sub(&alice).await, g.t.sub(&bob).await);
    let mut all: HashMap<String, Asset> = HashMap::new();
    for i in 0..30 {
        let (saved, kind, model) = attributes(i);
        let asset = g.insert(&a, new_id(i), saved, kind, model).await;
        all.insert(asset.asset_id.to_string(), asset);
        // Bob has the very same mix: none of it may show up for Alice.
        g.insert(&b, new_id(i), saved, kind, model).await;
    }
    let mut inserted = 0;
    for saved in [None, Some(true), Some(false)] {
        for kind in [None, Some(AssetKind::Image), Some(AssetKind::Video)] {
            for model in [None, Some(MODELS[0]), Some(MODELS[1])] {
                let before: BTreeSet<String> = all
                    .values()
                    .filter(|x| matches(x, saved, kind, model))
                    .map(|x| x.asset_id.to_string())
                    .collect();
                let base = query(saved, kind, model, 3);
                let (mut seen, mut order) = (BTreeSet::new(), Vec::<String>::new());
                let mut cursor: Option<String> = None;
                let mut pages = 0;
                loop {
                    let path = match &cursor {
                        Some(c) => format!("{base}&cursor={c}"),
                        None => base.clone(),
                    };
                    let (s, body) = g.t.get(&alice, &path).await;
                    assert_eq!(s, 200, "{path}: {body}");
                    let page = body["assets"].as_array().unwrap();
                    pages += 1;
                    let next = body["next_cursor"].as_str().map(str::to_string);
                    assert!(
                        !page.is_empty() || (next.is_none() && before.is_empty()),
                        "{path}: empty page {pages}"
                    );
                    assert!(page.len() <= 3);
                    for item in page {
                        let id = item["id"].as_str().unwrap().to_string();
                        let stored = all.get(&id).unwrap_or_else(|| panic!("{path}: {id} is not Alice's"));
                        assert!(matches(stored, saved, kind, model), "{path}: {id} does not match");
                        assert_eq!(item["saved"], json!(stored.saved));
                        assert!(seen.insert(id.clone()), "{path}: {id} shown twice");
                        order.push(id);
                    }
                    // Between pages an asset appears: of every sort in turn, with a new id or
                    // an old one (a job created long ago that settled only now).
                    let i = 1000 + inserted;
                    let (sv, k, m) = attributes(i);
                    let id = if inserted.is_multiple_of(2) { new_id(i) } else { old_id() };
                    let x = g.insert(&a, id, sv, k, m).await;
                    all.insert(x.asset_id.to_string(), x);
                    inserted += 1;
                    match next {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
                let mut sorted = order.clone();
                sorted.sort_by(|x, y| y.cmp(x));
                assert_eq!(order, sorted, "{base}: newest first");
                let missing: Vec<_> = before.difference(&seen).collect();
                assert!(missing.is_empty(), "{base}: skipped {missing:?}");
            }
        }
    }
    g.t.stop().await;
}

#[tokio::test]
async fn filters_and_cursors_are_validated_and_a_cursor_works_only_for_its_owner() {
    let g = Gallery::start().await;
    let (alice, bob) = (g.t.user("alice").await, g.t.user("bob").await);
    let (a, b) = (g.t.sub(&alice).await, g.t.sub(&bob).await);
    for i in 0..3 {
        g.insert(&a, new_id(i), false, AssetKind::Image, Some("imagen-4")).await;
    }
    let mine = g.insert(&b, AssetId::new(), false, AssetKind::Image, None).await;
    for (q, field) in [
        ("kind=gif", "kind"),
        ("model=dall-e", "model"),
        ("saved=yes", "saved"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=%%%", "cursor"),
        ("cursor=bm90LWFuLWlk", "cursor"), // base64url of "not-an-id"
    ] {
        let (s, body) = g.t.get(&alice, &format!("/api/assets?{q}")).await;
        assert_eq!(s, 400, "{q}: {body}");
        assert_eq!(body["error"]["code"], "validation_error");
        assert_eq!(body["error"]["field"], field, "{q}");
    }
    let (s, page) = g.t.get(&alice, "/api/assets?limit=1").await;
    assert_eq!(s, 200);
    let cursor = page["next_cursor"].as_str().unwrap();
    // Alice's cursor is hers: Bob gets a 400, never a page (of his own or hers).
    let (s, body) = g.t.get(&bob, &format!("/api/assets?cursor={cursor}")).await;
    assert_eq!((s, &body["error"]["field"]), (400, &json!("cursor")), "{body}");
    // Bob's own list holds only his asset.
    let (s, body) = g.t.get(&bob, "/api/assets").await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = body["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [mine.asset_id.as_str()], "{body}");
    g.t.stop().await;
}

#[tokio::test]
async fn save_and_unsave_change_the_record_the_index_and_the_objects_tag() {
    let g = Gallery::start().await;
    let alice = g.t.user("alice").await;
    let job = g.t.generate(&alice, "a red fox").await;
    let done = g.t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let id = done["assets"][0]["id"].as_str().unwrap().to_string();
    let a = g.t.sub(&alice).await;
    let stored =
        g.t.stack
            .app
            .store
            .get_asset(&a, &AssetId::parse(&id).unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(g.tag(&stored).await.as_deref(), Some("true"), "results start unsaved");
    let (_, saved) = g.t.get(&alice, "/api/assets?saved=true").await;
    assert_eq!(saved["assets"], json!([]));

    let (s, body) = g.send(reqwest::Method::POST, &alice, &format!("/api/assets/{id}/save"), None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["asset"]["saved"], true);
    assert!(body["asset"]["url"].as_str().is_some());
    assert_eq!(g.tag(&stored).await.as_deref(), Some("false"), "a saved object does not expire");
    let (_, saved) = g.t.get(&alice, "/api/assets?saved=true&kind=image&model=imagen-4").await;
    assert_eq!(saved["assets"][0]["id"], json!(id));
    let (_, unsaved) = g.t.get(&alice, "/api/assets?saved=false").await;
    assert_eq!(unsaved["assets"], json!([]));
    // Saving twice is harmless.
    let (s, _) = g.send(reqwest::Method::POST, &alice, &format!("/api/assets/{id}/save"), None).await;
    assert_eq!(s, 200);

    let (s, body) = g
        .send(reqwest::Method::DELETE, &alice, &format!("/api/assets/{id}/save"), None)
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["asset"]["saved"], false);
    // Unsaving leaves the object's tag: its expiry is the record's (tests/expiry.rs), and the
    // lifecycle safety net, counted from the object's creation, must not take it earlier.
    assert_eq!(g.tag(&stored).await.as_deref(), Some("false"));
    let (_, saved) = g.t.get(&alice, "/api/assets?saved=true").await;
    assert_eq!(saved["assets"], json!([]));
    let (_, unsaved) = g.t.get(&alice, "/api/assets?saved=false&model=imagen-4").await;
    assert_eq!(unsaved["assets"][0]["id"], json!(id));
    g.t.stop().await;
}

#[tokio::test]
async fn delete_moves_to_the_trash_and_the_job_says_so() {
    let g = Gallery::start().await;
    let alice = g.t.user("alice").await;
    let job = g.t.generate(&alice, "a blue fox").await;
    let job_id = job["id"].as_str().unwrap();
    let done = g.t.wait_finished(&alice, job_id).await;
    assert_eq!(done["deleted_asset_ids"], json!([]));
    let id = done["assets"][0]["id"].as_str().unwrap().to_string();
    let a = g.t.sub(&alice).await;
    let key =
        g.t.stack
            .app
            .store
            .get_asset(&a, &AssetId::parse(&id).unwrap())
            .await
            .unwrap()
            .unwrap()
            .s3_key;
    assert!(g.object_exists(&key).await);

    let (s, _) = g.send(reqwest::Method::DELETE, &alice, &format!("/api/assets/{id}"), None).await;
    assert_eq!(s, 204);
    assert!(
        g.object_exists(&key).await,
        "the media object waits in the trash (local/tests/trash.rs)"
    );
    let (s, _) = g.t.get(&alice, &format!("/api/assets/{id}")).await;
    assert_eq!(s, 404);
    let (_, list) = g.t.get(&alice, "/api/assets").await;
    assert_eq!(list["assets"], json!([]));
    let (s, after) = g.t.get(&alice, &format!("/api/jobs/{job_id}")).await;
    assert_eq!(s, 200);
    assert_eq!(after["assets"], json!([]));
    assert_eq!(after["deleted_asset_ids"], json!([id]));
    assert_eq!(after["job"]["asset_ids"], json!([id]), "the job still names its output");
    let (s, body) = g.send(reqwest::Method::DELETE, &alice, &format!("/api/assets/{id}"), None).await;
    assert_eq!(s, 404, "{body}");
    g.t.stop().await;
}

#[tokio::test]
async fn every_id_route_answers_404_for_another_users_asset_and_changes_nothing() {
    let g = Gallery::start().await;
    let (alice, bob) = (g.t.user("alice").await, g.t.user("bob").await);
    let b = g.t.sub(&bob).await;
    let theirs = g.insert(&b, AssetId::new(), true, AssetKind::Image, None).await;
    let id = theirs.asset_id.to_string();
    for (method, path) in [
        (reqwest::Method::GET, format!("/api/assets/{id}")),
        (reqwest::Method::POST, format!("/api/assets/{id}/save")),
        (reqwest::Method::DELETE, format!("/api/assets/{id}/save")),
        (reqwest::Method::DELETE, format!("/api/assets/{id}")),
        (reqwest::Method::DELETE, "/api/assets/not-an-id".to_string()),
        (reqwest::Method::POST, "/api/assets/01J00000000000000000000000/save".to_string()),
    ] {
        let (s, body) = g.send(method.clone(), &alice, &path, None).await;
        assert_eq!(s, 404, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "not_found");
    }
    let still = g.t.stack.app.store.get_asset(&b, &theirs.asset_id).await.unwrap().unwrap();
    assert!(still.saved);
    assert!(g.object_exists(&theirs.s3_key).await);
    assert_eq!(g.tag(&theirs).await.as_deref(), Some("true"), "the object was never re-tagged");
    g.t.stop().await;
}

#[tokio::test]
async fn a_batch_changes_the_callers_assets_and_reports_others_as_not_found() {
    let g = Gallery::start().await;
    let (alice, bob) = (g.t.user("alice").await, g.t.user("bob").await);
    let (a, b) = (g.t.sub(&alice).await, g.t.sub(&bob).await);
    let mut mine = Vec::new();
    for i in 0..5 {
        mine.push(g.insert(&a, new_id(i), false, AssetKind::Image, Some("imagen-4")).await);
    }
    let theirs = g.insert(&b, AssetId::new(), false, AssetKind::Image, None).await;
    let ids: Vec<String> = mine.iter().map(|x| x.asset_id.to_string()).collect();
    let mut named = ids.clone();
    named.push(theirs.asset_id.to_string());
    named.push("garbage".into());
    named.push(ids[0].clone());

    let (s, body) = g
        .send(
            reqwest::Method::POST,
            &alice,
            "/api/assets/batch",
            Some(&json!({"action": "save", "asset_ids": named})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["action"], "save");
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 7, "one result per distinct id: {body}");
    for (r, id) in results.iter().zip(&ids) {
        assert_eq!(r, &json!({"id": id, "status": "ok"}));
    }
    assert_eq!(results[5], json!({"id": theirs.asset_id, "status": "not_found"}));
    assert_eq!(results[6], json!({"id": "garbage", "status": "not_found"}));
    let (_, saved) = g.t.get(&alice, "/api/assets?saved=true&limit=100").await;
    assert_eq!(saved["assets"].as_array().unwrap().len(), 5);
    for x in &mine {
        assert_eq!(g.tag(x).await.as_deref(), Some("false"));
    }
    let bobs = g.t.stack.app.store.get_asset(&b, &theirs.asset_id).await.unwrap().unwrap();
    assert!(!bobs.saved, "nothing of Bob's changed");
    assert_eq!(g.tag(&theirs).await.as_deref(), Some("true"));

    let (s, body) = g
        .send(
            reqwest::Method::POST,
            &alice,
            "/api/assets/batch",
            Some(&json!({"action": "unsave", "asset_ids": ids[..2]})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, saved) = g.t.get(&alice, "/api/assets?saved=true&limit=100").await;
    assert_eq!(saved["assets"].as_array().unwrap().len(), 3);

    let delete = json!({"action": "delete", "asset_ids": [ids[0], ids[1], theirs.asset_id]});
    let (s, body) = g.send(reqwest::Method::POST, &alice, "/api/assets/batch", Some(&delete)).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["results"][2]["status"], "not_found");
    for x in &mine[..2] {
        assert!(g.t.stack.app.store.get_asset(&a, &x.asset_id).await.unwrap().is_none());
        assert!(
            g.t.stack.app.store.get_trashed(&a, &x.asset_id).await.unwrap().is_some(),
            "in the trash"
        );
    }
    assert!(g.object_exists(&theirs.s3_key).await, "Bob's object is untouched");
    assert!(g.t.stack.app.store.get_asset(&b, &theirs.asset_id).await.unwrap().is_some());
    let (_, all) = g.t.get(&alice, "/api/assets?limit=100").await;
    assert_eq!(all["assets"].as_array().unwrap().len(), 3);

    let too_many: Vec<String> = (0..101).map(|_| AssetId::new().to_string()).collect();
    for (bad, field) in [
        (json!({"action": "save", "asset_ids": []}), Some("asset_ids")),
        (json!({"action": "save", "asset_ids": too_many}), Some("asset_ids")),
        (json!({"action": "burn", "asset_ids": [ids[2]]}), None),
        (json!({"asset_ids": [ids[2]]}), None),
    ] {
        let (s, body) = g.send(reqwest::Method::POST, &alice, "/api/assets/batch", Some(&bad)).await;
        assert_eq!(s, 400, "{bad}: {body}");
        if let Some(f) = field {
            assert_eq!(body["error"]["field"], f);
        }
    }
    g.t.stop().await;
}
