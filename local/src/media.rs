//! The local CloudFront `/media/*` behaviour: checks the signed URL (canned policy, the same
//! format and key group check as CloudFront, shared::media::cdn) with the dev key pair's public
//! key, then serves the object from the emulator's media bucket, honouring
//! `response-content-disposition` as S3 does behind CloudFront. Missing, expired or altered
//! signatures get 403 in api.md's error shape, and so does a missing object: the origin access
//! may not list the bucket (crate::iam::CLOUDFRONT).
use crate::BoxError;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shared::config::Config;
use shared::media::cdn::UrlVerifier;

pub const PREFIX: &str = "/media/";

pub struct MediaOrigin {
    verifier: UrlVerifier,
    /// `scheme://host[:port]` of the media base URL, as the signer saw it.
    origin: String,
    s3: aws_sdk_s3::Client,
    bucket: String,
}

impl MediaOrigin {
    pub fn new(config: &Config, key_pair_id: &str, public_pem: &str, s3: aws_sdk_s3::Client) -> Result<Self, BoxError> {
        let base = url::Url::parse(&config.media_base_url)?;
        if base.path().trim_end_matches('/') != PREFIX.trim_end_matches('/') {
            return Err(format!("the local gateway serves media at {PREFIX}, not {}", base.path()).into());
        }
        Ok(Self {
            verifier: UrlVerifier::new().with_key(key_pair_id, public_pem)?,
            origin: base.origin().ascii_serialization(),
            s3,
            bucket: config.media_bucket.clone(),
        })
    }

    pub async fn serve(&self, path: &str, query: &str) -> Response {
        let now = shared::clock::now().timestamp().max(0) as u64;
        if let Err(e) = self.verifier.verify(&self.origin, path, query, now) {
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
