//! Media through the site's own origin: the API hands out CloudFront-signed URLs (canned
//! policy, the key pair's id and private key from one Secrets Manager secret), and the local
//! gateway checks them against its key group's public keys as CloudFront's `/media/*` behaviour
//! does before it serves the object from the bucket.
mod common;
use common::TestStack;
use shared::media::cdn::{KeyKind, generate_key_pair};
use shared::media::signing_key::MediaSigningKey;

async fn status_and_error(t: &TestStack, url: &str) -> (u16, serde_json::Value) {
    let r = t.http.get(url).send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(serde_json::Value::Null))
}

fn assert_forbidden(s: u16, body: &serde_json::Value, what: &str) {
    assert_eq!(s, 403, "{what}: {body}");
    assert_eq!(body["error"]["code"], "forbidden", "{what}: {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

#[tokio::test]
async fn listed_media_load_through_the_gateway_and_tampered_urls_are_refused() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let bob = t.user("bob").await;
    for (u, prompt) in [(&alice, "a quiet harbour"), (&bob, "a loud market")] {
        let job = t.generate(u, prompt).await;
        let done = t.wait_finished(u, job["id"].as_str().unwrap()).await;
        assert_eq!(done["job"]["status"], "succeeded", "{done}");
    }
    let (s, list) = t.get(&alice, "/api/assets").await;
    assert_eq!(s, 200, "{list}");
    let asset = &list["assets"][0];
    let url = asset["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&t.url("/media/users/")), "media on the page's own origin: {url}");
    assert!(url.contains("&Key-Pair-Id=") && url.contains("&Signature="), "{url}");

    // The listed URL loads through the gateway, with the object's type.
    let r = t.http.get(&url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert_eq!(asset["bytes"].as_u64().unwrap(), bytes.len() as u64);

    // The download URL names the file.
    let d = t.http.get(asset["download_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(d.status().as_u16(), 200);
    let cd = d.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(cd.starts_with("attachment; filename=\"a-quiet-harbour-"), "{cd}");

    // A second listing within the expiry window hands out the very same URL (browser cache).
    let (_, again) = t.get(&alice, "/api/assets").await;
    assert_eq!(again["assets"][0]["url"].as_str().unwrap(), url);

    // Unsigned.
    let bare = url.split_once('?').unwrap().0;
    let (s, b) = status_and_error(&t, bare).await;
    assert_forbidden(s, &b, "unsigned");

    // Altered path: Bob's object with Alice's signature.
    let (_, bobs) = t.get(&bob, "/api/assets").await;
    let bob_url = bobs["assets"][0]["url"].as_str().unwrap();
    let bob_path = bob_url.split_once('?').unwrap().0;
    let alice_query = url.split_once('?').unwrap().1;
    let (s, b) = status_and_error(&t, &format!("{bob_path}?{alice_query}")).await;
    assert_forbidden(s, &b, "another user's key");

    // Altered Expires: a later expiry than the one signed.
    let expires: u64 = url::Url::parse(&url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "Expires")
        .unwrap()
        .1
        .parse()
        .unwrap();
    let later = url.replace(&format!("Expires={expires}"), &format!("Expires={}", expires + 86_400));
    let (s, b) = status_and_error(&t, &later).await;
    assert_forbidden(s, &b, "altered Expires");

    // Altered download name.
    let renamed = asset["download_url"].as_str().unwrap().replace("a-quiet-harbour", "evil");
    let (s, b) = status_and_error(&t, &renamed).await;
    assert_forbidden(s, &b, "altered download name");
    t.stop().await;
}

#[tokio::test]
async fn an_expired_url_is_refused() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let job = t.generate(&alice, "a short-lived lantern").await;
    let done = t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
    let key = t.stack.app.config.media_base_url.clone();
    let asset = &done["assets"][0];
    let path = asset["url"].as_str().unwrap().split_once('?').unwrap().0.to_string();
    // Signed with the stack's own key (from its Secrets Manager) but already past its expiry.
    let signer = t.stack.app.media_signer().await.unwrap();
    let now = shared::clock::now().timestamp() as u64;
    let expired = signer.sign(&path, now - 1).unwrap();
    assert!(expired.starts_with(&key));
    let (s, b) = status_and_error(&t, &expired).await;
    assert_forbidden(s, &b, "expired");
    assert!(b["error"]["message"].as_str().unwrap().contains("expired"), "{b}");
    // The same URL signed into the future loads: only the expiry differs.
    let fresh = signer.sign(&path, now + 60).unwrap();
    assert_eq!(t.http.get(&fresh).send().await.unwrap().status().as_u16(), 200);
    t.stop().await;
}

async fn status(t: &TestStack, url: &str) -> u16 {
    t.http.get(url).send().await.unwrap().status().as_u16()
}

fn key_pair_id(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    u.query_pairs().find(|(k, _)| k == "Key-Pair-Id").unwrap().1.into_owned()
}

/// A key rotation as docs/deploy.md describes it, on a running stack: the new public key joins
/// the key group, then the secret gets the new `{key_pair_id, private_key}`. URLs signed before,
/// during (a container still on its cached secret) and after the switch all load; no URL ever
/// names one key and carries another's signature. Only removing the old key from the group,
/// once its URLs have expired, ends them.
#[tokio::test]
async fn a_rotated_signing_key_serves_old_and_new_urls_without_a_403() {
    let t = TestStack::start().await;
    // The function that signs the job's URLs (each function has its own container, and cache).
    let app = &t.stack.apps["jobs-get"];
    let keys = &t.stack.resources.media_keys;
    let secret_id = &t.stack.resources.media_signing_key_secret_id;
    let alice = t.user("alice").await;
    let job = t.generate(&alice, "a lighthouse through a key rotation").await;
    let done = t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
    let before = done["assets"][0]["url"].as_str().unwrap().to_string();
    let old_id = key_pair_id(&before);
    assert_eq!(status(&t, &before).await, 200, "{before}");
    let object = before
        .split_once('?')
        .unwrap()
        .0
        .strip_prefix(&t.url("/media/"))
        .unwrap()
        .to_string();

    // 1. The new public key joins the key group: both keys verify.
    let (private, public) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
    keys.trust("KROTATEDKEY2", &public).unwrap();
    assert_eq!(keys.ids(), [old_id.as_str(), "KROTATEDKEY2"]);

    // 2. The secret gets the new id and key, together.
    let sdk = shared::app::sdk_config(&app.config.region, Some(&t.stack.moto.url));
    let sm = aws_sdk_secretsmanager::Client::new(&sdk);
    local::bootstrap::put_media_signing_key(&sm, secret_id, &MediaSigningKey::new("KROTATEDKEY2", &private).unwrap())
        .await
        .unwrap();

    // A container that still has the old value cached signs with the old key, under its id.
    let during = app.media_url(&object, None).await.unwrap();
    assert_eq!(key_pair_id(&during), old_id);
    assert_eq!(status(&t, &during).await, 200, "{during}");

    // Its cache expires (10 minutes; here, at once): the new key signs, under the new id.
    app.secrets.forget(secret_id).await;
    let after = app.media_url(&object, Some("rotated.png")).await.unwrap();
    assert_eq!(key_pair_id(&after), "KROTATEDKEY2");
    assert_eq!(status(&t, &after).await, 200, "{after}");
    let (s, list) = t.get(&alice, "/api/assets").await;
    assert_eq!(s, 200, "{list}");
    let listed = list["assets"][0]["url"].as_str().unwrap().to_string();
    assert_eq!(key_pair_id(&listed), "KROTATEDKEY2", "{listed}");
    for url in [&before, &during, &after, &listed] {
        assert_eq!(status(&t, url).await, 200, "{url}");
    }

    // 3. Once every old URL has expired, the old key leaves the group: only old URLs stop.
    keys.remove(&old_id);
    let (s, b) = status_and_error(&t, &before).await;
    assert_forbidden(s, &b, "a URL of the removed key");
    assert!(b["error"]["message"].as_str().unwrap().contains("unknown key"), "{b}");
    assert_eq!(status(&t, &after).await, 200);
    assert_eq!(status(&t, &listed).await, 200);
    t.stop().await;
}

/// The bug this replaces: the id from the environment, the key from a rotated secret. A URL
/// that names one key but is signed with another is refused, even with both keys trusted.
#[tokio::test]
async fn a_url_signed_by_one_key_under_the_others_id_is_refused() {
    let t = TestStack::start().await;
    let alice = t.user("alice").await;
    let job = t.generate(&alice, "a mismatched key").await;
    let done = t.wait_finished(&alice, job["id"].as_str().unwrap()).await;
    let url = done["assets"][0]["url"].as_str().unwrap().to_string();
    let old_id = key_pair_id(&url);
    let (private, public) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
    t.stack.resources.media_keys.trust("KROTATEDKEY2", &public).unwrap();
    let path = url.split_once('?').unwrap().0;
    let mismatched = MediaSigningKey::new(&old_id, &private).unwrap().signer().unwrap();
    let now = shared::clock::now().timestamp() as u64;
    let (s, b) = status_and_error(&t, &mismatched.sign(path, now + 600).unwrap()).await;
    assert_forbidden(s, &b, "the new key under the old id");
    t.stop().await;
}
