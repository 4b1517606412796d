//! Media: S3 keys, signed URLs, and the safe copy of provider outputs.
pub mod cdn;
mod fetch;
pub mod mp4;
pub mod post_policy;
pub mod public_addr;
#[cfg(feature = "aws")]
mod purge;
#[cfg(feature = "aws")]
pub mod reports;
pub mod signing_key;
mod sniff;
#[cfg(feature = "aws")]
mod stream;
#[cfg(feature = "aws")]
mod uploads;
pub mod urls;
#[cfg(feature = "aws")]
pub mod zipped;

pub use fetch::{FetchError, check_origin, download_client};
pub use mp4::{Mp4Error, Mp4Scanner, VideoInfo};
#[cfg(feature = "aws")]
pub use purge::user_prefix;
pub use sniff::{HeaderSniff, ImageInfo, SniffError, TAIL_BYTES, check_ending, sniff_header, sniff_image};
#[cfg(feature = "aws")]
pub use stream::{COPY_HELD_BYTES, PART_BYTES, StreamError, StreamedImage, StreamedVideo, stream_image, stream_video};
#[cfg(feature = "aws")]
pub use uploads::{ObjectHead, PresignedPost};

use crate::domain::{AssetId, UserId};
#[cfg(feature = "aws")]
use aws_sdk_s3::presigning::PresigningConfig;
#[cfg(feature = "aws")]
use aws_sdk_s3::primitives::ByteStream;
#[cfg(feature = "aws")]
use std::time::Duration;

#[cfg(feature = "aws")]
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("s3 {op}: {source}")]
    Aws {
        op: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No such object. S3 says 404 only to a caller that may `s3:ListBucket`; no function may,
    /// so S3 answers a missing key with 403 AccessDenied (S3 HeadObject API reference,
    /// "Permissions"), and both mean this here (docs/aws-limits.md).
    #[error("s3 {0}: no such object")]
    Missing(&'static str),
    /// The object is no longer the version a condition named (412 on `If-Match`).
    #[error("s3 {0}: the object changed")]
    Changed(&'static str),
}

/// What an S3 error status means for a read of one object: missing (404, or 403 to a role that
/// may not list the bucket), changed (412), or another failure.
#[cfg(feature = "aws")]
fn object_error<E>(op: &'static str) -> impl FnOnce(aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> MediaError
where
    E: std::error::Error + Send + Sync + 'static,
{
    move |e| match e.raw_response().map(|r| r.status().as_u16()) {
        Some(403 | 404) => MediaError::Missing(op),
        Some(412) => MediaError::Changed(op),
        _ => aws(op)(e),
    }
}

#[cfg(feature = "aws")]
fn aws<E: std::error::Error + Send + Sync + 'static>(op: &'static str) -> impl FnOnce(E) -> MediaError {
    move |e| MediaError::Aws { op, source: Box::new(e) }
}

/// The S3 key of a user's media object: always under `users/{sub}/`.
pub fn object_key(user: &UserId, asset: &AssetId, ext: &str) -> String {
    format!("users/{}/assets/{}.{}", user.as_str(), asset.as_str(), ext)
}

/// The S3 key of an asset's thumbnail (service::thumbs): beside its file, under the same
/// `users/{sub}/` prefix, so the account erasure's prefix wipe removes it too.
pub fn thumb_key(user: &UserId, asset: &AssetId) -> String {
    format!("users/{}/assets/{}.thumb.jpg", user.as_str(), asset.as_str())
}

/// Where a browser uploads a file before `complete` checks it: never an asset's key.
pub fn staging_key(user: &UserId, asset: &AssetId) -> String {
    format!("users/{}/uploads/{}", user.as_str(), asset.as_str())
}

#[cfg(feature = "aws")]
#[derive(Clone, Debug)]
pub struct Media {
    s3: crate::lazy::Lazy<aws_sdk_s3::Client>,
    bucket: String,
    /// The emulator's endpoint (path-style URLs), `None` in AWS.
    endpoint: Option<String>,
    /// What signs presigned POSTs: the SDK's credentials provider (the S3 client's config
    /// doesn't hand its own out).
    credentials: Option<aws_sdk_s3::config::SharedCredentialsProvider>,
    /// Where the browser posts upload forms (the site's own `/upload`); `None`: the bucket's
    /// own endpoint.
    upload_url: Option<String>,
}

#[cfg(feature = "aws")]
impl Media {
    pub fn new(s3: crate::lazy::Lazy<aws_sdk_s3::Client>, bucket: String) -> Self {
        Self {
            s3,
            bucket,
            endpoint: None,
            credentials: None,
            upload_url: None,
        }
    }

    /// For presigned POSTs: the credentials that sign them and the endpoint override (the
    /// emulator), under which upload URLs are path style.
    pub fn with_post_signing(
        mut self,
        credentials: Option<aws_sdk_s3::config::SharedCredentialsProvider>,
        endpoint: Option<String>,
    ) -> Self {
        self.credentials = credentials;
        self.endpoint = endpoint;
        self
    }

    /// Upload forms are posted to `url` (the site's own `/upload`, which passes them on to the
    /// bucket) instead of the bucket's endpoint.
    pub fn with_upload_url(mut self, url: String) -> Self {
        self.upload_url = Some(url);
        self
    }

    /// Stores an object. New results are tagged `unsaved=true`, which the lifecycle rule
    /// expires unless the user saves them.
    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), MediaError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .tagging("unsaved=true")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(aws("put object"))?;
        Ok(())
    }

    /// Starts a multipart upload of a new result (tagged `unsaved=true` like [`Media::put`]).
    pub async fn start_multipart(&self, key: &str, content_type: &str) -> Result<String, MediaError> {
        let out = self
            .s3
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .tagging("unsaved=true")
            .send()
            .await
            .map_err(aws("create multipart upload"))?;
        out.upload_id.ok_or_else(|| MediaError::Aws {
            op: "create multipart upload",
            source: "no upload id".into(),
        })
    }

    /// Uploads part `number` (from 1); returns its ETag.
    pub async fn upload_part(&self, key: &str, upload_id: &str, number: i32, bytes: Vec<u8>) -> Result<String, MediaError> {
        let out = self
            .s3
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(aws("upload part"))?;
        Ok(out.e_tag.unwrap_or_default())
    }

    /// Completes an upload from its parts' ETags, in order (part numbers 1..).
    pub async fn complete_multipart(&self, key: &str, upload_id: &str, etags: &[String]) -> Result<(), MediaError> {
        use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
        let parts = etags
            .iter()
            .enumerate()
            .map(|(i, e)| CompletedPart::builder().part_number(i as i32 + 1).e_tag(e).build())
            .collect();
        self.s3
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            // S3 assembles the object before it answers, which can take far longer than one
            // part's upload for a large object (AWS: "several minutes"): its own, longer
            // attempt; the invocation's deadline still cuts it (crate::sdk).
            .customize()
            .config_override(aws_sdk_s3::config::Builder::default().timeout_config(crate::sdk::complete_multipart_timeouts()))
            .send()
            .await
            .map_err(aws("complete multipart upload"))?;
        Ok(())
    }

    /// Abandons an upload and frees its parts. (One that is never aborted, e.g. its worker
    /// crashed, is removed by the bucket's AbortIncompleteMultipartUpload rule after a day.)
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), MediaError> {
        self.s3
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
            .map_err(aws("abort multipart upload"))?;
        Ok(())
    }

    /// A short-lived GET URL; with `download_as` the response carries an attachment disposition.
    pub async fn signed_url(&self, key: &str, ttl: Duration, download_as: Option<&str>) -> Result<String, MediaError> {
        let mut req = self.s3.get_object().bucket(&self.bucket).key(key);
        if let Some(name) = download_as {
            let safe: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                .collect();
            req = req.response_content_disposition(format!("attachment; filename=\"{safe}\""));
        }
        let cfg = PresigningConfig::expires_in(ttl).map_err(aws("presign config"))?;
        let p = req.presigned(cfg).await.map_err(aws("presign"))?;
        Ok(p.uri().to_string())
    }

    /// Re-tags an object `unsaved=false` when its asset is saved or pinned: the safety-net
    /// lifecycle rule `expire-unsaved-results` then leaves it alone for good (an unsaved asset's
    /// expiry is the sweep's, service::expiry, which deletes record and object together).
    pub async fn tag_saved(&self, key: &str, saved: bool) -> Result<(), MediaError> {
        let tag = aws_sdk_s3::types::Tag::builder()
            .key("unsaved")
            .value(if saved { "false" } else { "true" })
            .build()
            .map_err(aws("build tag"))?;
        let tagging = aws_sdk_s3::types::Tagging::builder()
            .tag_set(tag)
            .build()
            .map_err(aws("build tagging"))?;
        self.s3
            .put_object_tagging()
            .bucket(&self.bucket)
            .key(key)
            .tagging(tagging)
            .send()
            .await
            .map_err(aws("tag object"))?;
        Ok(())
    }

    /// Stores a thumbnail (service::thumbs). Untagged: it lives exactly as long as its asset's
    /// record, which every delete path removes it with; the `unsaved` lifecycle safety net
    /// follows the file's own tag, which a save changes on the file only.
    pub async fn put_thumb(&self, key: &str, jpeg: Vec<u8>) -> Result<(), MediaError> {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("image/jpeg")
            .body(ByteStream::from(jpeg))
            .send()
            .await
            .map_err(aws("put thumbnail"))?;
        Ok(())
    }

    /// Deletes an object; deleting one that is already gone succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), MediaError> {
        self.s3
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(aws("delete object"))?;
        Ok(())
    }

    /// An object as a stream of bytes (never read whole): the one GetObject of the media. A
    /// missing object is [`MediaError::Missing`].
    pub async fn get_stream(&self, key: &str) -> Result<impl tokio::io::AsyncRead + Unpin + Send + use<>, MediaError> {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(object_error("get object"))?;
        Ok(out.body.into_async_read())
    }

    /// A whole object in memory, for objects known to be small (and tests). A missing object
    /// is [`MediaError::Missing`], as with [`Media::get_stream`].
    pub async fn get_bytes(&self, key: &str) -> Result<Vec<u8>, MediaError> {
        use tokio::io::AsyncReadExt;
        let mut data = Vec::new();
        self.get_stream(key)
            .await?
            .read_to_end(&mut data)
            .await
            .map_err(aws("read object"))?;
        Ok(data)
    }
}
