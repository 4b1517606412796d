//! Media through the site's own origin: the API hands out CloudFront-signed URLs (canned
//! policy, the key from Secrets Manager), and the local gateway checks them with the public key
//! as CloudFront's `/media/*` behaviour does before it serves the object from the bucket.
mod common;
use common::TestStack;

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
