//! The local gateway checks tokens exactly as API Gateway's Cognito JWT authorizer would.
mod common;
use common::TestStack;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use local::auth::{AuthError, JwtVerifier};
use local::cognito::{self, Pool};
use serde_json::{Value, json};

const JWKS: &str = include_str!("fixtures/test-only-jwks.json");
const KEY: &[u8] = include_bytes!("fixtures/test-only-rsa.pem");

async fn jwks_server(pool_id: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        &format!("/{pool_id}/.well-known/jwks.json"),
        axum::routing::get(|| async { ([("content-type", "application/json")], JWKS) }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

fn sign(claims: Value) -> String {
    let mut h = Header::new(Algorithm::RS256);
    h.kid = Some("test-only-key".into());
    encode(&h, &claims, &EncodingKey::from_rsa_pem(KEY).unwrap()).unwrap()
}

async fn verifier() -> (JwtVerifier, Pool) {
    let pool_id = "us-east-1_testpool";
    let pool = Pool {
        endpoint: jwks_server(pool_id).await,
        region: "us-east-1".into(),
        user_pool_id: pool_id.into(),
        client_id: "client-123".into(),
    };
    (JwtVerifier::new(pool.clone(), reqwest::Client::new()), pool)
}

fn id_claims(pool: &Pool, exp_offset: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({ "sub": "user-1", "iss": pool.issuer(), "aud": pool.client_id, "token_use": "id", "exp": now + exp_offset, "iat": now - 10, "cognito:username": "zoe" })
}

#[tokio::test]
async fn a_valid_id_or_access_token_yields_the_claims() {
    let (v, pool) = verifier().await;
    let c = v.verify(Some(&format!("Bearer {}", sign(id_claims(&pool, 600))))).await.unwrap();
    assert_eq!((c["sub"].as_str(), c["cognito:username"].as_str()), ("user-1", "zoe"));
    let now = chrono::Utc::now().timestamp();
    let access = json!({ "sub": "user-1", "iss": pool.issuer(), "client_id": pool.client_id, "token_use": "access", "exp": now + 600, "username": "zoe", "scope": "aws.cognito.signin.user.admin" });
    assert!(v.verify(Some(&format!("Bearer {}", sign(access)))).await.is_ok());
}

#[tokio::test]
async fn expired_wrong_issuer_wrong_client_and_refresh_tokens_are_refused() {
    let (v, pool) = verifier().await;
    let bearer = |c: Value| format!("Bearer {}", sign(c));
    assert!(matches!(
        v.verify(Some(&bearer(id_claims(&pool, -5)))).await,
        Err(AuthError::Invalid(_))
    ));
    let mut c = id_claims(&pool, 600);
    c["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other");
    assert!(matches!(v.verify(Some(&bearer(c))).await, Err(AuthError::Invalid(_))));
    let mut c = id_claims(&pool, 600);
    c["aud"] = json!("another-client");
    assert_eq!(v.verify(Some(&bearer(c))).await, Err(AuthError::WrongAudience));
    let mut c = id_claims(&pool, 600);
    c["token_use"] = json!("refresh");
    assert!(v.verify(Some(&bearer(c))).await.is_err());
    let mut c = id_claims(&pool, 600);
    c.as_object_mut().unwrap().remove("exp");
    assert!(v.verify(Some(&bearer(c))).await.is_err());
}

#[tokio::test]
async fn tampered_unsigned_and_missing_tokens_are_refused() {
    let (v, pool) = verifier().await;
    let good = sign(id_claims(&pool, 600));
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    // Change the payload (sub) but keep the signature.
    let mut c = id_claims(&pool, 600);
    c["sub"] = json!("someone-else");
    parts[1] = base64_url(&c.to_string());
    assert!(v.verify(Some(&format!("Bearer {}", parts.join(".")))).await.is_err());
    let none = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none","kid":"test-only-key"}"#),
        base64_url(&id_claims(&pool, 600).to_string())
    );
    assert!(v.verify(Some(&format!("Bearer {none}"))).await.is_err());
    assert_eq!(v.verify(None).await, Err(AuthError::Missing));
    assert_eq!(v.verify(Some("Basic abc")).await, Err(AuthError::Missing));
    assert!(v.verify(Some("Bearer not.a.jwt")).await.is_err());
}

fn base64_url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn the_gateway_answers_401_in_the_api_shape_and_lets_public_routes_through() {
    let t = TestStack::start().await;
    let r = t.http.get(t.url("/api/me")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let b: Value = r.json().await.unwrap();
    assert_eq!(b["error"]["code"], "unauthorized");
    let r = t.http.get(t.url("/api/me")).bearer_auth("garbage").send().await.unwrap();
    assert_eq!(r.status(), 401);
    // A real token of another pool in the same emulator: same signing key, wrong issuer.
    let other = cognito::create_pool(&t.http, &t.stack.pool.endpoint, "us-east-1", "other-pool")
        .await
        .unwrap();
    cognito::create_user(&t.http, &other, "mallory", "Test-Password-123", true)
        .await
        .unwrap();
    let tok = cognito::login(&t.http, &other, "mallory", "Test-Password-123").await.unwrap();
    let r = t
        .http
        .get(t.url("/api/me"))
        .bearer_auth(tok["AuthenticationResult"]["IdToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Access tokens of our own pool work, like API Gateway's authorizer.
    let _ = t.user("ann").await;
    let tok = cognito::login(&t.http, &t.stack.pool, "ann", "Test-Password-123").await.unwrap();
    let r = t
        .http
        .get(t.url("/api/me"))
        .bearer_auth(tok["AuthenticationResult"]["AccessToken"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Public routes.
    let r = t.http.get(t.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = t.http.get(t.url("/config.json")).send().await.unwrap();
    let cfg: Value = r.json().await.unwrap();
    assert_eq!(cfg["cognito"]["client_id"], t.stack.pool.client_id.as_str());
    assert_eq!(cfg["provider"], "simulator");
    let r = t.http.get(t.url("/api/nope")).bearer_auth("x").send().await.unwrap();
    assert_eq!(r.status(), 404);
    t.stop().await;
}
