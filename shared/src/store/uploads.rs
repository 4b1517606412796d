use super::{Store, StoreError, aws, s, write};
use crate::domain::{AssetId, UserId};
use serde::{Deserialize, Serialize};

/// An upload that was announced (`POST /api/uploads`) and not completed: what the client
/// declared. Kept in the idempotency table as `upload#{sub}#{asset_id}`, expiring by TTL. It is
/// never an asset: nothing lists, shows or uses it until `complete` has checked the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpload {
    pub key: String,
    pub content_type: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    pub created_at: String,
    /// Epoch seconds (the table's TTL attribute).
    pub expires_at: i64,
}

pub fn pending_upload_key(user: &UserId, id: &AssetId) -> String {
    format!("upload#{}#{}", user.as_str(), id.as_str())
}

impl Store {
    pub async fn put_pending_upload(&self, upload: &PendingUpload) -> Result<(), StoreError> {
        let req = self
            .ddb
            .put_item()
            .table_name(&self.tables.idempotency)
            .set_item(Some(serde_dynamo::to_item(upload)?));
        write("put pending upload", || req.clone().send()).await?;
        Ok(())
    }

    /// The user's pending upload; `None` when there is none or it has expired (TTL deletion
    /// is lazy, so expiry is checked here too).
    pub async fn get_pending_upload(&self, user: &UserId, id: &AssetId, now_s: i64) -> Result<Option<PendingUpload>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(pending_upload_key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get pending upload"))?;
        let found: Option<PendingUpload> = out.item.map(serde_dynamo::from_item).transpose()?;
        Ok(found.filter(|u| u.expires_at > now_s))
    }

    pub async fn delete_pending_upload(&self, user: &UserId, id: &AssetId) -> Result<(), StoreError> {
        let req = self
            .ddb
            .delete_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(pending_upload_key(user, id)));
        write("delete pending upload", || req.clone().send()).await?;
        Ok(())
    }
}
