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
