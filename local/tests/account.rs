//! The account gate (shared::gate): every authenticated request reads the caller's account
//! item first. A token issued before the user signed out everywhere is refused (401
//! `token_revoked`) on reads and writes alike, a fresh one passes; a tombstone (`deleted_at`)
//! refuses everything of that user and nothing of anyone else's. `POST
//! /api/account/sign-out-everywhere` sets that mark for the caller.
mod common;
use aws_sdk_dynamodb::types::AttributeValue as A;
use base64::Engine;
use common::{TestStack, User};
use local::cognito;
use serde_json::{Value, json};

const PASSWORD: &str = "Test-Password-123";

/// Sets attributes of `user`'s account item directly, as "sign out everywhere" and account
/// deletion write them.
async fn set_account(t: &TestStack, user: &User, attribute: &str, value: A) {
    let sub = t.sub(user).await;
    let conf = shared::app::sdk_config("us-east-1", Some(&t.stack.moto.url));
    aws_sdk_dynamodb::Client::new(&conf)
        .update_item()
        .table_name(&t.stack.resources.tables.usage)
        .key("user_id", A::S(sub.as_str().into()))
        .key("period", A::S(shared::store::ACCOUNT_PERIOD.into()))
        .update_expression("SET #a = :v")
        .expression_attribute_names("#a", attribute)
        .expression_attribute_values(":v", value)
        .send()
        .await
        .unwrap();
}

/// A new ID token for `name`, from a fresh sign-in.
async fn sign_in(t: &TestStack, name: &str) -> User {
    let out = cognito::login(&t.http, &t.stack.pool, name, PASSWORD).await.expect("login");
    User {
        name: name.into(),
        token: out["AuthenticationResult"]["IdToken"].as_str().unwrap().to_string(),
    }
}

/// The token's `iat` (epoch seconds).
fn issued_at(user: &User) -> i64 {
    let payload = user.token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims["iat"].as_i64().unwrap()
}

fn refused(status: u16, body: &Value, code: &str) {
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(!body["error"]["message"].as_str().unwrap_or("").is_empty(), "{body}");
}

#[tokio::test]
async fn a_token_from_before_a_sign_out_everywhere_is_refused_and_a_fresh_one_passes() {
    let t = TestStack::start().await;
    let ana = t.user("ana").await;
    let bo = t.user("bo").await;
    assert_eq!(t.get(&ana, "/api/jobs").await.0, 200);

    let mark = issued_at(&ana) + 1;
    set_account(&t, &ana, "tokens_before", A::N(mark.to_string())).await;
    let (s, b) = t.get(&ana, "/api/jobs").await;
    refused(s, &b, "token_revoked");
    let (s, b) = t.post(&ana, "/api/boards", &json!({ "name": "after the sign-out" })).await;
    refused(s, &b, "token_revoked");
    assert_eq!(t.get(&bo, "/api/jobs").await.0, 200, "another user's sessions are theirs");

    // A sign-in after the mark passes, and finds that the refused write wrote nothing.
    while chrono::Utc::now().timestamp() < mark {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let fresh = sign_in(&t, "ana").await;
    assert!(issued_at(&fresh) >= mark);
    let (s, boards) = t.get(&fresh, "/api/boards").await;
    assert_eq!(s, 200, "{boards}");
    assert_eq!(boards["boards"], json!([]), "the refused request never reached its handler");
    let (s, b) = t.post(&fresh, "/api/boards", &json!({ "name": "signed in again" })).await;
    assert_eq!(s, 201, "{b}");
    t.stop().await;
}

/// `POST /api/account/sign-out-everywhere`: 204, then every token issued up to and including
/// that second is refused (its own caller's too), reads and writes; the user's next sign-in
/// passes; another user is untouched; doing it again is harmless.
#[tokio::test]
async fn sign_out_everywhere_refuses_every_older_token_of_the_caller_only() {
    let t = TestStack::start().await;
    let ana = t.user("ana").await;
    let ana_elsewhere = sign_in(&t, "ana").await;
    let bo = t.user("bo").await;

    let (s, b) = t.post(&ana, "/api/account/sign-out-everywhere", &json!({})).await;
    assert_eq!(s, 204, "{b}");
    let signed_out_at = chrono::Utc::now().timestamp();
    for user in [&ana, &ana_elsewhere] {
        let (s, b) = t.get(user, "/api/me").await;
        refused(s, &b, "token_revoked");
        let (s, b) = t.post(user, "/api/boards", &json!({ "name": "after the sign-out" })).await;
        refused(s, &b, "token_revoked");
    }
    assert_eq!(t.get(&bo, "/api/me").await.0, 200);

    // A sign-in in a later second passes; signing out again (no body this time) works too.
    while chrono::Utc::now().timestamp() <= signed_out_at {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let fresh = sign_in(&t, "ana").await;
    assert_eq!(t.get(&fresh, "/api/me").await.0, 200);
    let again = t
        .http
        .post(t.url("/api/account/sign-out-everywhere"))
        .bearer_auth(&fresh.token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 204);
    let (s, b) = t.get(&fresh, "/api/me").await;
    refused(s, &b, "token_revoked");
    t.stop().await;
}

#[tokio::test]
async fn a_tombstone_refuses_everything_of_its_user_and_nobody_elses() {
    let t = TestStack::start().await;
    let ana = t.user("ana").await;
    let bo = t.user("bo").await;
    set_account(&t, &ana, "deleted_at", A::S("2026-12-06T22:00:00Z".into())).await;

    for path in ["/api/me", "/api/jobs", "/api/assets", "/api/usage", "/api/models"] {
        let (s, b) = t.get(&ana, path).await;
        refused(s, &b, "account_deleted");
    }
    let (s, b) = t.post(&ana, "/api/boards", &json!({ "name": "after deletion" })).await;
    refused(s, &b, "account_deleted");
    let (s, b) = t
        .post(&ana, "/api/images/generate", &json!({ "model": "imagen-4", "prompt": "a fox" }))
        .await;
    refused(s, &b, "account_deleted");
    // Even a token issued after the tombstone (Cognito still knows the user until the
    // deletion job removes them).
    let fresh = sign_in(&t, "ana").await;
    let (s, b) = t.get(&fresh, "/api/me").await;
    refused(s, &b, "account_deleted");

    assert_eq!(t.get(&bo, "/api/me").await.0, 200);
    let (s, b) = t.post(&bo, "/api/boards", &json!({ "name": "still here" })).await;
    assert_eq!(s, 201, "{b}");
    let health = t.http.get(t.url("/api/health")).send().await.unwrap();
    assert_eq!(health.status(), 200, "a public route has no caller to gate");
    t.stop().await;
}
