//! Thumbnails through the queue (service::thumbs): an upload and a generated result each get
//! a small JPEG beside their file, counted in the user's storage, served as `thumb_url`; the
//! trash's purge removes it with the asset (every version), and the count follows; an image
//! restored from the trash gets the thumbnail it missed there.
mod common;
use common::TestStack;
use common::uploads::{complete, png, upload};
use serde_json::Value;
use shared::thumb::{MAX_THUMB_BYTES, THUMB_SIDE};
use std::time::Duration;

/// Polls `GET /api/assets/{id}` until it has a `thumb_url` (the worker loop makes it).
async fn with_thumb(t: &TestStack, u: &common::User, id: &str) -> Value {
    for _ in 0..120 {
        let (s, a) = t.get(u, &format!("/api/assets/{id}")).await;
        assert_eq!(s, 200, "{a}");
        if a["asset"]["thumb_url"].is_string() {
            return a["asset"].clone();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("no thumbnail for {id} after 30 s");
}

fn s3(t: &TestStack) -> aws_sdk_s3::Client {
    let sdk = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build())
}

async fn versions(t: &TestStack, key: &str) -> usize {
    let out = s3(t)
        .list_object_versions()
        .bucket(&t.stack.resources.media_bucket)
        .prefix(key)
        .send()
        .await
        .unwrap();
    out.versions().len() + out.delete_markers().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_upload_gets_a_small_counted_thumbnail_that_goes_with_it() {
    let t = TestStack::start().await;
    let u = t.user("thea").await;
    let sub = t.sub(&u).await;
    let data = png(1200, 900);
    let id = upload(&t, &u, "image/png", &data).await;
    assert_eq!(complete(&t, &u, &id).await.0, 200);

    let a = with_thumb(&t, &u, &id).await;
    let key = shared::media::thumb_key(&sub, &shared::domain::AssetId::parse(&id).unwrap());
    // The object beside the file, under the user's prefix, a JPEG of the bounded size.
    assert!(key.starts_with(&format!("users/{}/", sub.as_str())) && key.ends_with(".thumb.jpg"));
    let jpeg = t.stack.app.media.get_bytes(&key).await.unwrap();
    assert!(jpeg.starts_with(&[0xFF, 0xD8]), "a JPEG");
    assert!((jpeg.len() as u64) <= MAX_THUMB_BYTES, "{} bytes", jpeg.len());
    assert!((jpeg.len() as u64) < data.len() as u64, "smaller than the file");
    let size = imagesize::blob_size(&jpeg).unwrap();
    assert_eq!((size.width as u32, size.height as u32), (THUMB_SIDE, 288));
    // The API still gives the file's own size; the thumbnail is fetched like the file.
    assert_eq!((a["width"].as_u64(), a["height"].as_u64()), (Some(1200), Some(900)));
    let got = t.http.get(a["thumb_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().len(), jpeg.len());
    // The gallery list carries it too.
    let (_, list) = t.get(&u, "/api/assets").await;
    assert!(list["assets"][0]["thumb_url"].is_string(), "{list}");

    // Counted with the file: the count is the records, and the records hold both.
    let stored = t.assert_storage_is_the_records(&sub).await;
    assert_eq!(stored, data.len() as u64 + jpeg.len() as u64);
    let usage = t.stack.app.store.storage(&sub).await.unwrap();
    assert_eq!(usage.files, 1, "a thumbnail is no file of the user's");

    // A redelivered message changes nothing (the same object, counted once).
    let msg = shared::queue::ThumbMessage {
        user_id: sub.clone(),
        asset_id: shared::domain::AssetId::parse(&id).unwrap(),
    };
    assert_eq!(
        shared::service::make_thumb(&t.stack.app, &msg).await.unwrap(),
        shared::service::ThumbOutcome::Skipped
    );
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);

    // Deleted (to the trash: still counted, still there), then purged: gone with the asset.
    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 204);
    assert_eq!(t.assert_storage_is_the_records(&sub).await, stored);
    assert_eq!(t.delete(&u, &format!("/api/trash/{id}")).await, 204);
    assert_eq!(versions(&t, &key).await, 0, "no version of the thumbnail left");
    assert_eq!(t.assert_storage_is_the_records(&sub).await, 0);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_generated_image_gets_a_thumbnail_and_a_refused_one_keeps_its_file() {
    let t = TestStack::start().await;
    let u = t.user("theo").await;
    let sub = t.sub(&u).await;
    let job = t.generate(&u, "a lighthouse at dusk").await;
    let done = t.wait_finished(&u, job["id"].as_str().unwrap()).await;
    let id = done["assets"][0]["id"].as_str().unwrap().to_string();
    let a = with_thumb(&t, &u, &id).await;
    let long = a["width"].as_u64().unwrap().max(a["height"].as_u64().unwrap());
    let key = shared::media::thumb_key(&sub, &shared::domain::AssetId::parse(&id).unwrap());
    let jpeg = t.stack.app.media.get_bytes(&key).await.unwrap();
    let size = imagesize::blob_size(&jpeg).unwrap();
    assert_eq!(size.width.max(size.height) as u64, long.min(u64::from(THUMB_SIDE)));
    t.assert_storage_is_the_records(&sub).await;

    // An image the bound refuses (a progressive JPEG over it, from its header) gets none and
    // stays whole; the message is done (not retried).
    let mut asset = t
        .stack
        .app
        .store
        .get_asset(&sub, &shared::domain::AssetId::parse(&id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut head = vec![0xFF, 0xD8, 0xFF, 0xC2, 0, 17, 8, 0x13, 0x88, 0x1F, 0x40, 3];
    for c in 1..=3u8 {
        head.extend_from_slice(&[c, 0x11, 0]);
    }
    head.extend_from_slice(&[0xFF, 0xD9]);
    let other = shared::domain::AssetId::new();
    asset.asset_id = other.clone();
    asset.s3_key = shared::media::object_key(&sub, &other, "jpg");
    asset.thumb_key = None;
    asset.thumb_bytes = 0;
    asset.bytes = head.len() as u64;
    t.stack.app.media.put(&asset.s3_key, head, "image/jpeg").await.unwrap();
    t.stack.app.store.put_asset(&asset).await.unwrap();
    let msg = shared::queue::ThumbMessage {
        user_id: sub.clone(),
        asset_id: other.clone(),
    };
    let out = shared::service::make_thumb(&t.stack.app, &msg).await.unwrap();
    assert!(matches!(out, shared::service::ThumbOutcome::Refused(_)), "{out:?}");
    let (_, got) = t.get(&u, &format!("/api/assets/{}", other.as_str())).await;
    assert!(got["asset"]["thumb_url"].is_null() && got["asset"]["url"].is_string(), "{got}");
    t.assert_storage_is_the_records(&sub).await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_backfill_asks_for_the_thumbnails_old_images_lack() {
    let t = TestStack::start().await;
    let u = t.user("tove").await;
    let sub = t.sub(&u).await;
    // An image recorded before thumbnails existed: its record and file, no message sent.
    let id = shared::domain::AssetId::new();
    let data = png(800, 600);
    let asset = shared::domain::Asset {
        user_id: sub.clone(),
        asset_id: id.clone(),
        kind: shared::domain::AssetKind::Image,
        source: shared::domain::AssetSource::Upload,
        model: None,
        prompt: None,
        parent_ids: vec![],
        job_id: None,
        saved: false,
        content_type: "image/png".into(),
        bytes: data.len() as u64,
        width: Some(800),
        height: Some(600),
        duration_s: None,
        created_at: "2026-01-01T00:00:00.000Z".into(),
        s3_key: shared::media::object_key(&sub, &id, "png"),
        filename: None,
        expires_at: None,
        pinned: false,
        counted: false,
        thumb_key: None,
        thumb_bytes: 0,
    };
    t.stack.app.media.put(&asset.s3_key, data, "image/png").await.unwrap();
    t.stack.app.store.put_asset(&asset).await.unwrap();
    let (_, before) = t.get(&u, &format!("/api/assets/{}", id.as_str())).await;
    assert!(before["asset"]["thumb_url"].is_null(), "{before}");

    let app = &t.stack.app;
    let sent = shared::service::thumbs::backfill_thumbs(&app.store, &app.queue).await.unwrap();
    assert_eq!(sent, 1);
    with_thumb(&t, &u, id.as_str()).await;
    t.assert_storage_is_the_records(&sub).await;
    // Done once: a second run finds nothing left.
    assert_eq!(shared::service::thumbs::backfill_thumbs(&app.store, &app.queue).await.unwrap(), 0);
    t.stop().await;
}

/// An image deleted before the worker made its thumbnail gets none in the trash (the worker
/// makes none for a trashed asset); restored, it is asked for again and made, and counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_image_restored_from_the_trash_gets_the_thumbnail_it_missed() {
    let t = TestStack::with(|o| o.run_worker = false).await;
    let u = t.user("tilda").await;
    let sub = t.sub(&u).await;
    let data = png(1200, 900);
    let id = upload(&t, &u, "image/png", &data).await;
    assert_eq!(complete(&t, &u, &id).await.0, 200);
    assert_eq!(t.delete(&u, &format!("/api/assets/{id}")).await, 204);
    common::run_worker_once(&t).await; // the thumbnail's message finds it in the trash
    let aid = shared::domain::AssetId::parse(&id).unwrap();
    let trashed = t.stack.app.store.get_trashed(&sub, &aid).await.unwrap().unwrap();
    assert_eq!(trashed.asset.thumb_key, None);

    let (s, back) = t.post(&u, &format!("/api/trash/{id}/restore"), &serde_json::json!({})).await;
    assert_eq!(s, 200, "{back}");
    common::run_worker_once(&t).await;
    let (_, a) = t.get(&u, &format!("/api/assets/{id}")).await;
    assert!(a["asset"]["thumb_url"].is_string(), "{a}");
    let thumb = t.stack.app.media.get_bytes(&shared::media::thumb_key(&sub, &aid)).await.unwrap();
    assert_eq!(t.assert_storage_is_the_records(&sub).await, data.len() as u64 + thumb.len() as u64);
    t.stop().await;
}
