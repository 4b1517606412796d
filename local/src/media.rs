//! The local CloudFront `/media/*` behaviour: checks the signed URL (canned policy, the same
//! format and key group check as CloudFront, shared::media::cdn) against every public key of
//! its key group, then serves the object from the emulator's media bucket, honouring
//! `response-content-disposition` as S3 does behind CloudFront. Missing, expired or altered
//! signatures get 403 in api.md's error shape, and so does a missing object: the origin access
//! may not list the bucket (crate::iam::CLOUDFRONT).
use crate::BoxError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::config::Config;
use shared::media::cdn::{KeyError, UrlVerifier};
use std::sync::{Arc, RwLock};

pub const PREFIX: &str = "/media/";

/// The public keys the local `/media/*` behaviour trusts, as CloudFront's key group: a URL
/// verifies with the key its `Key-Pair-Id` names, if that key is in the group. Two keys while
/// one is rotated (docs/deploy.md). Clones share the group: the bootstrap fills it, the gateway
/// checks against it, and a test rotates it while the stack runs.
#[derive(Clone, Default)]
pub struct KeyGroup(Arc<RwLock<Keys>>);

#[derive(Default)]
struct Keys {
    /// (id, public key PEM), in the order they were added.
    pems: Vec<(String, String)>,
    verifier: UrlVerifier,
}

impl KeyGroup {
    /// Adds a public key (PEM `PUBLIC KEY`) under its id.
    pub fn trust(&self, key_pair_id: &str, public_pem: &str) -> Result<(), KeyError> {
        let mut keys = self.0.write().expect("key group lock");
        let mut pems = keys.pems.clone();
        pems.retain(|(id, _)| id != key_pair_id);
        pems.push((key_pair_id.to_string(), public_pem.to_string()));
        *keys = Keys::new(pems)?;
        Ok(())
    }

    /// Removes a key: URLs that name it are refused from now on.
    pub fn remove(&self, key_pair_id: &str) {
        let mut keys = self.0.write().expect("key group lock");
        let mut pems = std::mem::take(&mut keys.pems);
        pems.retain(|(id, _)| id != key_pair_id);
        *keys = Keys::new(pems).expect("the remaining keys parsed before");
    }

    pub fn ids(&self) -> Vec<String> {
        self.0
            .read()
            .expect("key group lock")
            .pems
            .iter()
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn verify(&self, origin: &str, path: &str, query: &str, now: u64) -> Result<(), shared::media::cdn::VerifyError> {
        self.0.read().expect("key group lock").verifier.verify(origin, path, query, now)
    }
}

impl Keys {
    fn new(pems: Vec<(String, String)>) -> Result<Self, KeyError> {
        let mut verifier = UrlVerifier::new();
        for (id, pem) in &pems {
            verifier = verifier.with_key(id, pem)?;
        }
        Ok(Self { pems, verifier })
    }
}

impl std::fmt::Debug for KeyGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("KeyGroup").field(&self.ids()).finish()
    }
}

pub struct MediaOrigin {
    keys: KeyGroup,
    /// `scheme://host[:port]` of the media base URL, as the signer saw it.
    origin: String,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl MediaOrigin {
    pub fn new(config: &Config, keys: KeyGroup, s3: aws_sdk_s3::Client) -> Result<Self, BoxError> {
        let base = url::Url::parse(&config.media_base_url)?;
        if base.path().trim_end_matches('/') != PREFIX.trim_end_matches('/') {
            return Err(format!("the local gateway serves media at {PREFIX}, not {}", base.path()).into());
        }
        Ok(Self {
            keys,
            origin: base.origin().ascii_serialization(),
            s3,
            bucket: config.media_bucket.clone(),
        })
    }

    pub async fn serve(&self, path: &str, query: &str) -> Response {
        let now = shared::clock::now().timestamp().max(0) as u64;
        if let Err(e) = self.keys.verify(&self.origin, path, query, now) {
            tracing::info!(error = %e, "media URL refused");
            return forbidden(&e.to_string());
        }
        let Some(key) = path.strip_prefix(PREFIX) else {
            return forbidden("not a media path");
        };
        let key = match percent_decode(key) {
            Some(k) => k,
            None => return forbidden("not a media path"),
        };
        let mut req = self.s3.get_object().bucket(&self.bucket).key(&key);
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if k == "response-content-disposition" {
                req = req.response_content_disposition(v.into_owned());
            }
        }
        let out = match req.send().await {
            Ok(o) => o,
            Err(e) => {
                // CloudFront's origin access may not list the bucket, so S3 answers a missing
                // object with 403, which CloudFront passes on (docs/aws-limits.md).
                let status = e.raw_response().map(|r| r.status().as_u16());
                return if matches!(status, Some(403 | 404)) {
                    forbidden("media not found or not yours")
                } else {
                    tracing::error!(error = %e, "media get object");
                    error(StatusCode::BAD_GATEWAY, "internal", "internal error")
                };
            }
        };
        let content_type = out.content_type.clone();
        let disposition = out.content_disposition.clone();
        let bytes = match out.body.collect().await {
            Ok(b) => b.into_bytes(),
            Err(e) => {
                tracing::error!(error = %e, "media read object");
                return error(StatusCode::BAD_GATEWAY, "internal", "internal error");
            }
        };
        let mut r = Response::new(axum::body::Body::from(bytes));
        let h = r.headers_mut();
        if let Some(v) = content_type.and_then(|v| HeaderValue::from_str(&v).ok()) {
            h.insert("content-type", v);
        }
        if let Some(v) = disposition.and_then(|v| HeaderValue::from_str(&v).ok()) {
            h.insert("content-disposition", v);
        }
        h.insert("cache-control", HeaderValue::from_static("private, max-age=3600"));
        r
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes: Vec<u8> = url::form_urlencoded::parse(format!("k={}", s.replace('+', "%2B")).as_bytes())
        .next()?
        .1
        .into_owned()
        .into_bytes();
    String::from_utf8(bytes).ok()
}

fn forbidden(message: &str) -> Response {
    error(StatusCode::FORBIDDEN, "forbidden", message)
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "error": { "code": code, "message": message } });
    (status, axum::Json(body)).into_response()
}
