//! Pending uploads: the reservation of an announced upload's declared bytes, held like money for
//! a job (docs/decisions/0003-storage-budget.md). The marker `upload#{asset_id}` in the user's
//! usage partition and the bytes it holds in the storage count are written, settled and
//! released together, each in one transaction conditioned on the marker: exactly one of
//! complete, refusal and expiry applies.
use super::assets::asset_item;
use super::{Item, Store, StoreError, aws, failed_at, n, s};
use crate::domain::{Asset, AssetId, UserId};
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

/// The sparse index of pending uploads by expiry (infra/tables.json, table `usage`).
pub const PENDING_UPLOADS_INDEX: &str = "pending_uploads";
/// Its hash key: the one value every marker carries (the index holds only markers).
pub const UPLOAD_SHARD_ATTRIBUTE: &str = "upload_shard";
const UPLOAD_SHARD: &str = "1";
const PREFIX: &str = "upload#";

/// An upload that was announced (`POST /api/uploads`) and not completed: what the client
/// declared, and the bytes it holds in the storage count. It is never an asset: nothing lists,
/// shows or uses it until `complete` has checked the bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpload {
    pub user_id: UserId,
    /// `upload#{asset_id}`.
    pub period: String,
    pub content_type: String,
    /// Declared: the most the upload may be, and what is reserved.
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    pub created_at: String,
    /// Epoch seconds after which it can no longer be completed, and the sweep releases it.
    pub expires_at: i64,
    pub upload_shard: String,
}

impl PendingUpload {
    pub fn new(
        user: &UserId,
        id: &AssetId,
        content_type: &str,
        bytes: u64,
        filename: Option<String>,
        created_at: String,
        expires_at: i64,
    ) -> Self {
        Self {
            user_id: user.clone(),
            period: format!("{PREFIX}{}", id.as_str()),
            content_type: content_type.to_string(),
            bytes,
            filename,
            created_at,
            expires_at,
            upload_shard: UPLOAD_SHARD.into(),
        }
    }

    pub fn asset_id(&self) -> Option<AssetId> {
        AssetId::parse(self.period.strip_prefix(PREFIX)?)
    }
}

fn marker_key(user: &UserId, id: &AssetId) -> Item {
    Item::from([
        ("user_id".into(), s(user.as_str())),
        ("period".into(), s(format!("{PREFIX}{}", id.as_str()))),
    ])
}

/// How `complete`'s settling transaction ended.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadSettled {
    /// The asset is recorded and counted; the marker and its reservation are gone.
    Applied,
    /// The asset exists already: a concurrent complete recorded it.
    AssetExists,
    /// The marker is gone (released by the sweep after it expired, or by a refusal).
    MarkerGone,
}

impl Store {
    /// Records the pending upload and reserves its declared bytes, in one transaction. False
    /// (nothing written) when the bytes don't fit under `limit`.
    pub async fn announce_upload(&self, upload: &PendingUpload, limit: u64) -> Result<bool, StoreError> {
        if upload.bytes > limit {
            return Ok(false);
        }
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(serde_dynamo::to_item(upload)?))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            self.storage_reserve(&upload.user_id, upload.bytes, limit)?,
        ];
        match super::transact(self, "announce upload", items).await? {
            Ok(()) => Ok(true),
            // The marker's id is fresh: an earlier try of this transaction was applied.
            Err(codes) if failed_at(&codes, 0) => Ok(true),
            Err(codes) if failed_at(&codes, 1) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op: "announce upload",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// The user's pending upload; `None` when there is none or it has expired (the sweep
    /// releases it within minutes, so expiry is checked here too).
    pub async fn get_pending_upload(&self, user: &UserId, id: &AssetId, now_s: i64) -> Result<Option<PendingUpload>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(marker_key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get pending upload"))?;
        let found: Option<PendingUpload> = out.item.map(serde_dynamo::from_item).transpose()?;
        Ok(found.filter(|u| u.expires_at > now_s))
    }

    /// `complete`'s settlement: records the asset (counted), removes the marker, and moves the
    /// reservation to stored at the checked size (never more than declared), in one transaction.
    pub async fn settle_upload(&self, asset: &Asset, upload: &PendingUpload) -> Result<UploadSettled, StoreError> {
        if asset.bytes > upload.bytes {
            return Err(StoreError::Aws {
                op: "settle upload",
                source: format!("{} bytes are more than the {} declared", asset.bytes, upload.bytes).into(),
            });
        }
        let counted = Asset {
            counted: true,
            ..asset.clone()
        };
        let put = Put::builder()
            .table_name(&self.tables.assets)
            .set_item(Some(asset_item(&counted)?))
            .condition_expression("attribute_not_exists(asset_id)")
            .build()
            .map_err(aws("build put"))?;
        let del = Delete::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(marker_key(&asset.user_id, &asset.asset_id)))
            .condition_expression("attribute_exists(period)")
            .build()
            .map_err(aws("build delete"))?;
        let (actual, declared) = (asset.bytes as i64, upload.bytes as i64);
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().delete(del).build(),
            self.storage_add(&asset.user_id, actual, actual - declared, 1)?,
        ];
        match super::transact(self, "settle upload", items).await? {
            Ok(()) => Ok(UploadSettled::Applied),
            Err(codes) if failed_at(&codes, 0) => Ok(UploadSettled::AssetExists),
            Err(codes) if failed_at(&codes, 1) => Ok(UploadSettled::MarkerGone),
            Err(codes) => Err(StoreError::Aws {
                op: "settle upload",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// Removes the marker and releases its reservation, in one transaction: a refused upload,
    /// or with `expired_at` the sweep's release of one that expired before then. False when the
    /// marker is gone (settled or released already) or, for the sweep, not expired.
    pub async fn release_upload(&self, upload: &PendingUpload, expired_at: Option<i64>) -> Result<bool, StoreError> {
        let mut del = Delete::builder()
            .table_name(&self.tables.usage)
            .key("user_id", s(upload.user_id.as_str()))
            .key("period", s(&upload.period));
        del = match expired_at {
            Some(now) => del
                .condition_expression("attribute_exists(period) AND expires_at < :now")
                .expression_attribute_values(":now", n(now)),
            None => del.condition_expression("attribute_exists(period)"),
        };
        let del = del.build().map_err(aws("build delete"))?;
        let items = vec![
            TransactWriteItem::builder().delete(del).build(),
            self.storage_add(&upload.user_id, 0, -(upload.bytes as i64), 0)?,
        ];
        match super::transact(self, "release upload", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op: "release upload",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// Pending uploads of every user that expired before `now` (epoch seconds), oldest first, a
    /// page at a time, and the key to continue from. The index is eventually consistent: the
    /// release re-checks.
    pub async fn list_expired_uploads(
        &self,
        now: i64,
        limit: i32,
        start: Option<Item>,
    ) -> Result<(Vec<PendingUpload>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.usage)
            .index_name(PENDING_UPLOADS_INDEX)
            .key_condition_expression("#shard = :shard AND expires_at < :now")
            .expression_attribute_names("#shard", UPLOAD_SHARD_ATTRIBUTE)
            .expression_attribute_values(":shard", s(UPLOAD_SHARD))
            .expression_attribute_values(":now", n(now))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("list expired uploads"))?;
        let uploads = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<Vec<PendingUpload>, _>>()?;
        Ok((uploads, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marker sorts where no other range of the usage partition reads (the report's
    /// `day#`, sets, stories, boards), and carries the index's keys with their types.
    #[test]
    fn the_marker_stays_out_of_every_other_range() {
        let user = UserId::parse("u1").unwrap();
        let id = AssetId::new();
        let m = PendingUpload::new(&user, &id, "image/png", 10, None, "2026-01-01T00:00:00Z".into(), 5);
        assert_eq!(m.asset_id(), Some(id));
        for (lo, hi) in [
            ("day#", "day#\u{ffff}"),
            ("set#", "set#\u{ffff}"),
            ("story#", "story#\u{ffff}"),
            ("board#", "board#\u{ffff}"),
            ("tiles#", "tiles#\u{ffff}"),
        ] {
            assert!(!(lo <= m.period.as_str() && m.period.as_str() <= hi), "{} in {lo}..{hi}", m.period);
        }
        assert!(super::super::storage::STORAGE_PERIOD > "set#\u{ffff}" && super::super::storage::STORAGE_PERIOD < "story#");
        let item: Item = serde_dynamo::to_item(&m).unwrap();
        assert!(item["expires_at"].as_n().is_ok() && item[UPLOAD_SHARD_ATTRIBUTE].as_s().is_ok());
        let tables: serde_json::Value = serde_json::from_str(include_str!("../../../infra/tables.json")).unwrap();
        let usage = &tables["tables"]["usage"];
        assert_eq!(usage["attributes"][UPLOAD_SHARD_ATTRIBUTE], "S");
        assert_eq!(usage["attributes"]["expires_at"], "N");
        assert_eq!(
            usage["ttl_attribute"],
            serde_json::Value::Null,
            "a TTL would drop markers outside the count"
        );
        let index = usage["global_secondary_indexes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == PENDING_UPLOADS_INDEX)
            .expect("the index in infra/tables.json");
        assert_eq!(index["hash_key"], UPLOAD_SHARD_ATTRIBUTE);
        assert_eq!(index["range_key"], "expires_at");
    }
}
