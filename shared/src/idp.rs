//! The user pool (Cognito), server side: one call, AdminDeleteUser, which the account erasure
//! makes last (service::erase). Sent as Cognito's JSON protocol, signed with SigV4 by the
//! function role's own credentials (aws-sigv4, the SDK's signer), so IAM authorizes it as
//! `cognito-idp:AdminDeleteUser` on the pool's ARN (routes.json `user_pool`). No SDK client:
//! one call does not pay for a whole SDK crate.
use aws_sdk_dynamodb::config::{ProvideCredentials, SharedCredentialsProvider};
use serde_json::json;
use std::time::{Duration, SystemTime};

/// The most one call may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum IdpError {
    #[error("cognito {0}: no user pool configured (USER_POOL_ID)")]
    NoPool(&'static str),
    #[error("cognito {op}: {message}")]
    Failed { op: &'static str, message: String },
}

#[derive(Clone, Debug)]
pub struct Idp {
    region: String,
    /// The emulator's endpoint; `None`: Cognito's regional endpoint.
    endpoint: Option<String>,
    pool_id: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
}

impl Idp {
    pub fn new(region: &str, endpoint: Option<String>, pool_id: Option<String>, credentials: Option<SharedCredentialsProvider>) -> Self {
        Self {
            region: region.to_string(),
            endpoint,
            pool_id,
            credentials,
        }
    }

    fn url(&self) -> String {
        match &self.endpoint {
            Some(e) => e.clone(),
            None => format!("https://cognito-idp.{}.amazonaws.com/", self.region),
        }
    }

    /// Deletes the user `username` from the pool. True when deleted, false when there was no
    /// such user (deleted before: the call is repeated after a failure).
    pub async fn admin_delete_user(&self, http: &reqwest::Client, username: &str) -> Result<bool, IdpError> {
        const OP: &str = "AdminDeleteUser";
        let pool = self.pool_id.as_deref().ok_or(IdpError::NoPool(OP))?;
        let fail = |message: String| IdpError::Failed { op: OP, message };
        let body = json!({ "UserPoolId": pool, "Username": username }).to_string();
        let url = self.url();
        let target = format!("AWSCognitoIdentityProviderService.{OP}");
        let mut headers = vec![
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("x-amz-target".to_string(), target),
        ];
        let provider = self
            .credentials
            .as_ref()
            .ok_or_else(|| fail("no credentials to sign with".into()))?;
        let creds = provider.provide_credentials().await.map_err(|e| fail(e.to_string()))?;
        headers.extend(sign(&creds, &self.region, &url, &headers, body.as_bytes()).map_err(fail)?);
        let mut req = http.post(&url).body(body).timeout(CALL_TIMEOUT);
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let resp = req.send().await.map_err(|e| fail(e.to_string()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(true);
        }
        let text = resp.text().await.unwrap_or_default();
        let kind: String = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_string()))
            .unwrap_or_default();
        if kind == "UserNotFoundException" {
            return Ok(false);
        }
        Err(fail(format!("{status} {kind}")))
    }
}

/// The SigV4 headers (`authorization`, `x-amz-date`, `x-amz-security-token`) of a POST.
fn sign(
    creds: &aws_sdk_dynamodb::config::Credentials,
    region: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<Vec<(String, String)>, String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let identity: aws_smithy_runtime_api::client::identity::Identity = creds.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("cognito-idp")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params).map_err(|e| e.to_string())?.into_parts();
    Ok(instructions.headers().map(|(k, v)| (k.to_string(), v.to_string())).collect())
}
