//! A busy account for the account-deletion tests (local/tests/erase.rs), and the scans that
//! look for what is left of a user: every item of every table, every object version and delete
//! marker of the bucket, every message on the queues.
use super::uploads::{announce, complete, jpeg, post_form, upload};
use super::{TestStack, User};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// What `busy` made, for the test's own checks.
pub struct Busy {
    pub images: Vec<String>,
    /// A job still running at the provider (`[sim:stall]`), when asked for.
    pub running: Option<String>,
}

async fn wait_running(t: &TestStack, u: &User, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, b) = t.get(u, &format!("/api/jobs/{id}")).await;
        if b["job"]["status"] == "running" {
            return;
        }
        assert!(Instant::now() < deadline, "job {id} never ran: {b}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Makes `u` a busy user: finished jobs (with an Idempotency-Key), their results (one saved,
/// one in the trash), a completed upload and a pending one (its staging object posted), a
/// board showing a result, a collection holding one, a share link, and extra versions and a
/// delete marker on the user's objects. With `running`, a job left running at the provider.
pub async fn busy(t: &TestStack, u: &User, running: bool) -> Busy {
    let mut images = Vec::new();
    for (i, prompt) in ["a red fox in deep snow", "a lighthouse at dusk", "an owl on a branch"]
        .iter()
        .enumerate()
    {
        let (s, b) = t
            .post_with(
                u,
                "/api/images/generate",
                &json!({ "model": "imagen-4", "prompt": prompt }),
                Some(&format!("busy-{i}")),
            )
            .await;
        assert_eq!(s, 202, "{b}");
        let id = b["job"]["id"].as_str().unwrap().to_string();
        let done = t.wait_finished(u, &id).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
        images.push(done["assets"][0]["id"].as_str().unwrap().to_string());
    }
    let (s, b) = t.post(u, &format!("/api/assets/{}/save", images[0]), &json!({})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(t.delete(u, &format!("/api/assets/{}", images[2])).await, 204, "to the trash");
    // An upload, completed, and one announced and posted but never completed.
    let up = upload(t, u, "image/jpeg", &jpeg(64, 48, 0)).await;
    assert_eq!(complete(t, u, &up).await.0, 200);
    let pending = announce(t, u, "image/jpeg", 2000).await;
    assert_eq!(post_form(t, &pending["upload"], "image/jpeg", &jpeg(32, 32, 0)).await, 204);
    // A board showing a result, a collection holding one, a link to one.
    let (s, board) = t.post(u, "/api/boards", &json!({ "name": "moodboard" })).await;
    assert_eq!(s, 201, "{board}");
    let bid = board["board"]["id"].as_str().unwrap();
    let tiles = json!({ "version": 1, "tiles": [{ "id": "a", "asset_id": images[1], "x": 0, "y": 0, "w": 160, "h": 120, "z": 0 }] });
    let r = t
        .http
        .put(t.url(&format!("/api/boards/{bid}")))
        .bearer_auth(&u.token)
        .json(&tiles)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (s, c) = t.post(u, "/api/collections", &json!({ "name": "keepers" })).await;
    assert_eq!(s, 201, "{c}");
    let cid = c["collection"]["id"].as_str().unwrap();
    let (s, b) = t
        .post(
            u,
            &format!("/api/collections/{cid}/assets"),
            &json!({ "action": "add", "asset_ids": [images[1]] }),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // A style preset (its item, its name's claim, the count).
    let preset = json!({ "name": "Dusk", "model": "seedream-4", "options": { "size": "4K" }, "prompt_suffix": ", film grain" });
    let (s, b) = t.post(u, "/api/presets", &preset).await;
    assert_eq!(s, 201, "{b}");
    let link = json!({ "kind": "asset", "id": images[0], "expires_in_hours": 24, "show_prompt": true });
    let (s, b) = t.post(u, "/api/shares", &link).await;
    assert_eq!(s, 201, "{b}");
    // Several versions of one object, a delete marker on another (the bucket is versioned).
    let s3 = s3(t);
    let bucket = &t.stack.resources.media_bucket;
    let sub = t.sub(u).await;
    let keys = object_keys(t, &format!("users/{sub}/assets/")).await;
    for body in [b"second version".as_slice(), b"third version"] {
        s3.put_object()
            .bucket(bucket)
            .key(&keys[0])
            .body(body.to_vec().into())
            .send()
            .await
            .unwrap();
    }
    s3.delete_object().bucket(bucket).key(&keys[1]).send().await.unwrap();
    let running = if running {
        let job = t.generate(u, "a slow fox [sim:stall]").await;
        let id = job["id"].as_str().unwrap().to_string();
        wait_running(t, u, &id).await;
        Some(id)
    } else {
        None
    };
    Busy { images, running }
}

pub fn s3(t: &TestStack) -> aws_sdk_s3::Client {
    let sdk = shared::app::sdk_config(&t.stack.app.config.region, Some(&t.stack.moto.url));
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

fn ddb(t: &TestStack) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&shared::app::sdk_config(&t.stack.app.config.region, Some(&t.stack.moto.url)))
}

async fn object_keys(t: &TestStack, prefix: &str) -> Vec<String> {
    let out = s3(t)
        .list_objects_v2()
        .bucket(&t.stack.resources.media_bucket)
        .prefix(prefix)
        .send()
        .await
        .unwrap();
    out.contents().iter().filter_map(|o| o.key().map(str::to_string)).collect()
}

/// Every item of every table (table, item as JSON), by full Scans of the base tables.
pub async fn all_items(t: &TestStack) -> Vec<(String, Value)> {
    let c = ddb(t);
    let tables = &t.stack.resources.tables;
    let mut out = Vec::new();
    for table in [&tables.jobs, &tables.assets, &tables.usage, &tables.idempotency, &tables.shares] {
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = c
                .scan()
                .table_name(table)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .unwrap();
            for item in page.items() {
                let v: Value = serde_dynamo::from_item(item.clone()).unwrap();
                out.push((table.clone(), v));
            }
            match page.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
    }
    out
}

/// Every object version and delete marker of the bucket: key → (version id, latest, bytes;
/// a delete marker has no bytes).
pub async fn all_versions(t: &TestStack) -> BTreeMap<String, Vec<(String, bool, Option<Vec<u8>>)>> {
    let s3 = s3(t);
    let bucket = &t.stack.resources.media_bucket;
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    let (mut km, mut vm): (Option<String>, Option<String>) = (None, None);
    loop {
        let page = s3
            .list_object_versions()
            .bucket(bucket)
            .set_key_marker(km.take())
            .set_version_id_marker(vm.take())
            .send()
            .await
            .unwrap();
        for v in page.versions() {
            let (key, id) = (v.key().unwrap().to_string(), v.version_id().unwrap().to_string());
            let got = s3.get_object().bucket(bucket).key(&key).version_id(&id).send().await.unwrap();
            let bytes = got.body.collect().await.unwrap().into_bytes().to_vec();
            out.entry(key).or_default().push((id, v.is_latest() == Some(true), Some(bytes)));
        }
        for m in page.delete_markers() {
            let key = m.key().unwrap().to_string();
            out.entry(key)
                .or_default()
                .push((m.version_id().unwrap().to_string(), m.is_latest() == Some(true), None));
        }
        if page.is_truncated() != Some(true) {
            break;
        }
        (km, vm) = (
            page.next_key_marker().map(str::to_string),
            page.next_version_id_marker().map(str::to_string),
        );
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

/// The bodies of every message on the generation queue and its DLQ, left visible.
pub async fn all_messages(t: &TestStack) -> Vec<String> {
    let sqs = aws_sdk_sqs::Client::new(&shared::app::sdk_config(&t.stack.app.config.region, Some(&t.stack.moto.url)));
    let mut out = Vec::new();
    for q in [&t.stack.resources.queue_url, &t.stack.resources.dlq_url] {
        let got = sqs
            .receive_message()
            .queue_url(q)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
        out.extend(got.messages().iter().filter_map(|m| m.body().map(str::to_string)));
    }
    out
}

/// What mentions `needle` (a user's `sub`) anywhere: in a key or any attribute.
pub fn mentioning<'a>(items: &'a [(String, Value)], needle: &str) -> Vec<&'a (String, Value)> {
    items.iter().filter(|(_, v)| v.to_string().contains(needle)).collect()
}
