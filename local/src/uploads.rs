//! The local CloudFront `/upload` behaviour: the upload form's POST (the presigned POST of
//! `/api/uploads`) passed on to S3's POST Object at the media bucket, as CloudFront passes it to
//! the bucket's endpoint in AWS. Nothing is added: the emulator authorizes the form by its own
//! fields, so the page talks only to its own origin and the CSP names no S3 host.
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

pub const PATH: &str = "/upload";

/// The largest form: an upload (20 MiB) and its fields.
pub const MAX_FORM_BYTES: usize = shared::domain::upload::MAX_UPLOAD_BYTES as usize + 1024 * 1024;

pub struct UploadOrigin {
    /// S3's POST Object URL of the media bucket (path style, the emulator).
    target: String,
    http: reqwest::Client,
}

impl UploadOrigin {
    pub fn new(s3_endpoint: &str, bucket: &str, http: reqwest::Client) -> Self {
        Self {
            target: format!("{}/{bucket}", s3_endpoint.trim_end_matches('/')),
            http,
        }
    }

    pub async fn forward(&self, headers: &HeaderMap, body: Bytes) -> Response {
        let mut req = self.http.post(&self.target).body(body);
        if let Some(ct) = headers.get("content-type").and_then(|v| v.to_str().ok()) {
            req = req.header("content-type", ct);
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "upload origin unreachable");
                return StatusCode::BAD_GATEWAY.into_response();
            }
        };
        let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
        let keep: Vec<(String, HeaderValue)> = ["content-type", "etag", "location"]
            .iter()
            .filter_map(|h| {
                let v = resp.headers().get(*h)?.to_str().ok()?;
                Some((h.to_string(), HeaderValue::from_str(v).ok()?))
            })
            .collect();
        let bytes = resp.bytes().await.unwrap_or_default();
        let mut out = (status, bytes).into_response();
        for (k, v) in keep {
            if let Ok(name) = axum::http::HeaderName::from_bytes(k.as_bytes()) {
                out.headers_mut().insert(name, v);
            }
        }
        out
    }
}
