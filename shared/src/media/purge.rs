//! Purging an object for good: every version of it and every delete marker. The media bucket
//! is versioned (infra/storage.tf), so a plain DeleteObject only puts a delete marker on top and
//! the bytes stay as a noncurrent version until the bucket's lifecycle rule expires them
//! (`noncurrent_version_expiration_days`). The trash's purge (service::trash) removes them at
//! once. Listing versions is a bucket-level action (`s3:ListBucketVersions` on the bucket ARN,
//! routes.json `media_bucket`); deleting one is `s3:DeleteObjectVersion` on the object.
use super::{Media, MediaError, aws};

impl Media {
    /// Deletes every version and delete marker of `key` (none left: nothing to do). Returns how
    /// many were deleted.
    pub async fn purge_versions(&self, key: &str) -> Result<usize, MediaError> {
        let mut versions: Vec<String> = Vec::new();
        let (mut key_marker, mut version_marker): (Option<String>, Option<String>) = (None, None);
        loop {
            let out = self
                .s3
                .list_object_versions()
                .bucket(&self.bucket)
                .prefix(key)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .map_err(aws("list object versions"))?;
            // The prefix may match longer keys too: only this key's versions.
            let exact = |k: Option<&str>| k == Some(key);
            versions.extend(
                out.versions()
                    .iter()
                    .filter(|v| exact(v.key()))
                    .filter_map(|v| v.version_id().map(str::to_string)),
            );
            versions.extend(
                out.delete_markers()
                    .iter()
                    .filter(|m| exact(m.key()))
                    .filter_map(|m| m.version_id().map(str::to_string)),
            );
            if out.is_truncated() != Some(true) {
                break;
            }
            key_marker = out.next_key_marker().map(str::to_string);
            version_marker = out.next_version_id_marker().map(str::to_string);
            if key_marker.is_none() {
                break;
            }
        }
        for version in &versions {
            self.s3
                .delete_object()
                .bucket(&self.bucket)
                .key(key)
                .version_id(version)
                .send()
                .await
                .map_err(aws("delete object version"))?;
        }
        Ok(versions.len())
    }
}

/// Versions (and delete markers) deleted at once by [`Media::purge_prefix_page`].
const PREFIX_CONCURRENCY: usize = 16;

/// Everything a user has in the bucket: `users/{sub}/` (assets, upload staging, exports).
pub fn user_prefix(user: &crate::domain::UserId) -> String {
    format!("users/{}/", user.as_str())
}

impl Media {
    /// Deletes one listing page (up to 1,000) of the versions and delete markers under
    /// `prefix`, a few at a time. Returns how many were deleted: 0 when nothing is left. What
    /// was deleted is gone from the next listing, so a caller repeats it from the start.
    pub async fn purge_prefix_page(&self, prefix: &str) -> Result<usize, MediaError> {
        use futures_util::stream::{self, StreamExt, TryStreamExt};
        let out = self
            .s3
            .list_object_versions()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(aws("list object versions"))?;
        let mut found: Vec<(String, String)> = Vec::new();
        let pair = |k: Option<&str>, v: Option<&str>| Some((k?.to_string(), v?.to_string()));
        found.extend(out.versions().iter().filter_map(|v| pair(v.key(), v.version_id())));
        found.extend(out.delete_markers().iter().filter_map(|m| pair(m.key(), m.version_id())));
        // Only what is under the prefix (a listing never returns more; this is the guarantee).
        found.retain(|(k, _)| k.starts_with(prefix));
        let n = found.len();
        stream::iter(found)
            .map(|(key, version)| async move {
                self.s3
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .version_id(version)
                    .send()
                    .await
                    .map_err(aws("delete object version"))
            })
            .buffer_unordered(PREFIX_CONCURRENCY)
            .try_collect::<Vec<_>>()
            .await?;
        Ok(n)
    }
}
