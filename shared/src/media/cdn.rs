//! CloudFront signed URLs with a canned policy: the signer (functions that hand out media URLs)
//! and the verifier (the local gateway, which plays CloudFront's `/media/*` behaviour).
//!
//! A canned policy is `{"Statement":[{"Resource":"<url>","Condition":{"DateLessThan":
//! {"AWS:EpochTime":<expires>}}}]}` with no whitespace; the signature is over those bytes, and
//! the URL carries `Expires`, `Signature` (CloudFront's URL-safe base64: `+`→`-`, `=`→`_`,
//! `/`→`~`) and `Key-Pair-Id`. CloudFront accepts RSA-2048 and ECDSA P-256 keys; both are signed
//! here with SHA-256 (RSA PKCS#1 v1.5; ECDSA with the DER signature that OpenSSL and the JCA
//! write), which CloudFront is told by `Hash-Algorithm=SHA256` (without it CloudFront assumes
//! SHA-1). Pure: no I/O, the time is the caller's.
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair};
use base64::Engine;
use std::fmt;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a PEM block")]
    NotPem,
    #[error("PEM body is not base64")]
    BadBase64,
    #[error("not an RSA-2048 or ECDSA P-256 key")]
    Unsupported,
    #[error("signing failed")]
    Sign,
}

/// Why a signed URL is refused (the gateway answers 403 for each).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("the URL is not signed (Expires, Signature and Key-Pair-Id are required)")]
    Unsigned,
    #[error("the URL has expired")]
    Expired,
    #[error("the URL names an unknown key pair")]
    UnknownKey,
    #[error("the URL's signature does not match")]
    BadSignature,
}

/// CloudFront's URL-safe base64 of `bytes`.
pub fn cf_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

fn cf_unbase64(s: &str) -> Option<Vec<u8>> {
    let std: String = s
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    base64::engine::general_purpose::STANDARD.decode(std).ok()
}

/// The canned policy document CloudFront reconstructs from a signed URL.
pub fn canned_policy(resource: &str, expires: u64) -> String {
    let resource = serde_json::to_string(resource).expect("a string serializes");
    format!(r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{expires}}}}}}}]}}"#)
}

fn pem_der(pem: &str, labels: &[&str]) -> Result<(String, Vec<u8>), KeyError> {
    let pem = pem.trim();
    let begin = pem.strip_prefix("-----BEGIN ").ok_or(KeyError::NotPem)?;
    let (label, rest) = begin.split_once("-----").ok_or(KeyError::NotPem)?;
    if !labels.contains(&label) {
        return Err(KeyError::Unsupported);
    }
    let end = format!("-----END {label}-----");
    let body = rest.trim().strip_suffix(end.as_str()).ok_or(KeyError::NotPem)?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| KeyError::BadBase64)?;
    Ok((label.to_string(), der))
}

/// PEM of `der` under `label` (64-column lines).
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

enum Key {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

/// Signs canned-policy URLs with one key pair (the private key from Secrets Manager).
pub struct UrlSigner {
    key: Key,
    key_pair_id: String,
    rng: SystemRandom,
}

impl fmt::Debug for UrlSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.key {
            Key::Rsa(_) => "rsa",
            Key::Ecdsa(_) => "ecdsa-p256",
        };
        f.debug_struct("UrlSigner")
            .field("key", &kind)
            .field("key_pair_id", &self.key_pair_id)
            .finish()
    }
}

impl UrlSigner {
    /// From a PEM private key: PKCS#8 (`PRIVATE KEY`, RSA or EC), PKCS#1 (`RSA PRIVATE KEY`,
    /// what `openssl genrsa` writes) or SEC1 (`EC PRIVATE KEY`, what `openssl ecparam -genkey` writes).
    pub fn from_pem(pem: &str, key_pair_id: &str) -> Result<Self, KeyError> {
        let (label, der) = pem_der(pem, &["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"])?;
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => Key::Rsa(RsaKeyPair::from_der(&der).map_err(|_| KeyError::Unsupported)?),
            "EC PRIVATE KEY" => Key::Ecdsa(
                EcdsaKeyPair::from_private_key_der(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &der).map_err(|_| KeyError::Unsupported)?,
            ),
            _ => match RsaKeyPair::from_pkcs8(&der) {
                Ok(k) => Key::Rsa(k),
                Err(_) => Key::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, &der).map_err(|_| KeyError::Unsupported)?,
                ),
            },
        };
        if let Key::Rsa(k) = &key
            && k.public_modulus_len() != 256
        {
            return Err(KeyError::Unsupported);
        }
        Ok(Self {
            key,
            key_pair_id: key_pair_id.to_string(),
            rng: SystemRandom::new(),
        })
    }

    pub fn key_pair_id(&self) -> &str {
        &self.key_pair_id
    }

    /// Whether this is an RSA key (CloudFront takes RSA 2048 and ECDSA P-256).
    pub fn is_rsa(&self) -> bool {
        matches!(self.key, Key::Rsa(_))
    }

    /// The signature of `resource`'s canned policy, in CloudFront's base64.
    pub fn signature(&self, resource: &str, expires: u64) -> Result<String, KeyError> {
        let policy = canned_policy(resource, expires);
        let sig = match &self.key {
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &self.rng, policy.as_bytes(), &mut sig)
                    .map_err(|_| KeyError::Sign)?;
                sig
            }
            Key::Ecdsa(k) => k.sign(&self.rng, policy.as_bytes()).map_err(|_| KeyError::Sign)?.as_ref().to_vec(),
        };
        Ok(cf_base64(&sig))
    }

    /// `resource` (an absolute URL, its own query string included) signed until `expires`
    /// (seconds since the epoch).
    pub fn sign(&self, resource: &str, expires: u64) -> Result<String, KeyError> {
        let sig = self.signature(resource, expires)?;
        let sep = if resource.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{resource}{sep}Expires={expires}&Signature={sig}&Key-Pair-Id={}&Hash-Algorithm=SHA256",
            self.key_pair_id
        ))
    }
}

enum PublicKey {
    Rsa(ParsedPublicKey, ParsedPublicKey),
    Ecdsa(ParsedPublicKey),
}

/// Verifies signed URLs as CloudFront does, against the public keys of a key group.
pub struct UrlVerifier {
    keys: Vec<(String, PublicKey)>,
}

impl UrlVerifier {
    pub fn new() -> Self {
        Self { keys: Vec::new() }
    }

    /// Adds a public key (PEM `PUBLIC KEY`, SubjectPublicKeyInfo) under its key pair id.
    pub fn with_key(mut self, key_pair_id: &str, public_pem: &str) -> Result<Self, KeyError> {
        let (_, der) = pem_der(public_pem, &["PUBLIC KEY"])?;
        let key = match ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, &der) {
            Ok(k) => PublicKey::Ecdsa(k),
            Err(_) => PublicKey::Rsa(
                ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &der).map_err(|_| KeyError::Unsupported)?,
                ParsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY, &der).map_err(|_| KeyError::Unsupported)?,
            ),
        };
        self.keys.push((key_pair_id.to_string(), key));
        Ok(self)
    }

    /// Checks a request for `origin` + `path_and_query` (the origin as the signer saw it,
    /// e.g. `https://studio.example.com`) at `now` (seconds since the epoch). The resource is
    /// the URL without the signing parameters, the others kept in their order.
    pub fn verify(&self, origin: &str, path: &str, query: &str, now: u64) -> Result<(), VerifyError> {
        let (mut expires, mut sig, mut kid, mut hash) = (None, None, None, None);
        let mut rest: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "Expires" => expires = Some(v),
                "Signature" => sig = Some(v),
                "Key-Pair-Id" => kid = Some(v),
                "Hash-Algorithm" => hash = Some(v),
                _ => rest.push(pair),
            }
        }
        let (Some(expires), Some(sig), Some(kid)) = (expires, sig, kid) else {
            return Err(VerifyError::Unsigned);
        };
        let expires: u64 = expires.parse().map_err(|_| VerifyError::BadSignature)?;
        let sig = cf_unbase64(sig).ok_or(VerifyError::BadSignature)?;
        let key = self
            .keys
            .iter()
            .find(|(id, _)| id == kid)
            .map(|(_, k)| k)
            .ok_or(VerifyError::UnknownKey)?;
        let mut resource = format!("{origin}{path}");
        if !rest.is_empty() {
            resource.push('?');
            resource.push_str(&rest.join("&"));
        }
        let policy = canned_policy(&resource, expires);
        let sha256 = match hash {
            None | Some("SHA1") => false,
            Some("SHA256") => true,
            Some(_) => return Err(VerifyError::BadSignature),
        };
        let ok = match (key, sha256) {
            (PublicKey::Rsa(k, _), true) => k.verify_sig(policy.as_bytes(), &sig).is_ok(),
            (PublicKey::Rsa(_, k), false) => k.verify_sig(policy.as_bytes(), &sig).is_ok(),
            (PublicKey::Ecdsa(k), true) => k.verify_sig(policy.as_bytes(), &sig).is_ok(),
            (PublicKey::Ecdsa(_), false) => false,
        };
        if !ok {
            return Err(VerifyError::BadSignature);
        }
        // Checked after the signature, so an altered Expires reads as tampering, not expiry.
        if now >= expires {
            return Err(VerifyError::Expired);
        }
        Ok(())
    }
}

impl Default for UrlVerifier {
    fn default() -> Self {
        Self::new()
    }
}

/// The expiry of a URL signed at `now` for about `ttl`: rounded down to a multiple of `window`,
/// so every URL of an object signed within one window is the same (a reload hits the browser's
/// cache, and a signature cache can serve it). The URL lives between `ttl - window` and `ttl`.
pub fn rounded_expiry(now: u64, ttl: u64, window: u64) -> u64 {
    let window = window.clamp(1, ttl.max(1));
    (now + ttl) / window * window
}

/// A fresh key pair as (private PKCS#8 PEM, public SubjectPublicKeyInfo PEM): the local stack's
/// dev key and the tests'. In AWS the key pair is made with openssl (docs/deploy.md).
pub fn generate_key_pair(kind: KeyKind) -> Result<(String, String), KeyError> {
    use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
    match kind {
        KeyKind::EcdsaP256 => {
            let k = EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_ASN1_SIGNING).map_err(|_| KeyError::Sign)?;
            let private = k.to_pkcs8v1().map_err(|_| KeyError::Sign)?;
            let public: PublicKeyX509Der = k.public_key().as_der().map_err(|_| KeyError::Sign)?;
            Ok((to_pem("PRIVATE KEY", private.as_ref()), to_pem("PUBLIC KEY", public.as_ref())))
        }
        KeyKind::Rsa2048 => {
            let k = RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).map_err(|_| KeyError::Sign)?;
            let private: Pkcs8V1Der = k.as_der().map_err(|_| KeyError::Sign)?;
            let public: PublicKeyX509Der = k.public_key().as_der().map_err(|_| KeyError::Sign)?;
            Ok((to_pem("PRIVATE KEY", private.as_ref()), to_pem("PUBLIC KEY", public.as_ref())))
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Rsa2048,
    EcdsaP256,
}

#[cfg(test)]
#[path = "cdn_tests.rs"]
mod tests;
