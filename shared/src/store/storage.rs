//! The storage count (domain::storage; docs/decisions/0003-storage-budget.md): the `storage`
//! item of a user's usage partition, and the writes of asset records, each of which changes it
//! in the same transaction. No asset record is written or deleted any other way, so
//! `stored_bytes` is exactly the sum of the `bytes` (and `thumb_bytes`: a thumbnail counts with
//! its asset) of the user's counted records, whatever fails, retries or races. Objects don't count: the count follows the records.
use super::assets::{asset_item, key as asset_key};
use super::trash::trashed_key;
use super::{Item, Store, StoreError, aws, failed_at, n, s};
use crate::domain::{Asset, StorageUsage, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};

/// The sort key of a user's storage count in the usage table.
pub const STORAGE_PERIOD: &str = "storage";

/// How often a counted write re-reads a record that changed under it before it reports busy.
const RACE_TRIES: usize = 5;

pub(crate) fn storage_key(user: &UserId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(STORAGE_PERIOD))])
}

fn num(item: &Item, k: &str) -> u64 {
    item.get(k)
        .and_then(|v| v.as_n().ok())
        .and_then(|s| s.parse::<i64>().ok())
        .map_or(0, |v| v.max(0) as u64)
}

/// Bytes as a DynamoDB number (a record's size is far below i64::MAX).
fn signed(b: u64) -> i64 {
    i64::try_from(b).unwrap_or(i64::MAX)
}

/// The condition that a record's thumbnail is as read (none, or these bytes), and the value
/// it names (`:tb`): every counted write holds it, so the thumbnail's bytes stay counted.
pub(super) fn thumb_as_read(a: &Asset) -> (&'static str, Option<AttributeValue>) {
    if a.thumb_bytes == 0 {
        ("attribute_not_exists(thumb_bytes)", None)
    } else {
        ("thumb_bytes = :tb", Some(n(signed(a.thumb_bytes))))
    }
}

fn busy(op: &'static str) -> StoreError {
    StoreError::Busy {
        op,
        reason: "the asset changed under every try".into(),
    }
}

impl Store {
    /// The transaction item that moves the user's count: `stored_bytes`, `committed_bytes` and
    /// `stored_files` by these amounts (negative to take off).
    pub(super) fn storage_add(&self, user: &UserId, stored: i64, committed: i64, files: i64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(storage_key(user)))
            .update_expression("ADD stored_bytes :s, committed_bytes :c, stored_files :f")
            .expression_attribute_values(":s", n(stored))
            .expression_attribute_values(":c", n(committed))
            .expression_attribute_values(":f", n(files))
            .build()
            .map_err(aws("build update"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction item that reserves `bytes` of the user's storage, refused (condition
    /// failed) when the count would pass `limit`. The caller refuses `bytes > limit` itself.
    pub(super) fn storage_reserve(&self, user: &UserId, bytes: u64, limit: u64) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(storage_key(user)))
            .update_expression("ADD committed_bytes :b")
            .condition_expression("attribute_not_exists(committed_bytes) OR committed_bytes <= :max")
            .expression_attribute_values(":b", n(signed(bytes)))
            .expression_attribute_values(":max", n(signed(limit - bytes)))
            .build()
            .map_err(aws("build update"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction item that checks the user has storage left under `limit` (a
    /// generation's outputs are sized only once copied). The caller refuses `limit == 0`.
    pub(super) fn storage_room(&self, user: &UserId, limit: u64) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(storage_key(user)))
            .condition_expression("attribute_not_exists(committed_bytes) OR committed_bytes < :limit")
            .expression_attribute_values(":limit", n(signed(limit)))
            .build()
            .map_err(aws("build condition check"))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The user's storage count, read consistently (none yet: zero).
    pub async fn storage(&self, user: &UserId) -> Result<StorageUsage, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(storage_key(user)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get storage"))?;
        Ok(out.item.map_or_else(StorageUsage::default, |i| StorageUsage {
            stored: num(&i, "stored_bytes"),
            committed: num(&i, "committed_bytes"),
            files: num(&i, "stored_files"),
        }))
    }

    /// Writes an asset record and counts its bytes, in one transaction. Output ids are
    /// deterministic, so a redelivered copy writes the same record again: then only the
    /// difference to the bytes already counted is added (nothing, for the same file), and an
    /// older record not counted yet is counted now. Exact under any race: each try is
    /// conditioned on the record being as read.
    pub async fn put_asset(&self, asset: &Asset) -> Result<(), StoreError> {
        let counted = Asset {
            counted: true,
            ..asset.clone()
        };
        let bytes = signed(asset.counted_bytes());
        // The usual case, a new record, needs no read first.
        let mut seen: Option<Asset> = None;
        for _ in 0..RACE_TRIES {
            // A record written again keeps the thumbnail the worker made for it (same file).
            let record = match &seen {
                Some(prev) if prev.counted && prev.thumb_key.is_some() => Asset {
                    thumb_key: prev.thumb_key.clone(),
                    thumb_bytes: prev.thumb_bytes,
                    ..counted.clone()
                },
                _ => counted.clone(),
            };
            let mut put = Put::builder().table_name(&self.tables.assets).set_item(Some(asset_item(&record)?));
            let (stored, files) = match &seen {
                None => {
                    put = put.condition_expression("attribute_not_exists(asset_id)");
                    (bytes, 1)
                }
                Some(prev) if prev.counted => {
                    let (thumb, tb) = thumb_as_read(prev);
                    put = put
                        .condition_expression(format!("counted = :yes AND bytes = :prev AND {thumb}"))
                        .expression_attribute_values(":yes", AttributeValue::Bool(true))
                        .expression_attribute_values(":prev", n(signed(prev.bytes)));
                    if let Some(v) = tb {
                        put = put.expression_attribute_values(":tb", v);
                    }
                    (signed(record.counted_bytes()) - signed(prev.counted_bytes()), 0)
                }
                Some(_) => {
                    put = put.condition_expression("attribute_exists(asset_id) AND attribute_not_exists(counted)");
                    (bytes, 1)
                }
            };
            let put = put.build().map_err(aws("build put"))?;
            let items = vec![
                TransactWriteItem::builder().put(put).build(),
                self.storage_add(&asset.user_id, stored, stored, files)?,
            ];
            match super::transact(self, "put asset", items).await? {
                Ok(()) => return Ok(()),
                Err(codes) if failed_at(&codes, 0) => seen = self.get_asset(&asset.user_id, &asset.asset_id).await?,
                Err(codes) => {
                    return Err(StoreError::Aws {
                        op: "put asset",
                        source: format!("transaction cancelled: {codes:?}").into(),
                    });
                }
            }
        }
        Err(busy("put asset"))
    }

    /// Deletes an asset record and takes its bytes off the count, in one transaction. With
    /// `expired_at`, only while the record is still unsaved and expired then (the sweep: a save
    /// or an unsave racing it wins). False when there is no such record (any more), or it no
    /// longer expired. A record not counted yet (written before the count) is deleted without
    /// touching the count.
    pub async fn delete_asset(&self, asset: &Asset, expired_at: Option<i64>) -> Result<bool, StoreError> {
        self.delete_counted(asset, expired_at, false).await
    }

    /// Deletes a trashed asset's record (domain::trash) and takes its bytes off the count, in
    /// one transaction: the purge. False when it is no longer in the trash.
    pub async fn delete_trashed(&self, asset: &Asset) -> Result<bool, StoreError> {
        self.delete_counted(asset, None, true).await
    }

    async fn delete_counted(&self, asset: &Asset, expired_at: Option<i64>, trashed: bool) -> Result<bool, StoreError> {
        let mut current = asset.clone();
        for _ in 0..RACE_TRIES {
            let key = if trashed {
                trashed_key(&current.user_id, &current.asset_id)
            } else {
                asset_key(&current.user_id, &current.asset_id)
            };
            let mut del = Delete::builder().table_name(&self.tables.assets).set_key(Some(key));
            let mut condition = vec!["attribute_exists(asset_id)"];
            if current.counted {
                let (thumb, tb) = thumb_as_read(&current);
                condition.push("counted = :yes AND bytes = :b");
                condition.push(thumb);
                del = del
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .expression_attribute_values(":b", n(signed(current.bytes)));
                if let Some(v) = tb {
                    del = del.expression_attribute_values(":tb", v);
                }
            } else {
                condition.push("attribute_not_exists(counted)");
            }
            if let Some(now) = expired_at {
                // A held asset (in a collection, on a board: store::holds) never expires.
                condition.push("saved = :no AND expires_at < :now AND attribute_not_exists(holders)");
                del = del
                    .expression_attribute_values(":no", AttributeValue::Bool(false))
                    .expression_attribute_values(":now", n(now));
            }
            let del = del
                .condition_expression(condition.join(" AND "))
                .build()
                .map_err(aws("build delete"))?;
            let mut items = vec![TransactWriteItem::builder().delete(del).build()];
            if current.counted {
                let b = signed(current.counted_bytes());
                items.push(self.storage_add(&current.user_id, -b, -b, -1)?);
            }
            match super::transact(self, "delete asset", items).await? {
                Ok(()) => return Ok(true),
                Err(codes) if failed_at(&codes, 0) => match self.reread(&current, trashed).await? {
                    None => return Ok(false),
                    Some(a) if expired_at.is_some_and(|now| a.saved || a.expires_at.is_none_or(|e| e >= now)) => return Ok(false),
                    Some(a) => {
                        if expired_at.is_some()
                            && self
                                .hold_state(&a.user_id, &a.asset_id)
                                .await?
                                .is_some_and(|h| !h.holders.is_empty())
                        {
                            return Ok(false);
                        }
                        current = a
                    }
                },
                Err(codes) => {
                    return Err(StoreError::Aws {
                        op: "delete asset",
                        source: format!("transaction cancelled: {codes:?}").into(),
                    });
                }
            }
        }
        Err(busy("delete asset"))
    }

    async fn reread(&self, asset: &Asset, trashed: bool) -> Result<Option<Asset>, StoreError> {
        if trashed {
            Ok(self.get_trashed(&asset.user_id, &asset.asset_id).await?.map(|t| t.asset))
        } else {
            self.get_asset(&asset.user_id, &asset.asset_id).await
        }
    }

    /// Records an asset's thumbnail (`key`, `bytes`) and adds its bytes to the user's storage
    /// count, in one transaction, only on a live, counted record without one. False when there
    /// is no such record (gone, trashed, not counted yet, or it has a thumbnail already): the
    /// caller then deletes the object it wrote. The thumbnail is no file of the user's: the
    /// file count does not move, and no limit refuses it (a few dozen KB of a full-size file).
    pub async fn record_thumb(&self, asset: &Asset, key: &str, bytes: u64) -> Result<bool, StoreError> {
        let mark = Update::builder()
            .table_name(&self.tables.assets)
            .set_key(Some(asset_key(&asset.user_id, &asset.asset_id)))
            .update_expression("SET thumb_key = :k, thumb_bytes = :tb")
            .condition_expression("attribute_exists(asset_id) AND counted = :yes AND attribute_not_exists(thumb_bytes)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":k", s(key))
            .expression_attribute_values(":tb", n(signed(bytes)))
            .build()
            .map_err(aws("build update"))?;
        let b = signed(bytes);
        let items = vec![
            TransactWriteItem::builder().update(mark).build(),
            self.storage_add(&asset.user_id, b, b, 0)?,
        ];
        match super::transact(self, "record thumbnail", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op: "record thumbnail",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// Counts an asset record written before the count existed (`vn-local backfill`): sets
    /// `counted` and adds its bytes, in one transaction, only if it is still uncounted and the
    /// same size. True when it was counted now.
    pub async fn count_asset(&self, asset: &Asset) -> Result<bool, StoreError> {
        if asset.counted {
            return Ok(false);
        }
        let mark = Update::builder()
            .table_name(&self.tables.assets)
            .set_key(Some(asset_key(&asset.user_id, &asset.asset_id)))
            .update_expression("SET counted = :yes")
            .condition_expression("attribute_exists(asset_id) AND attribute_not_exists(counted) AND bytes = :b")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":b", n(signed(asset.bytes)))
            .build()
            .map_err(aws("build update"))?;
        let b = signed(asset.bytes);
        let items = vec![
            TransactWriteItem::builder().update(mark).build(),
            self.storage_add(&asset.user_id, b, b, 1)?,
        ];
        match super::transact(self, "count asset", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op: "count asset",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }
}
