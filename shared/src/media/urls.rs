//! Signed media URLs as the API hands them out: `{media_base_url}/{key}` signed for CloudFront
//! (media::cdn), with the signer and the signatures cached per container.
//!
//! The expiry is rounded down to a quarter of the lifetime (cdn::rounded_expiry), and a URL
//! signed once is kept until it expires: within one window every listing of an object returns
//! the same URL, so a gallery reload is served from the browser's cache, and a page costs a
//! hash lookup per URL instead of a signature (docs/benchmarks.md "Media URL signing").
use super::cdn::{KeyError, UrlSigner, rounded_expiry};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// At most this many URLs are cached; past it, expired ones are dropped (and, if all are
/// live, the whole cache: it only saves work).
const MAX_CACHED: usize = 20_000;

#[derive(Debug, Default)]
pub struct MediaUrls {
    /// The private key's PEM (as last fetched) and the signer made from it.
    signer: Mutex<Option<(String, Arc<UrlSigner>)>>,
    /// (resource, expires) -> signed URL.
    signed: Mutex<HashMap<(String, u64), String>>,
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
    /// The signer for this PEM: parsed once, again only when the secret's value changes
    /// (rotation, docs/deploy.md).
    pub fn signer(&self, pem: &str, key_pair_id: &str) -> Result<Arc<UrlSigner>, KeyError> {
        let mut slot = self.signer.lock().expect("signer lock");
        if let Some((p, s)) = slot.as_ref()
            && p == pem
            && s.key_pair_id() == key_pair_id
        {
            return Ok(s.clone());
        }
        let s = Arc::new(UrlSigner::from_pem(pem, key_pair_id)?);
        *slot = Some((pem.to_string(), s.clone()));
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
        let cache_key = (resource, expires);
        if let Some(u) = self.signed.lock().expect("url cache lock").get(&cache_key) {
            return Ok(u.clone());
        }
        let url = signer.sign(&cache_key.0, expires)?;
        let mut cache = self.signed.lock().expect("url cache lock");
        if cache.len() >= MAX_CACHED {
            cache.retain(|(_, e), _| *e > now);
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

    #[test]
    fn a_url_is_reused_within_its_window_and_verifies() {
        let (private, public) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let urls = MediaUrls::default();
        let s = urls.signer(&private, "K1").unwrap();
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

    #[test]
    fn a_new_key_replaces_the_signer_and_its_urls() {
        let (k1, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let (k2, p2) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
        let urls = MediaUrls::default();
        let s1 = urls.signer(&k1, "K1").unwrap();
        let a = urls.url(&s1, "https://x/media", "k", None, 100, 3600).unwrap();
        let s2 = urls.signer(&k2, "K2").unwrap();
        let b = urls.url(&s2, "https://x/media", "k", None, 100, 3600).unwrap();
        assert_ne!(a, b);
        assert!(b.contains("Key-Pair-Id=K2"));
        let v = UrlVerifier::new().with_key("K2", &p2).unwrap();
        let (path, query) = b.strip_prefix("https://x").unwrap().split_once('?').unwrap();
        v.verify("https://x", path, query, 100).unwrap();
    }
}
