//! The provider audit's state (service::audit): its watermark, one item of the idempotency
//! table (`key` = [`WATERMARK_KEY`], no `expires_at`, so its TTL never takes it), and the
//! account-deletion tombstone it asks about (the account item's `deleted_at`, store::erasure;
//! docs/data-model.md).
use super::{Store, StoreError, aws, s};
use crate::domain::UserId;

/// The watermark's item key in the idempotency table.
pub const WATERMARK_KEY: &str = "watermark#provider-audit";

impl Store {
    /// Up to when (RFC 3339) every prediction was audited; `None` before the first full run.
    pub async fn audit_watermark(&self) -> Result<Option<String>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(WATERMARK_KEY))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get audit watermark"))?;
        Ok(out.item.and_then(|i| i.get("watermark").and_then(|v| v.as_s().ok()).cloned()))
    }

    /// Moves the watermark to `to`, never back (two runs that overlap can't undo each other).
    /// True when it moved.
    pub async fn advance_audit_watermark(&self, to: &str) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(WATERMARK_KEY))
            .update_expression("SET watermark = :w")
            .condition_expression("attribute_not_exists(watermark) OR watermark < :w")
            .expression_attribute_values(":w", s(to));
        super::write("advance audit watermark", || req.clone().send()).await
    }

    /// Whether `user` deleted their account: their account item has `deleted_at` (kept
    /// `domain::erasure::TOMBSTONE_KEEP` after the delete, past the user's other items).
    pub async fn user_deleted(&self, user: &UserId) -> Result<bool, StoreError> {
        Ok(self.account_state(user).await?.deleted_at.is_some())
    }
}
