//! Signed media URLs as the API hands them out: `{media_base_url}/{key}` signed for CloudFront
//! (media::cdn), with the signer and the signatures cached per container.
//!
//! The expiry is rounded down to a quarter of the lifetime (cdn::rounded_expiry), and a URL
//! signed once is kept until it expires: within one window every listing of an object returns
//! the same URL, so a gallery reload is served from the browser's cache, and a page costs a
//! hash lookup per URL instead of a signature (docs/benchmarks.md "Media URL signing").
//!
//! The signer comes from the `media_signing_key` secret, which holds the key pair's id and its
//! private key together (super::signing_key): a rotated secret changes both at once.
use super::cdn::{KeyError, UrlSigner, rounded_expiry};
use super::signing_key::{MediaSigningKey, SigningKeyError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// At most this many URLs are cached; past it, expired ones are dropped (and, if all are
/// live, the whole cache: it only saves work).
const MAX_CACHED: usize = 20_000;

#[derive(Default)]
pub struct MediaUrls {
    /// The SHA-256 of the secret's value as last fetched (not the value: nothing here holds a
    /// copy of the key but the signer), and the signer made from it.
    signer: Mutex<Option<([u8; 32], Arc<UrlSigner>)>>,
    /// (key pair id, resource, expires) -> signed URL.
    signed: Mutex<HashMap<(String, String, u64), String>>,
}

impl fmt::Debug for MediaUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signer = self
            .signer
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|(_, s)| s.key_pair_id().to_string()));
        let cached = self.signed.lock().map(|c| c.len()).unwrap_or(0);
        f.debug_struct("MediaUrls")
            .field("key_pair_id", &signer)
            .field("cached_urls", &cached)
            .finish()
    }
}

/// `attachment; filename="<name>"` for S3's `response-content-disposition`, percent-encoded
/// (RFC 3986 unreserved characters kept; the name is reduced to `[A-Za-z0-9._-]`).
pub fn disposition_query(name: &str) -> String {
    let safe: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    format!(
        "response-content-disposition={}",
        percent_encode(&format!("attachment; filename=\"{safe}\""))
    )
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl MediaUrls {
    /// The signer for the `media_signing_key` secret's value (`{key_pair_id, private_key}`):
    /// parsed once, again only when the value changes (rotation, docs/deploy.md).
    pub fn signer(&self, secret: &str) -> Result<Arc<UrlSigner>, SigningKeyError> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let mut slot = self.signer.lock().expect("signer lock");
        if let Some((d, s)) = slot.as_ref()
            && *d == digest
        {
            return Ok(s.clone());
        }
        let s = Arc::new(MediaSigningKey::parse(secret)?.signer()?);
        *slot = Some((digest, s.clone()));
        self.signed.lock().expect("url cache lock").clear();
        Ok(s)
    }

    /// `{base}/{key}` (with `download_as`: an attachment named so) signed at `now` for `ttl`
    /// seconds, the expiry rounded down to a quarter of `ttl`.
    pub fn url(
        &self,
        signer: &UrlSigner,
        base: &str,
        key: &str,
        download_as: Option<&str>,
        now: u64,
        ttl: u64,
    ) -> Result<String, KeyError> {
        let mut resource = format!("{base}/{key}");
        if let Some(name) = download_as {
            resource.push('?');
            resource.push_str(&disposition_query(name));
        }
        let expires = rounded_expiry(now, ttl, ttl / 4);
        // Keyed by the signer's id too: a request that still holds the previous signer (a
        // rotation happened meanwhile) can't hand its URL to one that has the new signer.
        let cache_key = (signer.key_pair_id().to_string(), resource, expires);
        if let Some(u) = self.signed.lock().expect("url cache lock").get(&cache_key) {
            return Ok(u.clone());
        }
        let url = signer.sign(&cache_key.1, expires)?;
        let mut cache = self.signed.lock().expect("url cache lock");
        if cache.len() >= MAX_CACHED {
            cache.retain(|(_, _, e), _| *e > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(cache_key, url.clone());
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::cdn::{KeyKind, UrlVerifier, generate_key_pair};

    fn secret(id: &str, private: &str) -> String {
        MediaSigningKey::new(id, private).unwrap().to_secret_string()
    }

    fn verify(v: &UrlVerifier, url: &str, now: u64) -> Result<(), crate::media::cdn::VerifyError> {
        let (origin_path, query) = url.split_once('?').unwrap();
        let path = &origin_path["https://x".len()..];
        v.verify("https://x", path, query, now)
    }

    #[test]
    fn a_url_is_reused_within_its_window_and_verifies() {
        let (private, public) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let urls = MediaUrls::default();
        let s = urls.signer(&secret("K1", &private)).unwrap();
        let base = "https://studio.example.com/media";
        let now = 1_800_000_000;
        let a = urls.url(&s, base, "users/u/assets/a.png", None, now, 3600).unwrap();
        let b = urls.url(&s, base, "users/u/assets/a.png", None, now + 60, 3600).unwrap();
        assert_eq!(a, b, "ECDSA is randomized: only the cache makes a reload's URL the same");
        let d = urls.url(&s, base, "users/u/assets/a.png", Some("cat <1>.png"), now, 3600).unwrap();
        assert!(
            d.contains("?response-content-disposition=attachment%3B%20filename%3D%22cat1.png%22&Expires="),
            "{d}"
        );
        let v = UrlVerifier::new().with_key("K1", &public).unwrap();
        for u in [&a, &d] {
            let (path, query) = u.strip_prefix("https://studio.example.com").unwrap().split_once('?').unwrap();
            v.verify("https://studio.example.com", path, query, now).unwrap();
            assert!(v.verify("https://studio.example.com", path, query, now + 3600).is_err());
        }
    }

    /// A rotation: the secret changes from key 1 to key 2 while CloudFront's key group trusts
    /// both. Every URL names the key that signed it, so old and new URLs both verify.
    #[test]
    fn a_rotated_secret_signs_with_the_new_key_under_the_new_id() {
        let (k1, p1) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let (k2, p2) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let urls = MediaUrls::default();
        let s1 = urls.signer(&secret("K1", &k1)).unwrap();
        let a = urls.url(&s1, "https://x/media", "k", None, 100, 3600).unwrap();
        // The same value again is the same signer (no parse), and the same URL.
        assert!(Arc::ptr_eq(&s1, &urls.signer(&secret("K1", &k1)).unwrap()));
        let s2 = urls.signer(&secret("K2", &k2)).unwrap();
        assert_eq!(s2.key_pair_id(), "K2");
        let b = urls.url(&s2, "https://x/media", "k", None, 100, 3600).unwrap();
        assert!(a.contains("Key-Pair-Id=K1&") && b.contains("Key-Pair-Id=K2&"), "{a} {b}");
        // A request still holding the old signer gets its own URL, and never passes it on.
        assert!(
            urls.url(&s1, "https://x/media", "k", None, 100, 3600)
                .unwrap()
                .contains("Key-Pair-Id=K1&")
        );
        assert_eq!(urls.url(&s2, "https://x/media", "k", None, 100, 3600).unwrap(), b);
        let both = UrlVerifier::new().with_key("K1", &p1).unwrap().with_key("K2", &p2).unwrap();
        verify(&both, &a, 100).unwrap();
        verify(&both, &b, 100).unwrap();
        // Once the old key leaves the key group, only its URLs stop working.
        let new_only = UrlVerifier::new().with_key("K2", &p2).unwrap();
        assert!(verify(&new_only, &a, 100).is_err());
        verify(&new_only, &b, 100).unwrap();
    }

    /// Media URLs are signed with ECDSA P-256 only: an RSA key would make a full board's 1,000
    /// signatures take about 12 s at 128 MB (shared::budget).
    #[test]
    fn an_rsa_key_is_refused() {
        let (rsa, _) = generate_key_pair(KeyKind::Rsa2048).unwrap();
        let urls = MediaUrls::default();
        assert_eq!(urls.signer(&secret("K1", &rsa)).unwrap_err(), SigningKeyError::RsaRefused);
    }

    #[test]
    fn a_bad_secret_is_an_error_and_keeps_nothing() {
        let (k1, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let urls = MediaUrls::default();
        assert_eq!(urls.signer(&k1).unwrap_err(), SigningKeyError::NotJson);
        let s = urls.signer(&secret("K1", &k1)).unwrap();
        urls.url(&s, "https://x/media", "k", None, 100, 3600).unwrap();
        let shown = format!("{urls:?}");
        assert!(shown.contains("K1") && !shown.contains(k1.lines().nth(1).unwrap()), "{shown}");
    }
}
