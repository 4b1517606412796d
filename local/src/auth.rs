//! The JWT check API Gateway's Cognito authorizer performs, done locally: RS256 signature
//! against the pool's JWKS, the AWS issuer, audience (ID token `aud`, or access token
//! `client_id`), expiry and `token_use`. The claims become the authorizer context.
use crate::cognito::Pool;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::Value;
use std::collections::HashMap;
use tokio::sync::RwLock;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("missing bearer token")]
    Missing,
    #[error("token is malformed")]
    Malformed,
    #[error("token signing key is unknown")]
    UnknownKey,
    #[error("token is invalid: {0}")]
    Invalid(String),
    #[error("token is for another client")]
    WrongAudience,
}

pub struct JwtVerifier {
    pool: Pool,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, DecodingKey>>,
}

impl JwtVerifier {
    pub fn new(pool: Pool, http: reqwest::Client) -> Self {
        Self {
            pool,
            http,
            keys: RwLock::new(HashMap::new()),
        }
    }

    async fn refresh_keys(&self) -> Result<(), AuthError> {
        let jwks: Value = self
            .http
            .get(self.pool.jwks_url())
            .send()
            .await
            .map_err(|_| AuthError::UnknownKey)?
            .json()
            .await
            .map_err(|_| AuthError::UnknownKey)?;
        let mut map = HashMap::new();
        for k in jwks["keys"].as_array().into_iter().flatten() {
            if let (Some(kid), Some(n), Some(e)) = (k["kid"].as_str(), k["n"].as_str(), k["e"].as_str())
                && let Ok(key) = DecodingKey::from_rsa_components(n, e)
            {
                map.insert(kid.to_string(), key);
            }
        }
        *self.keys.write().await = map;
        Ok(())
    }

    /// Verifies an `Authorization` header value; returns the claims as API Gateway passes them
    /// (every value a string).
    pub async fn verify(&self, authorization: Option<&str>) -> Result<HashMap<String, String>, AuthError> {
        let token = authorization
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Missing)?;
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid("algorithm must be RS256".into()));
        }
        let kid = header.kid.ok_or(AuthError::Malformed)?;
        if !self.keys.read().await.contains_key(&kid) {
            self.refresh_keys().await?;
        }
        let keys = self.keys.read().await;
        let key = keys.get(&kid).ok_or(AuthError::UnknownKey)?;
        let mut v = Validation::new(Algorithm::RS256);
        v.set_issuer(&[self.pool.issuer()]);
        v.validate_aud = false;
        v.leeway = 0;
        v.set_required_spec_claims(&["exp", "iss", "sub"]);
        let data = decode::<HashMap<String, Value>>(token, key, &v).map_err(|e| AuthError::Invalid(e.to_string()))?;
        let c = data.claims;
        let audience_ok = match c.get("token_use").and_then(Value::as_str) {
            Some("id") => c.get("aud").and_then(Value::as_str) == Some(self.pool.client_id.as_str()),
            Some("access") => c.get("client_id").and_then(Value::as_str) == Some(self.pool.client_id.as_str()),
            _ => return Err(AuthError::Invalid("token_use must be id or access".into())),
        };
        if !audience_ok {
            return Err(AuthError::WrongAudience);
        }
        Ok(c.into_iter()
            .map(|(k, v)| {
                let s = match v {
                    Value::String(s) => s,
                    Value::Array(a) => format!(
                        "[{}]",
                        a.iter()
                            .map(|x| x.as_str().map(str::to_owned).unwrap_or_else(|| x.to_string()))
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                    other => other.to_string(),
                };
                (k, s)
            })
            .collect())
    }
}
