//! The expiring index (domain::expiry): the sweep's reads (its deletes are store::storage's
//! counted ones), pinning, and the backfill that brings items written before the gallery
//! indexes, expiry and the storage count up to date.
use super::assets::key;
use super::{Item, Store, StoreError, aws, s};
use crate::domain::expiry::{EXPIRING_INDEX, SHARD, SHARD_ATTRIBUTE, backfilled_expiry};
use crate::domain::trash::TRASH_PREFIX;
use crate::domain::{Asset, AssetId, UserId, index_attributes};
use aws_sdk_dynamodb::types::AttributeValue;

/// What one backfill page did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BackfillPage {
    pub scanned: usize,
    pub updated: usize,
    /// Records whose bytes were added to their user's storage count now (store::storage).
    pub counted: usize,
    /// Assets whose search terms were (re)written now (store::search).
    pub indexed: usize,
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl Store {
    /// Assets whose `expires_at` is before `now` (epoch seconds), oldest first, a page at a
    /// time, and the key to continue from. The index is eventually consistent: the delete
    /// re-checks.
    pub async fn list_expired(&self, now: i64, limit: i32, start: Option<Item>) -> Result<(Vec<Asset>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.assets)
            .index_name(EXPIRING_INDEX)
            .key_condition_expression("#shard = :shard AND expires_at < :now")
            .expression_attribute_names("#shard", SHARD_ATTRIBUTE)
            .expression_attribute_values(":shard", s(SHARD))
            .expression_attribute_values(":now", n(now))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("list expired assets"))?;
        let assets = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<Vec<Asset>, _>>()?;
        Ok((assets, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Marks an asset as depended on (`pinned`) and removes its expiry. False when it is gone.
    pub async fn pin_asset(&self, user: &UserId, id: &AssetId) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(user, id)))
            .condition_expression("attribute_exists(asset_id)")
            .update_expression(format!("SET pinned = :yes REMOVE expires_at, {SHARD_ATTRIBUTE}"))
            .expression_attribute_values(":yes", AttributeValue::Bool(true));
        super::write("pin asset", || req.clone().send()).await
    }

    /// One page of the backfill: scans `assets` from `start` and rewrites every item whose
    /// gallery index keys or expiry differ from what domain::gallery and domain::expiry say
    /// (`days`: UNSAVED_EXPIRATION_DAYS), and counts every record not in its user's storage
    /// count yet (store::storage::count_asset), and indexes every asset without the search
    /// index's marker (store::search). Items already right are not written, so running
    /// it again changes nothing. Each write is conditioned on the `saved` and `expires_at` it read,
    /// so a save or unsave meanwhile is never undone (the next run looks at it again).
    pub async fn backfill_assets_page(&self, days: u32, start: Option<Item>) -> Result<(BackfillPage, Option<Item>), StoreError> {
        let out = self
            .ddb
            .scan()
            .table_name(&self.tables.assets)
            .limit(200)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("scan assets"))?;
        let mut page = BackfillPage::default();
        for item in out.items.unwrap_or_default() {
            page.scanned += 1;
            // A trashed record (domain::trash) keeps no index key and no expiry: left as it is.
            if item
                .get("asset_id")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|k| k.starts_with(TRASH_PREFIX))
            {
                continue;
            }
            if self.backfill_item(&item, days).await? {
                page.updated += 1;
            }
            let asset: Asset = serde_dynamo::from_item(item.clone())?;
            if self.count_asset(&asset).await? {
                page.counted += 1;
            }
            if super::search::needs_index(&item, &asset) {
                self.index_asset(&asset).await?;
                page.indexed += 1;
            }
        }
        Ok((page, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    async fn backfill_item(&self, item: &Item, days: u32) -> Result<bool, StoreError> {
        let asset: Asset = serde_dynamo::from_item(item.clone())?;
        let keys = index_attributes(&asset);
        // A held asset (store::holds) has no expiry.
        let expiry = backfilled_expiry(&asset, days).filter(|_| !item.contains_key("holders"));
        let keys_ok = keys.iter().all(|(k, v)| item.get(*k).and_then(|a| a.as_s().ok()) == Some(v));
        let shard_ok = item.get(SHARD_ATTRIBUTE).is_some() == expiry.is_some();
        if keys_ok && shard_ok && asset.expires_at == expiry {
            return Ok(false);
        }
        let mut set: Vec<String> = Vec::new();
        let mut req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(&asset.user_id, &asset.asset_id)))
            .expression_attribute_values(":saved", AttributeValue::Bool(asset.saved));
        for (i, (attr, value)) in keys.into_iter().enumerate() {
            set.push(format!("{attr} = :k{i}"));
            req = req.expression_attribute_values(format!(":k{i}"), s(value));
        }
        let mut condition = "attribute_exists(asset_id) AND saved = :saved".to_string();
        match asset.expires_at {
            Some(seen) => {
                condition.push_str(" AND expires_at = :seen");
                req = req.expression_attribute_values(":seen", n(seen));
            }
            None => condition.push_str(" AND attribute_not_exists(expires_at)"),
        }
        let expression = match expiry {
            Some(at) => {
                set.push(format!("expires_at = :exp, {SHARD_ATTRIBUTE} = :shard"));
                req = req
                    .expression_attribute_values(":exp", n(at))
                    .expression_attribute_values(":shard", s(SHARD));
                format!("SET {}", set.join(", "))
            }
            None => format!("SET {} REMOVE expires_at, {SHARD_ATTRIBUTE}", set.join(", ")),
        };
        let req = req.update_expression(expression).condition_expression(condition);
        super::write("backfill asset", || req.clone().send()).await
    }
}
