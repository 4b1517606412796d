//! Expiry of unsaved results keeps record and object in step: the sweep (run with a moved
//! clock, never by sleeping) deletes both; a save keeps both; an unsave restarts the clock; a
//! saved edit's parent and uploads never expire. The backfill brings legacy items into the
//! gallery indexes and the expiry, and a second run changes nothing. Download names.
mod common;
use aws_sdk_dynamodb::types::AttributeValue;
use common::{TestStack, User};
use serde_json::{Value, json};
use shared::domain::{Asset, AssetId, UserId};
use shared::service::{backfill_assets, sweep_expired};
use std::collections::HashMap;

const DAY: i64 = 86_400;

fn ddb(t: &TestStack) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url)))
}

async fn raw(t: &TestStack, user: &UserId, id: &str) -> Option<HashMap<String, AttributeValue>> {
    ddb(t)
        .get_item()
        .table_name(&t.stack.resources.tables.assets)
        .key("user_id", AttributeValue::S(user.as_str().into()))
        .key("asset_id", AttributeValue::S(id.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

/// The user's stored bytes once the worker's thumbnails have landed (they arrive through the
/// queue after their image, and count in storage): the count unchanged across 1.5 s.
async fn settled_storage(t: &TestStack, user: &UserId) -> u64 {
    let mut last = None;
    loop {
        let now = t.stack.app.store.storage(user).await.unwrap().stored;
        if last == Some(now) {
            return now;
        }
        last = Some(now);
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    }
}

async fn stored(t: &TestStack, user: &UserId, id: &str) -> Option<Asset> {
    t.stack.app.store.get_asset(user, &AssetId::parse(id).unwrap()).await.unwrap()
}

async fn object_exists(t: &TestStack, key: &str) -> bool {
    t.stack.app.media.head(key).await.unwrap().is_some()
}

/// Record and object both there (true), both gone (false); anything else fails the test.
async fn present(t: &TestStack, user: &UserId, id: &str, key: &str) -> bool {
    let record = stored(t, user, id).await.is_some();
    let object = object_exists(t, key).await;
    assert_eq!(record, object, "{id}: record {record}, object {object}: out of step");
    record
}

/// Moves an asset's expiry to `at`, as if it had been created long ago.
async fn set_expiry(t: &TestStack, user: &UserId, id: &str, at: i64) {
    ddb(t)
        .update_item()
        .table_name(&t.stack.resources.tables.assets)
        .key("user_id", AttributeValue::S(user.as_str().into()))
        .key("asset_id", AttributeValue::S(id.into()))
        .update_expression("SET expires_at = :e")
        .expression_attribute_values(":e", AttributeValue::N(at.to_string()))
        .send()
        .await
        .unwrap();
}

async fn result(t: &TestStack, u: &User, prompt: &str) -> (String, Value) {
    let job = t.generate(u, prompt).await;
    let done = t.wait_finished(u, job["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    (done["assets"][0]["id"].as_str().unwrap().to_string(), done["assets"][0].clone())
}

async fn send(t: &TestStack, method: reqwest::Method, u: &User, path: &str) -> u16 {
    t.http
        .request(method, t.url(path))
        .bearer_auth(&u.token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let mut wr = enc.write_header().unwrap();
    wr.write_image_data(&vec![7u8; (w * h * 3) as usize]).unwrap();
    drop(wr);
    out
}

/// Uploads a PNG declared as `filename` through the API; returns the asset JSON.
async fn upload(t: &TestStack, u: &User, filename: &str) -> Value {
    let data = png(16, 16);
    let (s, a) = t
        .post(
            u,
            "/api/uploads",
            &json!({ "content_type": "image/png", "bytes": data.len(), "filename": filename }),
        )
        .await;
    assert_eq!(s, 201, "{a}");
    let boundary = "----vn-test-expiry";
    let mut body = Vec::new();
    for (k, v) in a["upload"]["fields"].as_object().unwrap() {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{}\r\n",
                v.as_str().unwrap()
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let posted = t
        .http
        .post(a["upload"]["url"].as_str().unwrap())
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status().as_u16(), 204);
    let id = a["asset_id"].as_str().unwrap();
    let (s, done) = t.post(u, &format!("/api/uploads/{id}/complete"), &json!({})).await;
    assert_eq!(s, 200, "{done}");
    done["asset"].clone()
}

/// The file name a presigned `download_url` makes the browser save.
fn disposition(url: &str) -> String {
    let url = url::Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "response-content-disposition")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn expired_results_leave_record_and_object_together_and_nothing_else_goes() {
    let t = TestStack::start().await;
    let u = t.user("eve").await;
    let sub = t.sub(&u).await;
    let now = shared::clock::now();

    // A result expires 30 days (UNSAVED_EXPIRATION_DAYS) after its creation.
    let (doomed, _) = result(&t, &u, "a doomed lantern").await;
    let a = stored(&t, &sub, &doomed).await.unwrap();
    let exp = a.expires_at.expect("an unsaved result has an expiry");
    assert!((exp - (now.timestamp() + 30 * DAY)).abs() < 120, "{exp}");
    assert!(raw(&t, &sub, &doomed).await.unwrap().contains_key("expiry_shard"));
    let doomed_key = a.s3_key.clone();

    // A result saved before the sweep, then one saved and unsaved again later.
    let (kept, _) = result(&t, &u, "a kept lantern").await;
    let kept_before = stored(&t, &sub, &kept).await.unwrap();
    let kept_key = kept_before.s3_key.clone();
    let (again, _) = result(&t, &u, "an unsaved-again lantern").await;
    let again_key = stored(&t, &sub, &again).await.unwrap().s3_key;
    // Both look created 31 days ago: past their first expiry.
    for id in [&doomed, &kept, &again] {
        set_expiry(&t, &sub, id, now.timestamp() - DAY).await;
    }
    assert_eq!(send(&t, reqwest::Method::POST, &u, &format!("/api/assets/{kept}/save")).await, 200);
    assert_eq!(send(&t, reqwest::Method::POST, &u, &format!("/api/assets/{again}/save")).await, 200);
    let saved = stored(&t, &sub, &kept).await.unwrap();
    assert_eq!(saved.expires_at, None, "a saved asset has no expiry");
    assert!(!raw(&t, &sub, &kept).await.unwrap().contains_key("expiry_shard"));
    // A sweep that read the index before the save can't delete it: the save wins.
    assert!(
        !t.stack
            .app
            .store
            .delete_asset(&kept_before, Some(now.timestamp() + 400 * DAY))
            .await
            .unwrap()
    );
    assert_eq!(
        send(&t, reqwest::Method::DELETE, &u, &format!("/api/assets/{again}/save")).await,
        200
    );
    let fresh = stored(&t, &sub, &again)
        .await
        .unwrap()
        .expires_at
        .expect("unsaving restarts the clock");
    assert!((fresh - (shared::clock::now().timestamp() + 30 * DAY)).abs() < 120, "{fresh}");

    // A saved edit's parent (unsaved itself) and an upload.
    let (parent, _) = result(&t, &u, "a parent lantern").await;
    let parent_key = stored(&t, &sub, &parent).await.unwrap().s3_key;
    set_expiry(&t, &sub, &parent, now.timestamp() - DAY).await;
    let edit = t.edit(&u, "nano-banana", "add fog", &[&parent]).await;
    assert_eq!(edit["job"]["status"], "succeeded", "{edit}");
    let child = edit["assets"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(send(&t, reqwest::Method::POST, &u, &format!("/api/assets/{child}/save")).await, 200);
    let pinned = stored(&t, &sub, &parent).await.unwrap();
    assert!(pinned.pinned && pinned.expires_at.is_none() && !pinned.saved, "{pinned:?}");
    let up = upload(&t, &u, "Holiday Photo.png").await;
    let up_id = up["id"].as_str().unwrap().to_string();
    let up_asset = stored(&t, &sub, &up_id).await.unwrap();
    assert_eq!(up_asset.expires_at, None, "uploads never expire");

    // The sweep now: only the never-saved, expired result goes, record and object.
    settled_storage(&t, &sub).await;
    let a = stored(&t, &sub, &doomed).await.unwrap(); // as counted now: with its thumbnail
    let kept_bytes = t.assert_storage_is_the_records(&sub).await;
    let r = sweep_expired(&t.stack.app, shared::clock::now()).await;
    assert_eq!((r.expired, r.errors), (1, 0), "{r:?}");
    assert!(!present(&t, &sub, &doomed, &doomed_key).await);
    // The swept record's bytes (its file's and its thumbnail's) left the count with it.
    assert_eq!(t.assert_storage_is_the_records(&sub).await, kept_bytes - a.counted_bytes());
    assert_eq!(send(&t, reqwest::Method::GET, &u, &format!("/api/assets/{doomed}")).await, 404);
    for (id, key) in [
        (&kept, &kept_key),
        (&again, &again_key),
        (&parent, &parent_key),
        (&up_id, &up_asset.s3_key),
    ] {
        assert!(present(&t, &sub, id, key).await, "{id} must stay");
    }

    // 31 days on: the unsaved-again result's fresh expiry has passed; the saved result, the
    // pinned parent, the saved edit and the upload stay. Unsaving the pinned parent's child
    // does not expose the parent either.
    assert_eq!(
        send(&t, reqwest::Method::DELETE, &u, &format!("/api/assets/{parent}/save")).await,
        200
    );
    assert_eq!(stored(&t, &sub, &parent).await.unwrap().expires_at, None);
    let later = shared::clock::now() + chrono::Duration::days(31);
    let r = sweep_expired(&t.stack.app, later).await;
    assert_eq!((r.expired, r.errors), (1, 0), "{r:?}");
    assert!(!present(&t, &sub, &again, &again_key).await);
    for (id, key) in [(&kept, &kept_key), (&parent, &parent_key), (&up_id, &up_asset.s3_key)] {
        assert!(present(&t, &sub, id, key).await, "{id} must stay");
    }
    assert!(stored(&t, &sub, &child).await.is_some());
    t.assert_storage_is_the_records(&sub).await;
    // Nothing left to expire.
    assert_eq!(sweep_expired(&t.stack.app, later).await, Default::default());
    t.stop().await;
}

#[tokio::test]
async fn download_urls_name_the_file_after_the_prompt_or_the_upload() {
    let t = TestStack::start().await;
    let u = t.user("dora").await;
    let sub = t.sub(&u).await;
    let (id, asset) = result(&t, &u, "A red fox, in \"snow\"!").await;
    let ext = stored(&t, &sub, &id).await.unwrap().s3_key.rsplit_once('.').unwrap().1.to_string();
    assert_eq!(
        disposition(asset["download_url"].as_str().unwrap()),
        format!("attachment; filename=\"a-red-fox-in-snow-{id}.{ext}\"")
    );
    assert_eq!(disposition(asset["url"].as_str().unwrap()), "", "the view URL is inline");
    let up = upload(&t, &u, "Holiday Photo (2).png").await;
    assert_eq!(
        disposition(up["download_url"].as_str().unwrap()),
        format!("attachment; filename=\"holiday-photo-2-{}.png\"", up["id"].as_str().unwrap())
    );
    t.stop().await;
}

#[tokio::test]
async fn the_backfill_indexes_legacy_items_and_running_it_again_changes_nothing() {
    let t = TestStack::start().await;
    let u = t.user("lee").await;
    let sub = t.sub(&u).await;
    let table = t.stack.resources.tables.assets.clone();
    let client = ddb(&t);
    // Items as written before the gallery indexes and expiry: no index keys, no expires_at.
    let created = shared::clock::now() - chrono::Duration::days(40);
    let legacy = |saved: bool, model: Option<&str>| {
        let id = AssetId::new();
        let s = |v: &str| AttributeValue::S(v.to_string());
        let mut item: HashMap<String, AttributeValue> = HashMap::from([
            ("user_id".to_string(), s(sub.as_str())),
            ("asset_id".to_string(), s(id.as_str())),
            ("kind".to_string(), s("image")),
            ("source".to_string(), s(if model.is_some() { "generated" } else { "upload" })),
            ("parent_ids".to_string(), AttributeValue::L(vec![])),
            ("saved".to_string(), AttributeValue::Bool(saved)),
            ("content_type".to_string(), s("image/png")),
            ("bytes".to_string(), AttributeValue::N("3".into())),
            ("created_at".to_string(), s(&shared::clock::rfc3339(created))),
            ("s3_key".to_string(), s(&format!("users/{}/assets/{id}.png", sub.as_str()))),
        ]);
        if let Some(m) = model {
            item.insert("model".into(), s(m));
        }
        (id.as_str().to_string(), item)
    };
    let (unsaved, a) = legacy(false, Some("imagen-4"));
    let (saved, b) = legacy(true, Some("imagen-4"));
    let (uploaded, c) = legacy(false, None);
    for item in [a, b, c] {
        client.put_item().table_name(&table).set_item(Some(item)).send().await.unwrap();
    }
    let ids = |v: Value| -> Vec<String> {
        v["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, all) = t.get(&u, "/api/assets").await;
    assert_eq!(ids(all).len(), 3);
    let (_, before) = t.get(&u, "/api/assets?saved=false&model=imagen-4").await;
    assert!(ids(before).is_empty(), "legacy items are in no filtered listing yet");

    // Written before the storage count: not in it yet.
    assert_eq!(t.stack.app.store.storage(&sub).await.unwrap().stored, 0);
    let r = backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!((r.scanned, r.updated, r.counted), (3, 3, 3));
    let count = t.stack.app.store.storage(&sub).await.unwrap();
    assert_eq!((count.stored, count.committed, count.files), (9, 9, 3), "three records of 3 bytes");
    let (_, s) = t.get(&u, "/api/assets?saved=false&model=imagen-4").await;
    assert_eq!(ids(s), vec![unsaved.clone()]);
    let (_, s) = t.get(&u, "/api/assets?saved=true&kind=image").await;
    assert_eq!(ids(s), vec![saved.clone()]);
    let (_, s) = t.get(&u, "/api/assets?saved=false&kind=image").await;
    let mut got = ids(s);
    got.sort();
    let mut want = vec![unsaved.clone(), uploaded.clone()];
    want.sort();
    assert_eq!(got, want);
    // Expiry: the unsaved result from its creation; none for the saved one and the upload.
    let exp = stored(&t, &sub, &unsaved).await.unwrap().expires_at;
    assert_eq!(exp, Some(created.timestamp() + 30 * DAY));
    assert_eq!(stored(&t, &sub, &saved).await.unwrap().expires_at, None);
    assert_eq!(stored(&t, &sub, &uploaded).await.unwrap().expires_at, None);
    assert!(raw(&t, &sub, &unsaved).await.unwrap().contains_key("expiry_shard"));

    let snapshot = |id: String| {
        let t = &t;
        let sub = sub.clone();
        async move { raw(t, &sub, &id).await.unwrap() }
    };
    let before = [
        snapshot(unsaved.clone()).await,
        snapshot(saved.clone()).await,
        snapshot(uploaded.clone()).await,
    ];
    let r = backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!((r.scanned, r.updated, r.counted), (3, 0, 0), "a second run writes nothing");
    assert_eq!(t.stack.app.store.storage(&sub).await.unwrap().stored, 9, "and counts nothing twice");
    let after = [snapshot(unsaved).await, snapshot(saved.clone()).await, snapshot(uploaded).await];
    assert_eq!(before, after);
    // Items written by the current code need nothing either.
    let (modern, _) = result(&t, &u, "a modern lantern").await;
    let r = backfill_assets(&t.stack.app.store, 30).await.unwrap();
    assert_eq!((r.scanned, r.updated, r.counted), (4, 0, 0));
    settled_storage(&t, &sub).await;
    let bytes = stored(&t, &sub, &modern).await.unwrap().counted_bytes(); // its file and thumbnail
    assert_eq!(
        t.stack.app.store.storage(&sub).await.unwrap().stored,
        9 + bytes,
        "counted when copied"
    );
    // A backfilled record deleted takes its bytes off the count; one deleted before the backfill
    // counted it takes nothing off (it was never in it).
    assert_eq!(send(&t, reqwest::Method::DELETE, &u, &format!("/api/assets/{saved}")).await, 204);
    assert_eq!(send(&t, reqwest::Method::DELETE, &u, &format!("/api/trash/{saved}")).await, 204);
    assert_eq!(t.stack.app.store.storage(&sub).await.unwrap().stored, 6 + bytes);
    let (late, d) = legacy(true, None);
    client.put_item().table_name(&table).set_item(Some(d)).send().await.unwrap();
    assert_eq!(send(&t, reqwest::Method::DELETE, &u, &format!("/api/assets/{late}")).await, 204);
    assert_eq!(send(&t, reqwest::Method::DELETE, &u, &format!("/api/trash/{late}")).await, 204);
    let count = t.stack.app.store.storage(&sub).await.unwrap();
    assert_eq!((count.stored, count.files), (6 + bytes, 3));
    t.stop().await;
}
