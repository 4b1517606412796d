//! End-to-end over HTTP against a running local stack (`make test` starts one with
//! `vn-local dev` and runs this with E2E_BASE_URL). Logs in like the browser does, through
//! Cognito's JSON API at the endpoint /config.json names.
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn env(k: &str) -> String {
    std::env::var(k).unwrap_or_else(|_| panic!("{k} must be set: run this through `make test`"))
}

async fn login(http: &reqwest::Client, cfg: &Value, user: &str, password: &str) -> String {
    let r: Value = http
        .post(cfg["cognito"]["endpoint"].as_str().unwrap())
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .body(json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": cfg["cognito"]["client_id"], "AuthParameters": { "USERNAME": user, "PASSWORD": password } }).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["AuthenticationResult"]["IdToken"]
        .as_str()
        .unwrap_or_else(|| panic!("login failed: {r}"))
        .to_string()
}

/// GET `{base}{path}` with the token; the JSON body.
async fn get_json(http: &reqwest::Client, base: &str, path: &str, token: &str) -> Value {
    http.get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
#[ignore = "needs a running local stack: make test runs it"]
async fn demo_user_generates_an_image_and_finds_it_again() {
    let base = env("E2E_BASE_URL");
    let http = reqwest::Client::new();
    let health: Value = http.get(format!("{base}/api/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health, json!({ "status": "ok" }));
    let cfg: Value = http.get(format!("{base}/config.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(cfg["api_base"], "/api");
    let token = login(&http, &cfg, "demo", &env("E2E_DEMO_PASSWORD")).await;

    let r = http.get(format!("{base}/api/models")).send().await.unwrap();
    assert_eq!(r.status(), 401, "models need a token");
    let models: Value = get_json(&http, &base, "/api/models", &token).await;
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "imagen-4" && m["price"]["usd"] == json!(0.04))
    );

    let r = http
        .post(format!("{base}/api/images/generate"))
        .bearer_auth(&token)
        .json(&json!({ "model": "imagen-4", "prompt": "an owl reading a map", "options": { "aspect_ratio": "16:9" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let job: Value = r.json().await.unwrap();
    let id = job["job"]["id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let done = loop {
        let j: Value = get_json(&http, &base, &format!("/api/jobs/{id}"), &token).await;
        if j["job"]["status"] == "succeeded" || j["job"]["status"] == "failed" {
            break j;
        }
        assert!(Instant::now() < deadline, "job did not finish: {j}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert_eq!(done["job"]["status"], "succeeded", "{done}");
    let asset = &done["assets"][0];
    assert!(
        asset["width"].as_u64().unwrap() > asset["height"].as_u64().unwrap(),
        "16:9 is wider than tall"
    );
    let img = http.get(asset["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(img.status(), 200);
    assert!(img.bytes().await.unwrap().starts_with(b"\x89PNG"));

    let list: Value = get_json(&http, &base, "/api/jobs", &token).await;
    assert!(list["jobs"].as_array().unwrap().iter().any(|j| j["id"] == id.as_str()));
    let me: Value = get_json(&http, &base, "/api/me", &token).await;
    assert!(me["quota"]["spent_usd"].as_f64().unwrap() >= 0.04);
}
