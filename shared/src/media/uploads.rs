//! The S3 side of uploads: the presigned POST form, and the reads, copy and delete that
//! `complete` does on the staging object. Thin: the rules are in domain::upload and sniff.
use super::post_policy::{PostTarget, Signer, sign_post};
use super::{Media, MediaError, aws, object_error};
use aws_sdk_s3::config::ProvideCredentials;
use aws_sdk_s3::types::{MetadataDirective, TaggingDirective};
use std::collections::BTreeMap;

/// A browser upload form: POST `fields` then the file (as the last part) to `url`.
#[derive(Clone, Debug)]
pub struct PresignedPost {
    pub url: String,
    pub fields: BTreeMap<String, String>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// What HeadObject says about an object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectHead {
    pub bytes: u64,
    pub etag: String,
}

impl Media {
    /// A POST form for exactly `key`, `content_type` and 1..=`max_bytes` bytes, signed with this
    /// client's credentials (the function role's: S3 authorizes the upload as its
    /// s3:PutObject). Never logged: the form holds a session token.
    pub async fn presigned_post(
        &self,
        key: &str,
        content_type: &str,
        max_bytes: u64,
        ttl: chrono::Duration,
    ) -> Result<PresignedPost, MediaError> {
        let config = self.s3.config();
        let provider = self.credentials.as_ref().ok_or_else(|| MediaError::Aws {
            op: "presign post",
            source: "no credentials to sign with".into(),
        })?;
        let creds = provider.provide_credentials().await.map_err(aws("presign post credentials"))?;
        let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
        let signer = Signer {
            access_key_id: creds.access_key_id(),
            secret_access_key: creds.secret_access_key(),
            session_token: creds.session_token(),
            region: &region,
        };
        let target = PostTarget {
            bucket: &self.bucket,
            key,
            content_type,
            max_bytes,
        };
        let post = sign_post(&target, &signer, crate::clock::now(), ttl);
        let url = match (&self.upload_url, &self.endpoint) {
            (Some(own), _) => own.clone(),
            // The emulator: path style, as the SDK client is configured there.
            (None, Some(ep)) => format!("{}/{}", ep.trim_end_matches('/'), self.bucket),
            (None, None) => format!("https://{}.s3.{region}.amazonaws.com/", self.bucket),
        };
        Ok(PresignedPost {
            url,
            fields: post.fields,
            expires_at: post.expires_at,
        })
    }

    /// Size and ETag of an object; `None` when there is none (404, or the 403 S3 gives a role
    /// that may not list the bucket: [`MediaError::Missing`]).
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, MediaError> {
        match self.s3.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some(ObjectHead {
                bytes: out.content_length().unwrap_or(0).max(0) as u64,
                etag: out.e_tag().unwrap_or_default().to_string(),
            })),
            Err(e) => match object_error("head object")(e) {
                MediaError::Missing(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    /// Bytes `start..end` of the object version whose ETag is `etag` (a ranged GET with
    /// `If-Match`: only these bytes travel, and only from the bytes that were HEADed).
    /// [`MediaError::Changed`] when the object is another version now, [`MediaError::Missing`]
    /// when it is gone.
    pub async fn read_range(&self, key: &str, etag: &str, start: u64, end: u64) -> Result<Vec<u8>, MediaError> {
        if end <= start {
            return Ok(Vec::new());
        }
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .if_match(etag)
            .range(format!("bytes={start}-{}", end - 1))
            .send()
            .await
            .map_err(object_error("get object range"))?;
        let data = out.body.collect().await.map_err(aws("read object range"))?;
        Ok(data.into_bytes().to_vec())
    }

    /// Copies `from` to `to` inside the bucket only if `from` still has `etag` (the bytes that
    /// were checked), with no tags: a user's own upload is kept (it is no result that expires
    /// unless saved, and chains start from it). [`MediaError::Changed`] when it changed,
    /// [`MediaError::Missing`] when it is gone.
    pub async fn copy_if_match(&self, from: &str, to: &str, etag: &str, content_type: &str) -> Result<(), MediaError> {
        let res = self
            .s3
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{from}", self.bucket))
            .copy_source_if_match(etag)
            .metadata_directive(MetadataDirective::Replace)
            .content_type(content_type)
            .tagging_directive(TaggingDirective::Replace)
            .send()
            .await;
        res.map(|_| ()).map_err(object_error("copy object"))
    }
}
