//! Uploads end to end: the presigned POST form posted like a browser does, then `complete`.
//! The emulator enforces no POST policy, so these tests also play the lying client that S3
//! would have stopped (oversized) or could not stop (wrong bytes for the declared type).
mod common;
use common::TestStack;
use common::uploads::{MIB, announce, complete, jpeg, png, png_claiming, post_form, upload};
use serde_json::{Value, json};
use shared::domain::AssetId;
use shared::media::{object_key, staging_key};

async fn exists(t: &TestStack, key: &str) -> bool {
    t.stack.app.media.head(key).await.unwrap().is_some()
}

#[tokio::test]
async fn a_posted_png_becomes_an_asset_once() {
    let t = TestStack::start().await;
    let u = t.user("uma").await;
    let sub = t.sub(&u).await;
    let data = png(300, 200);

    let a = announce(&t, &u, "image/png", data.len()).await;
    let id = a["asset_id"].as_str().unwrap().to_string();
    let asset_id = AssetId::parse(&id).unwrap();
    let fields = &a["upload"]["fields"];
    assert_eq!(fields["key"], staging_key(&sub, &asset_id));
    assert_eq!(fields["Content-Type"], "image/png");
    assert_eq!(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    // The upload lands tagged staging=true, which the lifecycle rule clears after a day.
    assert_eq!(fields["tagging"], shared::media::post_policy::STAGING_TAGGING);
    let expires = chrono::DateTime::parse_from_rfc3339(a["expires_at"].as_str().unwrap()).unwrap();
    let left = expires.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::Duration::minutes(9) && left <= chrono::Duration::minutes(10),
        "{left}"
    );

    // Pending: not an asset yet.
    assert_eq!(t.get(&u, &format!("/api/assets/{id}")).await.0, 404);
    assert_eq!(post_form(&t, &a["upload"], "image/png", &data).await, 204);
    assert_eq!(t.get(&u, &format!("/api/assets/{id}")).await.0, 404);

    let (s, b) = complete(&t, &u, &id).await;
    assert_eq!(s, 200, "{b}");
    let asset = &b["asset"];
    assert_eq!(asset["id"], id);
    assert_eq!(
        (&asset["source"], &asset["kind"], &asset["content_type"]),
        (&json!("upload"), &json!("image"), &json!("image/png"))
    );
    assert_eq!(
        (&asset["width"], &asset["height"], &asset["bytes"]),
        (&json!(300), &json!(200), &json!(data.len()))
    );
    assert_eq!(
        (&asset["model"], &asset["prompt"], &asset["saved"]),
        (&Value::Null, &Value::Null, &json!(false))
    );
    assert_eq!(asset["parent_ids"], json!([]));
    assert!(exists(&t, &object_key(&sub, &asset_id, "png")).await);
    assert!(!exists(&t, &staging_key(&sub, &asset_id)).await, "the staging object is removed");
    let stored = t.stack.app.media.get_bytes(&object_key(&sub, &asset_id, "png")).await.unwrap();
    assert_eq!(stored, data);

    // Again: the same asset, nothing new.
    let (s2, b2) = complete(&t, &u, &id).await;
    assert_eq!(s2, 200, "{b2}");
    assert_eq!(b2["asset"]["created_at"], asset["created_at"]);
    assert_eq!(b2["asset"]["bytes"], asset["bytes"]);
    let (s3, b3) = t.get(&u, &format!("/api/assets/{id}")).await;
    assert_eq!((s3, &b3["asset"]["source"]), (200, &json!("upload")));

    // Another user can neither complete nor see it.
    let other = t.user("otto").await;
    assert_eq!(complete(&t, &other, &id).await.0, 404);
    assert_eq!(t.get(&other, &format!("/api/assets/{id}")).await.0, 404);
    t.stop().await;
}

#[tokio::test]
async fn a_jpeg_with_a_long_exif_header_is_read_in_ranges() {
    let t = TestStack::start().await;
    let u = t.user("jo").await;
    // SOF sits ~200 KB in: past the first 64 KiB read and the second range (to 256 KiB)
    // reaches it.
    let data = jpeg(1600, 1200, 200_000);
    assert!(data.len() > 200_000);
    let id = upload(&t, &u, "image/jpeg", &data).await;
    let (s, b) = complete(&t, &u, &id).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!((&b["asset"]["width"], &b["asset"]["height"]), (&json!(1600), &json!(1200)));
    assert_eq!(b["asset"]["content_type"], "image/jpeg");
    t.stop().await;
}

#[tokio::test]
async fn lying_uploads_are_refused_and_removed() {
    let t = TestStack::start().await;
    let u = t.user("liar").await;
    let sub = t.sub(&u).await;
    let real = png(64, 64);
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        (
            "text named .png",
            "image/png",
            b"just some text, honest".to_vec(),
            "not a PNG, JPEG or WebP",
        ),
        ("truncated PNG", "image/png", real[..real.len() / 2].to_vec(), "truncated"),
        ("PNG cut in its header", "image/png", real[..20].to_vec(), "truncated"),
        (
            "JPEG declared as PNG",
            "image/png",
            jpeg(10, 10, 10),
            "a JPEG image, but PNG was declared",
        ),
        ("too wide", "image/png", png_claiming(9000, 100), "at most 8192"),
        ("decompression bomb", "image/png", png_claiming(7000, 7000), "40 megapixels"),
        // complete reads at most 1 MiB looking for the size, never the whole file.
        (
            "JPEG with no size in its first 1 MiB",
            "image/jpeg",
            jpeg(10, 10, 1_100_000),
            "first 1 MiB",
        ),
    ];
    for (what, declared, data, says) in cases {
        let id = upload(&t, &u, declared, &data).await;
        let staging = staging_key(&sub, &AssetId::parse(&id).unwrap());
        assert!(exists(&t, &staging).await, "{what}: uploaded");
        let (s, b) = complete(&t, &u, &id).await;
        assert_eq!((s, &b["error"]["code"]), (400, &json!("validation_error")), "{what}: {b}");
        let msg = b["error"]["message"].as_str().unwrap();
        assert!(msg.contains(says), "{what}: {msg}");
        assert!(!exists(&t, &staging).await, "{what}: the object is removed");
        assert_eq!(t.get(&u, &format!("/api/assets/{id}")).await.0, 404, "{what}: no asset");
        // The marker is gone too: the same id can't be completed by re-posting.
        assert_eq!(complete(&t, &u, &id).await.0, 404, "{what}");
    }

    // Over 20 MiB: S3 would refuse the POST by its policy; the emulator doesn't, so the lying
    // client's object is put straight to the staging key.
    let a = announce(&t, &u, "image/png", 20 * MIB).await;
    let id = a["asset_id"].as_str().unwrap();
    let staging = staging_key(&sub, &AssetId::parse(id).unwrap());
    let mut big = real.clone();
    big.resize(20 * MIB + 1, 0);
    t.stack.app.media.put(&staging, big, "image/png").await.unwrap();
    let (s, b) = complete(&t, &u, id).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("20 MiB"), "{b}");
    assert!(!exists(&t, &staging).await);
    assert_eq!(t.get(&u, &format!("/api/assets/{id}")).await.0, 404);
    t.stop().await;
}

#[tokio::test]
async fn bad_declarations_missing_uploads_and_unknown_ids() {
    let t = TestStack::start().await;
    let u = t.user("dee").await;
    for (body, field) in [
        (json!({ "content_type": "image/gif", "bytes": 10 }), "content_type"),
        (json!({ "content_type": "image/png", "bytes": 0 }), "bytes"),
        (json!({ "content_type": "image/png", "bytes": 20 * MIB + 1 }), "bytes"),
        (json!({ "content_type": "image/png", "bytes": 1.5 }), "bytes"),
    ] {
        let (s, b) = t.post(&u, "/api/uploads", &body).await;
        assert_eq!((s, &b["error"]["field"]), (400, &json!(field)), "{body}: {b}");
    }
    let (s, b) = t
        .post(
            &u,
            "/api/uploads",
            &json!({ "content_type": "image/png", "bytes": 10, "acl": "public-read" }),
        )
        .await;
    assert_eq!(s, 400, "unknown fields are refused: {b}");

    // Completed before anything was posted: 400, and the upload can still go ahead.
    let data = png(8, 8);
    let a = announce(&t, &u, "image/png", data.len()).await;
    let id = a["asset_id"].as_str().unwrap();
    let (s, b) = complete(&t, &u, id).await;
    assert_eq!(s, 400, "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("did not arrive"), "{b}");
    assert_eq!(post_form(&t, &a["upload"], "image/png", &data).await, 204);
    assert_eq!(complete(&t, &u, id).await.0, 200);

    // Never announced, or not an id at all.
    assert_eq!(complete(&t, &u, &AssetId::new().to_string()).await.0, 404);
    assert_eq!(complete(&t, &u, "not-an-id").await.0, 404);
    t.stop().await;
}
