//! Cognito through its JSON API (as the console and the browser use it), for the emulator:
//! the user pool, the SPA app client (no secret), and users created the way an admin does.
use crate::BoxError;
use serde_json::{Value, json};

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pool {
    /// The Cognito endpoint (the emulator's root URL, with a trailing slash).
    pub endpoint: String,
    pub region: String,
    pub user_pool_id: String,
    pub client_id: String,
}

impl Pool {
    /// The issuer tokens carry: the AWS form, even from the emulator.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{}.amazonaws.com/{}", self.region, self.user_pool_id)
    }
    /// Where the emulator publishes the pool's keys.
    pub fn jwks_url(&self) -> String {
        format!("{}{}/.well-known/jwks.json", self.endpoint, self.user_pool_id)
    }
}

/// One call of the Cognito JSON protocol. The emulator takes the region from the credential
/// scope; the signature itself is not checked there (never use this against AWS).
pub async fn call(http: &reqwest::Client, endpoint: &str, region: &str, action: &str, body: Value) -> Result<Value, BoxError> {
    let resp = http
        .post(endpoint)
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", format!("AWSCognitoIdentityProviderService.{action}"))
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=local/20260101/{region}/cognito-idp/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .body(body.to_string())
        .send()
        .await?;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        return Err(format!("cognito {action}: {status} {}", v).into());
    }
    Ok(v)
}

/// The pool as `infra/auth.tf` defines it: admin-only sign-up, a password policy, and an
/// app client without a secret that allows USER_PASSWORD_AUTH and refresh.
pub async fn create_pool(http: &reqwest::Client, endpoint: &str, region: &str, name: &str) -> Result<Pool, BoxError> {
    let pool = call(
        http,
        endpoint,
        region,
        "CreateUserPool",
        json!({
            "PoolName": name,
            "Policies": { "PasswordPolicy": { "MinimumLength": 12, "RequireUppercase": true, "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": false, "TemporaryPasswordValidityDays": 7 } },
            "AdminCreateUserConfig": { "AllowAdminCreateUserOnly": true },
            "UsernameConfiguration": { "CaseSensitive": false },
            "MfaConfiguration": "OFF"
        }),
    )
    .await?;
    let pool_id = pool["UserPool"]["Id"].as_str().ok_or("no pool id")?.to_string();
    let client = call(
        http,
        endpoint,
        region,
        "CreateUserPoolClient",
        json!({
            "UserPoolId": pool_id,
            "ClientName": format!("{name}-web"),
            "GenerateSecret": false,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "PreventUserExistenceErrors": "ENABLED"
        }),
    )
    .await?;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().ok_or("no client id")?.to_string();
    Ok(Pool {
        endpoint: endpoint.to_string(),
        region: region.to_string(),
        user_pool_id: pool_id,
        client_id,
    })
}

/// A user's `sub` (the id every item of theirs is keyed by), as the console shows it.
pub async fn user_sub(http: &reqwest::Client, pool: &Pool, username: &str) -> Result<String, BoxError> {
    let out = call(
        http,
        &pool.endpoint,
        &pool.region,
        "AdminGetUser",
        json!({ "UserPoolId": pool.user_pool_id, "Username": username }),
    )
    .await?;
    out["UserAttributes"]
        .as_array()
        .and_then(|a| a.iter().find(|x| x["Name"] == "sub"))
        .and_then(|x| x["Value"].as_str())
        .map(str::to_string)
        .ok_or_else(|| format!("user {username} has no sub").into())
}

/// Creates a user as an admin does in the console: with a temporary password (first login
/// must choose a new one), or a permanent one.
pub async fn create_user(http: &reqwest::Client, pool: &Pool, username: &str, password: &str, permanent: bool) -> Result<(), BoxError> {
    call(
        http,
        &pool.endpoint,
        &pool.region,
        "AdminCreateUser",
        json!({ "UserPoolId": pool.user_pool_id, "Username": username, "TemporaryPassword": password, "MessageAction": "SUPPRESS" }),
    )
    .await?;
    if permanent {
        call(
            http,
            &pool.endpoint,
            &pool.region,
            "AdminSetUserPassword",
            json!({ "UserPoolId": pool.user_pool_id, "Username": username, "Password": password, "Permanent": true }),
        )
        .await?;
    }
    Ok(())
}

/// Logs in with USER_PASSWORD_AUTH and returns the ID token (for tests and the CLI).
pub async fn login(http: &reqwest::Client, pool: &Pool, username: &str, password: &str) -> Result<Value, BoxError> {
    call(
        http,
        &pool.endpoint,
        &pool.region,
        "InitiateAuth",
        json!({ "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": pool.client_id, "AuthParameters": { "USERNAME": username, "PASSWORD": password } }),
    )
    .await
}
