//! The media signing key as the `media_signing_key` secret holds it: one JSON object,
//! `{"key_pair_id": "K2JCJMDEHXQW5F", "private_key": "-----BEGIN PRIVATE KEY-----\n…"}`, so the
//! id a URL names (`Key-Pair-Id`) and the key that signs it always change together: a rotation
//! is one `put-secret-value` (docs/deploy.md), never a signature under another key's id.
//!
//! Neither the secret nor the private key is ever printed: `Debug` shows the id only, and no
//! error carries any of the secret's text (a JSON parser's message would quote it).
use super::cdn::{KeyError, UrlSigner};
use std::fmt;

/// Why the secret can't be used; each message says what to put there instead.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SigningKeyError {
    #[error("the secret is not a JSON object {{\"key_pair_id\", \"private_key\"}} (a bare PEM is the old format: docs/deploy.md)")]
    NotJson,
    #[error("the secret's JSON has no string \"{0}\"")]
    Missing(&'static str),
    #[error("the secret's key_pair_id is not a CloudFront public key id (letters and digits)")]
    BadKeyPairId,
    #[error("the secret's private_key: {0}")]
    Key(#[from] KeyError),
    /// CloudFront accepts RSA 2048 too, but an RSA signature costs several times an ECDSA one:
    /// a full board's 1,000 URLs would take about 12 s at 128 MB, past boards-get's timeout
    /// (shared::budget, docs/aws-limits.md).
    #[error("the secret's private_key is an RSA key: media URLs are signed with ECDSA P-256 keys only (docs/deploy.md)")]
    RsaRefused,
}

/// A CloudFront public key's id and the private half of that key pair (PEM).
#[derive(Clone, PartialEq, Eq)]
pub struct MediaSigningKey {
    key_pair_id: String,
    private_key: String,
}

impl fmt::Debug for MediaSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaSigningKey")
            .field("key_pair_id", &self.key_pair_id)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl MediaSigningKey {
    pub fn new(key_pair_id: &str, private_key: &str) -> Result<Self, SigningKeyError> {
        // It goes into every URL unencoded, and CloudFront's ids are upper-case letters and digits.
        if key_pair_id.is_empty() || key_pair_id.len() > 128 || !key_pair_id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(SigningKeyError::BadKeyPairId);
        }
        Ok(Self {
            key_pair_id: key_pair_id.to_string(),
            private_key: private_key.to_string(),
        })
    }

    /// The secret's value, as fetched from Secrets Manager.
    pub fn parse(secret: &str) -> Result<Self, SigningKeyError> {
        let v: serde_json::Value = serde_json::from_str(secret).map_err(|_| SigningKeyError::NotJson)?;
        let obj = v.as_object().ok_or(SigningKeyError::NotJson)?;
        let field = |k: &'static str| obj.get(k).and_then(|v| v.as_str()).ok_or(SigningKeyError::Missing(k));
        Self::new(field("key_pair_id")?.trim(), field("private_key")?)
    }

    /// The value to store in the secret (the local bootstrap, tests; docs/deploy.md builds the
    /// same with `jq`).
    pub fn to_secret_string(&self) -> String {
        serde_json::json!({ "key_pair_id": self.key_pair_id, "private_key": self.private_key }).to_string()
    }

    pub fn key_pair_id(&self) -> &str {
        &self.key_pair_id
    }

    /// The signer: this key, under this id. ECDSA P-256 only ([`SigningKeyError::RsaRefused`]).
    pub fn signer(&self) -> Result<UrlSigner, SigningKeyError> {
        let signer = UrlSigner::from_pem(&self.private_key, &self.key_pair_id)?;
        if signer.is_rsa() {
            return Err(SigningKeyError::RsaRefused);
        }
        Ok(signer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::cdn::{KeyKind, UrlVerifier, generate_key_pair};

    fn body(pem: &str) -> &str {
        // A line of the key's base64 body: what must never appear in output.
        pem.lines().nth(1).unwrap()
    }

    #[test]
    fn the_id_and_the_key_come_from_one_secret() {
        let (private, public) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let secret = serde_json::json!({ "key_pair_id": "K2JCJMDEHXQW5F", "private_key": private }).to_string();
        let key = MediaSigningKey::parse(&secret).unwrap();
        assert_eq!(key.key_pair_id(), "K2JCJMDEHXQW5F");
        let url = key.signer().unwrap().sign("https://x.example/media/users/u/a.png", 100).unwrap();
        assert!(url.contains("&Key-Pair-Id=K2JCJMDEHXQW5F&"), "{url}");
        let (path, query) = url.strip_prefix("https://x.example").unwrap().split_once('?').unwrap();
        UrlVerifier::new()
            .with_key("K2JCJMDEHXQW5F", &public)
            .unwrap()
            .verify("https://x.example", path, query, 99)
            .unwrap();
        // What the bootstrap stores reads back as the same key.
        assert_eq!(MediaSigningKey::parse(&key.to_secret_string()).unwrap(), key);
    }

    #[test]
    fn unusable_secrets_are_refused_with_what_is_wrong() {
        let (private, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let with = |id: serde_json::Value, pk: serde_json::Value| serde_json::json!({ "key_pair_id": id, "private_key": pk }).to_string();
        let cases = [
            // The old format: the PEM alone, its id in the environment.
            (private.clone(), SigningKeyError::NotJson),
            (serde_json::to_string(&private).unwrap(), SigningKeyError::NotJson),
            (
                serde_json::json!({ "private_key": private }).to_string(),
                SigningKeyError::Missing("key_pair_id"),
            ),
            (
                serde_json::json!({ "key_pair_id": "K1" }).to_string(),
                SigningKeyError::Missing("private_key"),
            ),
            (with(5.into(), private.clone().into()), SigningKeyError::Missing("key_pair_id")),
            (with("".into(), private.clone().into()), SigningKeyError::BadKeyPairId),
            (with("K1&Expires=9".into(), private.clone().into()), SigningKeyError::BadKeyPairId),
        ];
        for (secret, want) in cases {
            let err = MediaSigningKey::parse(&secret).unwrap_err();
            assert_eq!(err, want, "{secret}");
            assert!(!err.to_string().contains(body(&private)), "{err}");
        }
        let not_a_key = with("K1".into(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----".into());
        let err = MediaSigningKey::parse(&not_a_key).unwrap().signer().unwrap_err();
        assert!(matches!(err, SigningKeyError::Key(_)), "{err}");
    }

    #[test]
    fn neither_debug_nor_errors_show_the_private_key() {
        let (private, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let key = MediaSigningKey::new("K1", &private).unwrap();
        let shown = format!("{key:?} {:?}", key.signer().unwrap());
        assert!(shown.contains("K1"), "{shown}");
        assert!(!shown.contains(body(&private)) && !shown.contains("PRIVATE KEY"), "{shown}");
        // A JSON error would quote the text it choked on: ours never does.
        let broken = format!("{{\"key_pair_id\": \"K1\", \"private_key\": {private}}}");
        let err = MediaSigningKey::parse(&broken).unwrap_err();
        assert!(!format!("{err} {err:?}").contains(body(&private)), "{err}");
    }
}
