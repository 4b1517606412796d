//! The trash (domain::trash): moving an asset record to its trash key and back, reading a
//! user's trash and what the sweep must purge. A move is one transaction that deletes the record
//! under one key (conditioned on it being as read) and writes it under the other
//! (`attribute_not_exists`): the record keeps its `counted` and `bytes`, so the user's storage
//! count, the sum of the bytes of their counted records, is the same before and after and the
//! `storage` item is not written. Purging a trashed record is store::storage's counted delete.
use super::assets::{asset_item, key as asset_key};
use super::search::MARKER;
use super::{Item, Store, StoreError, aws, failed_at, n, s};
use crate::domain::search::INDEX_VERSION;
use crate::domain::trash::{
    PURGE_AT_ATTRIBUTE, PURGE_INDEX, PURGE_SHARD, PURGE_SHARD_ATTRIBUTE, TRASH_INDEX, TRASH_ORDER_ATTRIBUTE, TRASH_OWNER_ATTRIBUTE,
    Trashed, trash_key, trash_order, trashed_id,
};
use crate::domain::{Asset, AssetId, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use chrono::{DateTime, Utc};

/// Set on a trashed record whose purge has begun (store::Store::mark_purging).
const PURGING: &str = "purging";

/// How often a move re-reads a record that changed under it before it reports busy.
const RACE_TRIES: usize = 5;

pub(crate) fn trashed_key(user: &UserId, id: &AssetId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("asset_id".into(), s(trash_key(id)))])
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(<serde_dynamo::Error as serde::de::Error>::custom(what))
}

/// The search marker of this index version.
fn marker() -> AttributeValue {
    AttributeValue::N(INDEX_VERSION.to_string())
}

/// What a live record holds that its `Asset` does not say, and the trash keeps: its holders and
/// whether it carries this index version's search marker.
#[derive(Debug, Default)]
struct Kept {
    holders: Vec<String>,
    indexed: bool,
}

/// A trashed record: the asset's own attributes (no gallery index key, no expiry: no reader of
/// live assets matches it), what the live record held ([`Kept`]) and the trash's.
fn trash_item(asset: &Asset, kept: &Kept, at: DateTime<Utc>, purge_at: i64) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(asset)?;
    item.remove("expires_at");
    if !kept.holders.is_empty() {
        item.insert("holders".into(), AttributeValue::Ss(kept.holders.clone()));
    }
    if kept.indexed {
        item.insert(MARKER.into(), marker());
    }
    item.insert("asset_id".into(), s(trash_key(&asset.asset_id)));
    item.insert("trashed_at".into(), s(at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
    item.insert(TRASH_OWNER_ATTRIBUTE.into(), s(asset.user_id.as_str()));
    item.insert(TRASH_ORDER_ATTRIBUTE.into(), s(trash_order(at, &asset.asset_id)));
    item.insert(PURGE_SHARD_ATTRIBUTE.into(), s(PURGE_SHARD));
    item.insert(PURGE_AT_ATTRIBUTE.into(), n(purge_at));
    Ok(item)
}

pub(crate) fn from_trash_item(mut item: Item) -> Result<Trashed, StoreError> {
    let mut take = |k: &str| item.remove(k);
    let id = take("asset_id")
        .and_then(|v| v.as_s().ok().and_then(|k| trashed_id(k)))
        .ok_or_else(|| corrupt("a trash item without a trash key"))?;
    let text = |v: Option<AttributeValue>| v.and_then(|v| v.as_s().ok().cloned());
    let trashed_at = text(take("trashed_at")).ok_or_else(|| corrupt("a trash item without trashed_at"))?;
    let order = text(take(TRASH_ORDER_ATTRIBUTE)).ok_or_else(|| corrupt("a trash item without trash_order"))?;
    let purge_at = take(PURGE_AT_ATTRIBUTE)
        .and_then(|v| v.as_n().ok().and_then(|n| n.parse().ok()))
        .ok_or_else(|| corrupt("a trash item without purge_at"))?;
    let holders = take("holders").and_then(|v| v.as_ss().ok().cloned()).unwrap_or_default();
    let indexed = take(MARKER) == Some(marker());
    for k in [TRASH_OWNER_ATTRIBUTE, PURGE_SHARD_ATTRIBUTE, PURGING] {
        take(k);
    }
    item.insert("asset_id".into(), s(id.as_str()));
    Ok(Trashed {
        asset: serde_dynamo::from_item(item)?,
        trashed_at,
        order,
        purge_at,
        holders,
        indexed,
    })
}

fn trashed_page(items: Option<Vec<Item>>) -> Result<Vec<Trashed>, StoreError> {
    items.unwrap_or_default().into_iter().map(from_trash_item).collect()
}

/// The condition that a live record is still exactly as read: what the trashed copy keeps
/// (saved, expiry, pin) and what the count holds (counted, bytes).
fn as_read(
    mut del: aws_sdk_dynamodb::types::builders::DeleteBuilder,
    a: &Asset,
    holders: usize,
) -> aws_sdk_dynamodb::types::builders::DeleteBuilder {
    let mut c = vec!["attribute_exists(asset_id)", "saved = :saved"];
    // The holders move with the record: a hold added or released meanwhile makes it read again.
    if holders == 0 {
        c.push("attribute_not_exists(holders)");
    } else {
        c.push("size(holders) = :holders");
        del = del.expression_attribute_values(":holders", n(holders as i64));
    }
    del = del
        .expression_attribute_values(":saved", AttributeValue::Bool(a.saved))
        .expression_attribute_values(":yes", AttributeValue::Bool(true));
    if a.counted {
        let (thumb, tb) = super::storage::thumb_as_read(a);
        c.push("counted = :yes AND bytes = :b");
        c.push(thumb);
        del = del.expression_attribute_values(":b", n(i64::try_from(a.bytes).unwrap_or(i64::MAX)));
        if let Some(v) = tb {
            del = del.expression_attribute_values(":tb", v);
        }
    } else {
        c.push("attribute_not_exists(counted)");
    }
    match a.expires_at {
        Some(e) => {
            c.push("expires_at = :exp");
            del = del.expression_attribute_values(":exp", n(e));
        }
        None => c.push("attribute_not_exists(expires_at)"),
    }
    c.push(if a.pinned {
        "pinned = :yes"
    } else {
        "(attribute_not_exists(pinned) OR pinned <> :yes)"
    });
    del.condition_expression(c.join(" AND "))
}

impl Store {
    /// Moves a live asset record to the trash (trashed `at`, purged at `purge_at`), in one
    /// transaction, and gives the holders it took with it (its collections and boards). None
    /// when the user has no such live record (any more). A record changed meanwhile (saved,
    /// unsaved, pinned, re-counted) is read again and moved as it is then.
    pub async fn trash_asset(&self, asset: &Asset, at: DateTime<Utc>, purge_at: i64) -> Result<Option<Vec<String>>, StoreError> {
        let mut current = asset.clone();
        for _ in 0..RACE_TRIES {
            let kept = self.kept(&current.user_id, &current.asset_id).await?;
            let del = Delete::builder()
                .table_name(&self.tables.assets)
                .set_key(Some(asset_key(&current.user_id, &current.asset_id)));
            let del = as_read(del, &current, kept.holders.len()).build().map_err(aws("build delete"))?;
            let put = Put::builder()
                .table_name(&self.tables.assets)
                .set_item(Some(trash_item(&current, &kept, at, purge_at)?))
                .condition_expression("attribute_not_exists(asset_id)")
                .build()
                .map_err(aws("build put"))?;
            let items = vec![
                TransactWriteItem::builder().delete(del).build(),
                TransactWriteItem::builder().put(put).build(),
            ];
            match super::transact(self, "trash asset", items).await? {
                Ok(()) => return Ok(Some(kept.holders)),
                Err(codes) if failed_at(&codes, 0) => match self.get_asset(&current.user_id, &current.asset_id).await? {
                    None => return Ok(None),
                    Some(a) => current = a,
                },
                Err(codes) => {
                    return Err(StoreError::Aws {
                        op: "trash asset",
                        source: format!("transaction cancelled (the asset is in the trash already?): {codes:?}").into(),
                    });
                }
            }
        }
        Err(StoreError::Busy {
            op: "trash asset",
            reason: "the asset changed under every try".into(),
        })
    }

    /// Moves a trashed record back under its own id as `restored` (domain::trash::restored),
    /// in one transaction. False when it is no longer in the trash (restored or purged
    /// meanwhile).
    pub async fn restore_asset(&self, trashed: &Trashed, restored: &Asset) -> Result<bool, StoreError> {
        let del = Delete::builder()
            .table_name(&self.tables.assets)
            .set_key(Some(trashed_key(trashed.user(), &trashed.asset.asset_id)))
            .condition_expression(format!("{TRASH_ORDER_ATTRIBUTE} = :order AND attribute_not_exists({PURGING})"))
            .expression_attribute_values(":order", s(&trashed.order))
            .build()
            .map_err(aws("build delete"))?;
        let mut item = asset_item(restored)?;
        if !trashed.holders.is_empty() {
            // Still held (a collection, a board): kept the way saving keeps it (store::holds).
            item.insert("holders".into(), AttributeValue::Ss(trashed.holders.clone()));
            item.remove("expires_at");
            item.remove(crate::domain::expiry::SHARD_ATTRIBUTE);
        }
        if trashed.indexed {
            // Its terms stayed: the restored record is as fully indexed as the trashed one.
            item.insert(MARKER.into(), marker());
        }
        let put = Put::builder()
            .table_name(&self.tables.assets)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(asset_id)")
            .build()
            .map_err(aws("build put"))?;
        let items = vec![
            TransactWriteItem::builder().delete(del).build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        match super::transact(self, "restore asset", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            Err(codes) => Err(StoreError::Aws {
                op: "restore asset",
                source: format!("transaction cancelled (a live asset has its id?): {codes:?}").into(),
            }),
        }
    }

    /// Marks a trashed record as being purged, before its object goes: a restore racing the
    /// purge then finds nothing to restore (it could otherwise bring back a record whose object
    /// is gone). With `due_before` (the sweep), only while its `purge_at` is still before it
    /// (a restore and a new trash meanwhile start a new stay). False when it is no longer the
    /// record read (restored, purged, or trashed again).
    pub async fn mark_purging(&self, trashed: &Trashed, due_before: Option<i64>) -> Result<bool, StoreError> {
        let mut req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(trashed_key(trashed.user(), &trashed.asset.asset_id)))
            .update_expression(format!("SET {PURGING} = :yes"))
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":order", s(&trashed.order));
        req = match due_before {
            Some(now) => req
                .condition_expression(format!("{TRASH_ORDER_ATTRIBUTE} = :order AND {PURGE_AT_ATTRIBUTE} < :now"))
                .expression_attribute_values(":now", n(now)),
            None => req.condition_expression(format!("{TRASH_ORDER_ATTRIBUTE} = :order")),
        };
        super::write("mark purging", || req.clone().send()).await
    }

    /// What a live record holds that the trash keeps ([`Kept`]), read consistently; nothing for
    /// a record that is gone (the move then finds it gone).
    async fn kept(&self, user: &UserId, id: &AssetId) -> Result<Kept, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.assets)
            .set_key(Some(asset_key(user, id)))
            .projection_expression(format!("holders, {MARKER}"))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("read asset for the trash"))?;
        Ok(out.item.map_or_else(Kept::default, |i| Kept {
            holders: i.get("holders").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default(),
            indexed: i.get(MARKER) == Some(&marker()),
        }))
    }

    /// One of the user's trashed assets, read consistently.
    pub async fn get_trashed(&self, user: &UserId, id: &AssetId) -> Result<Option<Trashed>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.assets)
            .set_key(Some(trashed_key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get trashed asset"))?;
        out.item.map(from_trash_item).transpose()
    }

    /// A page of the user's trash, newest trashed first, starting after `before` (a
    /// `trash_order`), and the order to continue after (None: nothing follows).
    pub async fn list_trash(
        &self,
        user: &UserId,
        limit: usize,
        before: Option<&str>,
    ) -> Result<(Vec<Trashed>, Option<String>), StoreError> {
        let read = |start: Option<Item>, want: usize| {
            let mut q = self
                .ddb
                .query()
                .table_name(&self.tables.assets)
                .index_name(TRASH_INDEX)
                .scan_index_forward(false)
                .limit(want as i32)
                .expression_attribute_names("#o", TRASH_OWNER_ATTRIBUTE)
                .expression_attribute_values(":u", s(user.as_str()))
                .set_exclusive_start_key(start);
            q = match before {
                Some(b) => q
                    .key_condition_expression(format!("#o = :u AND {TRASH_ORDER_ATTRIBUTE} < :before"))
                    .expression_attribute_values(":before", s(b)),
                None => q.key_condition_expression("#o = :u"),
            };
            async move {
                let out = q.send().await.map_err(aws("list trash"))?;
                Ok::<_, StoreError>((trashed_page(out.items)?, out.last_evaluated_key.filter(|k| !k.is_empty())))
            }
        };
        super::paging::read_page(limit, read, |t: &Trashed| t.order.clone()).await
    }

    /// Trashed assets of every user whose `purge_at` is before `now`, oldest first, a page at a
    /// time, and the key to continue from. The index is eventually consistent: the purge
    /// re-reads each record.
    pub async fn list_purge_due(&self, now: i64, limit: i32, start: Option<Item>) -> Result<(Vec<Trashed>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.assets)
            .index_name(PURGE_INDEX)
            .key_condition_expression(format!("#shard = :shard AND {PURGE_AT_ATTRIBUTE} < :now"))
            .expression_attribute_names("#shard", PURGE_SHARD_ATTRIBUTE)
            .expression_attribute_values(":shard", s(PURGE_SHARD))
            .expression_attribute_values(":now", n(now))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("list trash due"))?;
        Ok((trashed_page(out.items)?, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }
}
