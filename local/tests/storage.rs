//! The storage budget (docs/decisions/0003-storage-budget.md) through the real architecture:
//! uploads reserve their declared bytes when announced and settle at complete, a refusal or an
//! expiry releases them, outputs count once however often they are written, deletes take their
//! bytes off, and a full storage is a 403 `storage_exceeded` with nothing signed, reserved or
//! queued. Under concurrency at the edge exactly what fits is accepted, and the count always
//! equals the sum of the user's asset records.
mod common;
use common::uploads::{complete, png, post_form};
use common::{TestStack, User};
use futures_util::future::join_all;
use serde_json::{Value, json};
use shared::domain::UserId;
use shared::service::sweep_expired;

const LIMIT: u64 = 1_000_000;
const DECLARED: u64 = 100_000;

async fn announce(t: &TestStack, u: &User, bytes: u64) -> (u16, Value) {
    t.post(
        u,
        "/api/uploads",
        &json!({ "content_type": "image/png", "bytes": bytes, "filename": "photo.png" }),
    )
    .await
}

fn assert_full(status: u16, body: &Value) {
    assert_eq!((status, body["error"]["code"].as_str()), (403, Some("storage_exceeded")), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("storage is full"), "{message}");
}

async fn storage(t: &TestStack, sub: &UserId) -> shared::domain::StorageUsage {
    t.stack.app.store.storage(sub).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_uploads_at_the_limit_fit_exactly_and_the_count_stays_the_records() {
    let t = TestStack::start().await;
    let u = t.user("stella").await;
    let sub = t.sub(&u).await;
    t.stack.app.store.usage().set_storage_limit(&sub, Some(LIMIT)).await.unwrap();

    // 24 announcements of 100 kB at once against 1 MB: exactly ten fit, the rest are refused
    // before anything is signed.
    let answers = join_all((0..24).map(|_| announce(&t, &u, DECLARED))).await;
    let mut accepted = Vec::new();
    for (s, b) in &answers {
        match s {
            201 => accepted.push(b.clone()),
            _ => {
                assert_full(*s, b);
                assert!(b.get("upload").is_none(), "no form for a refused upload: {b}");
            }
        }
    }
    assert_eq!(accepted.len(), 10, "exactly what fits is accepted");
    let count = storage(&t, &sub).await;
    assert_eq!((count.stored, count.committed, count.files), (0, LIMIT, 0), "{count:?}");
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(
        usage["storage"],
        json!({"stored_bytes": 0, "reserved_bytes": LIMIT, "limit_bytes": LIMIT, "files": 0})
    );

    // Each posts a file smaller than declared, then completes twice at once: the reservation
    // settles to the real size, once.
    let files: Vec<Vec<u8>> = (0..accepted.len()).map(|i| png(60 + 7 * i as u32, 50)).collect();
    for (a, data) in accepted.iter().zip(&files) {
        assert!((data.len() as u64) < DECLARED);
        assert_eq!(post_form(&t, &a["upload"], "image/png", data).await, 204);
    }
    let ids: Vec<String> = accepted.iter().map(|a| a["asset_id"].as_str().unwrap().to_string()).collect();
    let completes = join_all(ids.iter().chain(ids.iter()).map(|id| complete(&t, &u, id))).await;
    for (s, b) in &completes {
        assert_eq!(*s, 200, "{b}");
    }
    // Each upload's thumbnail (service::thumbs) counts with it, once the worker made it.
    let thumbs = t.wait_thumbnails(&sub, files.len()).await;
    let stored = t.assert_storage_is_the_records(&sub).await;
    assert_eq!(stored, files.iter().map(|f| f.len() as u64).sum::<u64>() + thumbs);
    assert_eq!(storage(&t, &sub).await.committed, stored, "nothing held back any more");

    // The edge, exactly: one byte more than what is left is refused, what is left is not.
    let left = LIMIT - stored;
    let (s, b) = announce(&t, &u, left + 1).await;
    assert_full(s, &b);
    let (s, last) = announce(&t, &u, left).await;
    assert_eq!(s, 201, "{last}");
    assert_eq!(storage(&t, &sub).await.committed, LIMIT);

    // Full: a generation is refused too, with nothing reserved or queued.
    let quota_before = t.me(&u).await["quota"].clone();
    let (s, b) = t
        .post(&u, "/api/images/generate", &json!({"model": "imagen-4", "prompt": "one more fox"}))
        .await;
    assert_full(s, &b);
    assert_eq!(t.me(&u).await["quota"], quota_before, "nothing reserved");
    let (_, jobs) = t.get(&u, "/api/jobs").await;
    assert_eq!(jobs["jobs"], json!([]), "no job recorded");

    // A refused upload gives its reservation back.
    let last_id = last["asset_id"].as_str().unwrap().to_string();
    assert_eq!(post_form(&t, &last["upload"], "image/png", b"<html>not an image</html>").await, 204);
    let (s, b) = complete(&t, &u, &last_id).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(storage(&t, &sub).await.committed, stored);

    // One never completed is released by the sweep once it expired, and can't be completed then.
    let (s, abandoned) = announce(&t, &u, 5_000).await;
    assert_eq!(s, 201, "{abandoned}");
    assert_eq!(storage(&t, &sub).await.committed, stored + 5_000);
    let now = shared::clock::now();
    let r = sweep_expired(&t.stack.app, now).await;
    assert_eq!(r.uploads_released, 0, "not expired yet: {r:?}");
    let later = now + chrono::Duration::seconds(shared::service::MARKER_TTL_S + 60);
    let r = sweep_expired(&t.stack.app, later).await;
    assert_eq!((r.uploads_released, r.errors), (1, 0), "{r:?}");
    assert_eq!(storage(&t, &sub).await.committed, stored);
    assert_eq!(sweep_expired(&t.stack.app, later).await.uploads_released, 0, "released once");
    let (s, _) = complete(&t, &u, abandoned["asset_id"].as_str().unwrap()).await;
    assert_eq!(s, 404);

    // Deletes move to the trash, where the bytes still count; purges bring it down. One alone,
    // then a batch racing single deletes of the same assets.
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", ids[0])).await, 204);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);
    let body = json!({"action": "delete", "asset_ids": &ids[1..]});
    let paths: Vec<String> = ids[1..].iter().map(|id| format!("/api/assets/{id}")).collect();
    let batch = t.post(&u, "/api/assets/batch", &body);
    let singles = join_all(paths.iter().map(|p| t.delete(&u, p)));
    let ((s, b), _) = tokio::join!(batch, singles);
    assert_eq!(s, 200, "{b}");
    assert_eq!(storage(&t, &sub).await.stored, stored, "all in the trash, all still counted");
    let purge = json!({"action": "purge", "asset_ids": &ids[1..]});
    let empty = json!({});
    let ((s, b), _) = tokio::join!(t.post(&u, "/api/trash/batch", &purge), t.post(&u, "/api/trash/empty", &empty));
    assert_eq!(s, 200, "{b}");
    while t.post(&u, "/api/trash/empty", &json!({})).await.1["more"] == json!(true) {}
    let count = storage(&t, &sub).await;
    assert_eq!((count.stored, count.committed, count.files), (0, 0, 0), "{count:?}");
    t.assert_storage_is_the_records(&sub).await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outputs_count_once_however_often_written_and_a_full_storage_refuses_every_generation() {
    let t = TestStack::start().await;
    let u = t.user("otis").await;
    let sub = t.sub(&u).await;
    let key = "before-full";
    let body = json!({"model": "imagen-4", "prompt": "a counted fox"});
    let (s, first) = t.post_with(&u, "/api/images/generate", &body, Some(key)).await;
    assert_eq!(s, 202, "{first}");
    let done = t.wait_finished(&u, first["job"]["id"].as_str().unwrap()).await;
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let thumb = t.wait_thumbnails(&sub, 1).await;
    let bytes = t.assert_storage_is_the_records(&sub).await;
    assert_eq!(
        json!(bytes - thumb),
        done["assets"][0]["bytes"],
        "the output is counted when copied, with its thumbnail"
    );

    // Redelivered copies write the same record (deterministic ids), eight at once: counted once.
    let id = shared::domain::AssetId::parse(done["assets"][0]["id"].as_str().unwrap()).unwrap();
    let asset = t.stack.app.store.get_asset(&sub, &id).await.unwrap().unwrap();
    let store = &t.stack.app.store;
    for r in join_all((0..8).map(|_| store.put_asset(&asset))).await {
        r.unwrap();
    }
    assert_eq!(t.assert_storage_is_the_records(&sub).await, bytes);
    // One whose download came out at another size replaces the bytes counted, not adds to them.
    let bigger = shared::domain::Asset {
        bytes: asset.bytes + 10,
        ..asset.clone()
    };
    store.put_asset(&bigger).await.unwrap();
    assert_eq!(t.assert_storage_is_the_records(&sub).await, bytes + 10);
    store.put_asset(&asset).await.unwrap();
    assert_eq!(t.assert_storage_is_the_records(&sub).await, bytes);

    // The limit reached: every kind of generation is refused, nothing reserved or recorded.
    store.usage().set_storage_limit(&sub, Some(bytes)).await.unwrap();
    let quota_before = t.me(&u).await["quota"].clone();
    let (_, jobs_before) = t.get(&u, "/api/jobs").await;
    let source = id.as_str();
    let refused = [
        ("/api/images/generate", json!({"model": "imagen-4", "prompt": "a fox too many"})),
        (
            "/api/images/edit",
            json!({"model": "nano-banana", "prompt": "add snow", "source_asset_ids": [source]}),
        ),
        ("/api/videos/generate", json!({"model": "veo-3.1", "prompt": "a fox running"})),
        ("/api/sets", json!({"prompt": "a fox", "models": ["imagen-4", "nano-banana"]})),
        ("/api/stories", json!({"prompt": "a fox's day", "frames": 2})),
    ];
    for (path, body) in &refused {
        let (s, b) = t.post(&u, path, body).await;
        assert_full(s, &b);
    }
    assert_eq!(t.me(&u).await["quota"], quota_before, "nothing reserved");
    let (_, jobs_after) = t.get(&u, "/api/jobs").await;
    assert_eq!(jobs_after["jobs"], jobs_before["jobs"], "no job recorded");
    // The same Idempotency-Key as before the storage filled up is still its job (200).
    let (s, replay) = t.post_with(&u, "/api/images/generate", &body, Some(key)).await;
    assert_eq!((s, &replay["job"]["id"]), (200, &first["job"]["id"]), "{replay}");
    // A prompt rewrite stores nothing: it still runs.
    let (s, b) = t.post(&u, "/api/prompts/vary", &json!({"prompt": "a red fox"})).await;
    assert!(s == 200 || s == 202, "{s}: {b}");

    // Deleting the output keeps it in the trash, still counted; purging it makes room again.
    assert_eq!(t.delete(&u, &format!("/api/assets/{}", id.as_str())).await, 204);
    let (s, b) = t.post(&u, "/api/images/generate", &refused[0].1).await;
    assert_full(s, &b);
    assert_eq!(t.post(&u, "/api/trash/empty", &json!({})).await.1["purged"], 1);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 0);
    let (s, b) = t.post(&u, "/api/images/generate", &refused[0].1).await;
    assert_eq!(s, 202, "{b}");
    t.stop().await;
}

#[tokio::test]
async fn the_usage_report_shows_the_default_limit_and_a_users_own() {
    let t = TestStack::with(|o| o.storage_limit_mb = "0.25".into()).await;
    let u = t.user("ursula").await;
    let sub = t.sub(&u).await;
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(
        usage["storage"],
        json!({"stored_bytes": 0, "reserved_bytes": 0, "limit_bytes": 250_000, "files": 0})
    );
    // Over the default on its own: refused before anything is written.
    let (s, b) = announce(&t, &u, 250_001).await;
    assert_full(s, &b);
    assert_eq!(storage(&t, &sub).await, Default::default());
    // A user's own limit applies, and removing it brings the default back.
    t.stack.app.store.usage().set_storage_limit(&sub, Some(2_000_000)).await.unwrap();
    assert_eq!(announce(&t, &u, 1_000_000).await.0, 201);
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["storage"]["limit_bytes"], 2_000_000);
    assert_eq!(usage["storage"]["reserved_bytes"], 1_000_000);
    // Setting one limit leaves the other alone.
    t.stack
        .app
        .store
        .usage()
        .set_monthly_limit(&sub, Some(shared::domain::Micros(5_000_000)))
        .await
        .unwrap();
    assert_eq!(t.me(&u).await["quota"]["monthly_limit_usd"], 5.0);
    t.stack.app.store.usage().set_storage_limit(&sub, None).await.unwrap();
    let (_, usage) = t.get(&u, "/api/usage").await;
    assert_eq!(usage["storage"]["limit_bytes"], 250_000);
    assert_eq!(t.me(&u).await["quota"]["monthly_limit_usd"], 5.0);
    t.stop().await;
}
