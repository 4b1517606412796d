//! Operator reports in the media bucket, outside `users/`: each function that writes one
//! writes under its own `reports/<function>/` only (routes.json `"reports"` access; its role
//! may put objects there and nowhere else of the prefix).
use super::{Media, MediaError, aws};
use aws_sdk_s3::primitives::ByteStream;

/// Where reports live in the media bucket.
pub const REPORTS_PREFIX: &str = "reports/";

/// The key of the report `file` of `function`: `reports/<function>/<file>`.
pub fn report_key(function: &str, file: &str) -> String {
    format!("{REPORTS_PREFIX}{function}/{file}")
}

impl Media {
    /// Stores a report (JSON lines) as `reports/<function>/<file>`.
    pub async fn put_report(&self, function: &str, file: &str, body: Vec<u8>) -> Result<String, MediaError> {
        let key = report_key(function, file);
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(report_key(function, file))
            .content_type("application/x-ndjson")
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(aws("put report"))?;
        Ok(key)
    }
}
