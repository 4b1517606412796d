//! Secrets Manager with a per-container cache: each secret is fetched on first use (not at
//! init) and kept for `ttl`, so a rotated value is picked up without a redeploy.
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("secret {id}: {source}")]
    Aws {
        id: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("secret {0} has no string value")]
    Empty(String),
}

/// `Debug` names the cached secrets, never their values.
pub struct Secrets {
    client: crate::lazy::Lazy<aws_sdk_secretsmanager::Client>,
    ttl: Duration,
    cache: Mutex<HashMap<String, (String, Instant)>>,
    fetches: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cached: Vec<String> = self.cache.try_lock().map(|c| c.keys().cloned().collect()).unwrap_or_default();
        f.debug_struct("Secrets")
            .field("ttl", &self.ttl)
            .field("cached", &cached)
            .field("fetches", &self.fetches())
            .finish()
    }
}

impl Secrets {
    pub fn new(client: crate::lazy::Lazy<aws_sdk_secretsmanager::Client>, ttl: Duration) -> Self {
        Self {
            client,
            ttl,
            cache: Mutex::new(HashMap::new()),
            fetches: Default::default(),
        }
    }

    pub async fn get(&self, id: &str) -> Result<String, SecretError> {
        let mut cache = self.cache.lock().await;
        if let Some((v, at)) = cache.get(id)
            && at.elapsed() < self.ttl
        {
            return Ok(v.clone());
        }
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out = self
            .client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| SecretError::Aws {
                id: id.to_string(),
                source: Box::new(e),
            })?;
        let v = out
            .secret_string
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| SecretError::Empty(id.to_string()))?;
        let v = v.trim().to_string();
        cache.insert(id.to_string(), (v.clone(), Instant::now()));
        Ok(v)
    }

    /// How many times a secret was read from Secrets Manager (each costs money and throttle).
    pub fn fetches(&self) -> u64 {
        self.fetches.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Drops a cached value (e.g. after a signature failed: the secret may have rotated).
    pub async fn forget(&self, id: &str) {
        self.cache.lock().await.remove(id);
    }

    /// Drops a cached value only if it was fetched at least `min_age` ago, and says whether it
    /// did. Callers that re-read on a failure anyone can cause use this, so failures can't turn
    /// into a stream of Secrets Manager calls.
    pub async fn forget_if_older(&self, id: &str, min_age: Duration) -> bool {
        let mut cache = self.cache.lock().await;
        match cache.get(id) {
            Some((_, at)) if at.elapsed() < min_age => false,
            _ => {
                cache.remove(id);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn debug_names_the_secrets_and_hides_their_values() {
        let secrets = Secrets::new(
            crate::lazy::Lazy::new(|| unreachable!("no Secrets Manager call in this test")),
            Duration::from_secs(600),
        );
        let value = r#"{"key_pair_id":"K1","private_key":"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----"}"#;
        secrets
            .cache
            .lock()
            .await
            .insert("vn/media_signing_key".into(), (value.into(), Instant::now()));
        assert_eq!(secrets.get("vn/media_signing_key").await.unwrap(), value);
        let shown = format!("{secrets:?}");
        assert!(shown.contains("vn/media_signing_key"), "{shown}");
        assert!(!shown.contains("MIGHAgEAMBMG") && !shown.contains("PRIVATE"), "{shown}");
    }
}
