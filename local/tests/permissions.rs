//! Each function runs with its own permissions locally, as on AWS (local/src/iam.rs,
//! local/emulator/iam.py, docs/decisions/0002-local-iam.md): a call outside the grants that
//! Terraform renders from routes.json is refused with AccessDenied, and S3 answers a missing
//! object with 403 to a role that may not list the bucket.
mod common;
use common::TestStack;
use common::uploads::{announce, complete, png, post_form, upload};
use serde_json::{Value, json};

/// routes.json with `action` removed from one function's grants on `table`.
fn without_table_grant(function: &str, table: &str, action: &str) -> String {
    let mut routes: Value = serde_json::from_str(local::routes::ROUTES_JSON).unwrap();
    let grants = routes["functions"][function]["access"]["tables"][table].as_array_mut().unwrap();
    let before = grants.len();
    grants.retain(|a| a != action);
    assert_eq!(grants.len() + 1, before, "{function} has {action} on {table} in routes.json");
    routes.to_string()
}

async fn denials(t: &TestStack) -> Vec<local::iam::Denial> {
    let prefix = local::iam::access_key_id(&t.stack.prefix, "");
    local::iam::denials(&t.http, &t.stack.moto.url, &prefix).await.unwrap()
}

/// With its `PutItem` on the assets table removed, `uploads-complete` can no longer record an
/// upload: the call is refused as AWS refuses it, the user gets a 500 that says nothing of it,
/// and the same flow with the compiled-in grants works.
#[tokio::test]
async fn a_call_outside_the_functions_grants_is_refused_with_access_denied() {
    let t = TestStack::with(|o| o.routes_json = Some(without_table_grant("uploads-complete", "assets", "PutItem"))).await;
    let u = t.user("perm-alice").await;
    let data = png(16, 16);
    let a = announce(&t, &u, "image/png", data.len()).await;
    assert_eq!(post_form(&t, &a["upload"], "image/png", &data).await, 204);
    let (s, b) = complete(&t, &u, a["asset_id"].as_str().unwrap()).await;
    assert_eq!(s, 500, "{b}");
    assert_eq!(b["error"]["code"], "internal", "{b}");
    assert!(!b.to_string().contains("AccessDenied"), "a 5xx never leaks internals: {b}");
    let d = denials(&t).await;
    assert!(
        d.iter()
            .any(|d| d.name == "uploads-complete" && d.action == "dynamodb:PutItem" && d.resource.ends_with("-assets")),
        "{d:?}"
    );
    // Nothing else was refused: every other call of the flow is granted.
    assert!(
        d.iter().all(|d| d.name == "uploads-complete" && d.action == "dynamodb:PutItem"),
        "{d:?}"
    );
    t.stop().await;

    let t = TestStack::start().await;
    let u = t.user("perm-bob").await;
    let id = upload(&t, &u, "image/png", &png(16, 16)).await;
    let (s, b) = complete(&t, &u, &id).await;
    assert_eq!(s, 200, "{b}");
    assert!(denials(&t).await.is_empty());
    t.stop().await;
}

/// A transaction asks for each item's own action on each item's table: without `PutItem` on
/// the idempotency table, a generation with an Idempotency-Key is refused (nothing reserved),
/// and one without a key still works.
#[tokio::test]
async fn a_transaction_needs_every_items_grant() {
    let t = TestStack::with(|o| o.routes_json = Some(without_table_grant("images-generate", "idempotency", "PutItem"))).await;
    let u = t.user("perm-carol").await;
    let before = t.me(&u).await["quota"].clone();
    let body = json!({ "model": "imagen-4", "prompt": "a lighthouse" });
    let (s, b) = t.post_with(&u, "/api/images/generate", &body, Some("perm-key-1")).await;
    assert_eq!(s, 500, "{b}");
    assert_eq!(t.me(&u).await["quota"], before, "nothing reserved");
    let d = denials(&t).await;
    assert!(
        d.iter()
            .any(|d| d.action == "dynamodb:PutItem" && d.resource.ends_with("-idempotency")),
        "{d:?}"
    );
    let (s, b) = t.post(&u, "/api/images/generate", &body).await;
    assert_eq!(s, 202, "{b}");
    t.stop().await;
}

/// S3 answers a missing key with 403, not 404, to a role without `s3:ListBucket` (no function
/// has it), and 404 to one that may list (the harness's own key). `Media::head` reads both as
/// "no such object".
#[tokio::test]
async fn s3_answers_a_missing_object_with_403_to_a_role_that_may_not_list() {
    let t = TestStack::start().await;
    let key = "users/nobody/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV";
    let status = |who: Option<String>| {
        let sdk = shared::app::sdk_config_as("us-east-1", Some(&t.stack.moto.url), who.as_deref());
        let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&sdk).force_path_style(true).build());
        let bucket = t.stack.resources.media_bucket.clone();
        async move {
            match s3.head_object().bucket(bucket).key(key).send().await {
                Ok(_) => 200,
                Err(e) => e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0),
            }
        }
    };
    let function = t.stack.apps["uploads-complete"].clone();
    let role = local::iam::access_key_id(&t.stack.prefix, "uploads-complete");
    assert_eq!(status(Some(role)).await, 403);
    assert_eq!(status(None).await, 404);
    assert!(function.media.head(key).await.unwrap().is_none());
    // Outside users/ the role has nothing at all: refused, whatever is there.
    let other = t.stack.apps["uploads-complete"].media.head("site/index.html").await;
    assert!(other.unwrap().is_none(), "a 403 outside the grant also reads as no object");
    let d = denials(&t).await;
    assert!(
        d.iter()
            .any(|d| d.action == "s3:GetObject" && d.resource.ends_with("/site/index.html")),
        "{d:?}"
    );
    t.stop().await;
}

/// Ranged reads carry the HEADed ETag (`If-Match`): bytes of another version are never read.
#[tokio::test]
async fn ranged_reads_are_tied_to_the_version_that_was_headed() {
    let t = TestStack::start().await;
    let app = t.stack.apps["uploads-complete"].clone();
    let key = "users/someone/uploads/01ARZ3NDEKTSV4RRFFQ69G5FAW";
    t.stack.app.media.put(key, png(8, 8), "image/png").await.unwrap();
    let head = app.media.head(key).await.unwrap().unwrap();
    assert!(!app.media.read_range(key, &head.etag, 0, 8).await.unwrap().is_empty());
    t.stack.app.media.put(key, png(9, 9), "image/png").await.unwrap();
    let err = app.media.read_range(key, &head.etag, 0, 8).await.unwrap_err();
    assert!(matches!(err, shared::media::MediaError::Changed(_)), "{err}");
    t.stack.app.media.delete(key).await.unwrap();
    let err = app.media.read_range(key, &head.etag, 0, 8).await.unwrap_err();
    assert!(matches!(err, shared::media::MediaError::Missing(_)), "{err}");
    t.stop().await;
}
