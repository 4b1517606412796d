use super::{Item, Store, StoreError, aws, s};
use crate::domain::expiry::{SHARD, SHARD_ATTRIBUTE};
use crate::domain::search::{IdRange, Sort};
use crate::domain::trash::LIVE_UPPER_BOUND;
use crate::domain::{Asset, AssetFilter, AssetId, UserId, index_attributes, saved_index_attributes};
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

pub(crate) fn key(user: &UserId, id: &AssetId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("asset_id".into(), s(id.as_str()))])
}

/// An asset's item: the record with the gallery's index keys (domain::gallery) and, when it has
/// an `expires_at`, the expiring index's key (domain::expiry). Written only by the counted
/// writes of store::storage.
pub(crate) fn asset_item(asset: &Asset) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(asset)?;
    item.extend(index_attributes(asset).into_iter().map(|(k, v)| (k.to_string(), s(v))));
    if asset.expires_at.is_some() {
        item.insert(SHARD_ATTRIBUTE.into(), s(SHARD));
    }
    Ok(item)
}

impl Store {
    pub async fn get_asset(&self, user: &UserId, id: &AssetId) -> Result<Option<Asset>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(user, id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get asset"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// The user's assets with these ids, in the order given (missing ones left out).
    pub async fn get_assets(&self, user: &UserId, ids: &[AssetId]) -> Result<Vec<Asset>, StoreError> {
        let mut found: Vec<Asset> = Vec::new();
        for chunk in ids.chunks(100) {
            let mut pending = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.iter().map(|id| key(user, id)).collect()))
                    .consistent_read(true)
                    .build()
                    .map_err(aws("build keys"))?,
            );
            while let Some(keys) = pending.take() {
                let out = self
                    .ddb
                    .batch_get_item()
                    .request_items(&self.tables.assets, keys)
                    .send()
                    .await
                    .map_err(aws("get assets"))?;
                for item in out.responses.unwrap_or_default().remove(&self.tables.assets).unwrap_or_default() {
                    found.push(serde_dynamo::from_item(item)?);
                }
                pending = out.unprocessed_keys.and_then(|mut u| u.remove(&self.tables.assets));
            }
        }
        found.sort_by_key(|a| ids.iter().position(|i| *i == a.asset_id));
        Ok(found)
    }

    /// A page of the user's assets matching `filter`, newest first (descending `asset_id`),
    /// starting after `before`, and the id to continue after (None: nothing follows). Each
    /// filter combination reads its own index partition (domain::gallery), so the page is exact.
    pub async fn list_assets(
        &self,
        user: &UserId,
        filter: &AssetFilter,
        limit: usize,
        before: Option<&AssetId>,
    ) -> Result<(Vec<Asset>, Option<AssetId>), StoreError> {
        self.list_assets_in(user, filter, limit, before, &IdRange::default(), Sort::Newest)
            .await
    }

    /// The same within an id range (a date range: domain::search::IdRange) in either order:
    /// one key range of the filter's partition, read from `after` on (excluded).
    pub async fn list_assets_in(
        &self,
        user: &UserId,
        filter: &AssetFilter,
        limit: usize,
        after: Option<&AssetId>,
        range: &IdRange,
        sort: Sort,
    ) -> Result<(Vec<Asset>, Option<AssetId>), StoreError> {
        let index = filter.index_key(user);
        let (hash_attr, hash_value) = match &index {
            Some(k) => (k.attribute, k.value.clone()),
            None => ("user_id", user.as_str().to_string()),
        };
        let range = range.resume(after.map(AssetId::as_str), sort);
        let lo = range.lo.unwrap_or_else(|| "0".into());
        // Trashed records (domain::trash, `~trash#{id}`) sort above every live id and above
        // every date bound (a time part followed by `~`): an open top is `~` itself, which no
        // id equals, so neither order, range nor cursor ever reaches them.
        let hi = range.hi.unwrap_or_else(|| LIVE_UPPER_BOUND.into());
        let after = after.map(|a| a.as_str().to_string());
        // Without a filter expression every item read is kept (but the cursor's own item, which
        // the inclusive BETWEEN returns again); store::paging covers Query's 1 MB page limit.
        let read = |start: Option<Item>, want: usize| {
            let q = self
                .ddb
                .query()
                .table_name(&self.tables.assets)
                .set_index_name(index.as_ref().map(|k| k.index.to_string()))
                .consistent_read(index.is_none())
                .scan_index_forward(sort.forward())
                .limit((want + usize::from(after.is_some())) as i32)
                .key_condition_expression("#h = :h AND asset_id BETWEEN :lo AND :hi")
                .expression_attribute_names("#h", hash_attr)
                .expression_attribute_values(":h", s(&hash_value))
                .expression_attribute_values(":lo", s(&lo))
                .expression_attribute_values(":hi", s(&hi))
                .set_exclusive_start_key(start);
            let after = after.clone();
            async move {
                let out = q.send().await.map_err(aws("list assets"))?;
                let mut assets: Vec<Asset> = out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(serde_dynamo::from_item)
                    .collect::<Result<_, _>>()?;
                assets.retain(|a| Some(a.asset_id.as_str()) != after.as_deref());
                Ok::<_, StoreError>((assets, out.last_evaluated_key.filter(|k| !k.is_empty())))
            }
        };
        super::paging::read_page(limit, read, |a: &Asset| a.asset_id.clone()).await
    }

    /// A page of a scan for live image records without a thumbnail (the backfill's: service::
    /// thumbs::backfill_thumbs), and where the next page starts (None: the scan is done).
    pub async fn images_without_thumbs_page(&self, start: Option<Item>) -> Result<(Vec<(UserId, AssetId)>, Option<Item>), StoreError> {
        let out = self
            .ddb
            .scan()
            .table_name(&self.tables.assets)
            .limit(500)
            .filter_expression("#k = :image AND attribute_not_exists(thumb_key) AND NOT begins_with(asset_id, :trash)")
            .expression_attribute_names("#k", "kind")
            .expression_attribute_values(":image", s("image"))
            .expression_attribute_values(":trash", s(crate::domain::trash::TRASH_PREFIX))
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("scan assets"))?;
        let mut found = Vec::new();
        for item in out.items.unwrap_or_default() {
            let a: Asset = serde_dynamo::from_item(item)?;
            found.push((a.user_id, a.asset_id));
        }
        Ok((found, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Saves or unsaves an asset, rewriting its saved index keys with it, and sets its expiry
    /// (`expires_at`: an unsave restarts the clock) or removes it (None: a save). None when the
    /// asset is gone (deleted meanwhile): nothing is written then.
    pub async fn set_saved(&self, asset: &Asset, saved: bool, expires_at: Option<i64>) -> Result<Option<Asset>, StoreError> {
        let mut next = asset.clone();
        next.saved = saved;
        next.expires_at = expires_at;
        let mut set = vec!["saved = :saved".to_string()];
        let mut req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(&asset.user_id, &asset.asset_id)))
            .condition_expression(match expires_at {
                // A held asset (store::holds) gets no expiry: see below.
                Some(_) => "attribute_exists(asset_id) AND attribute_not_exists(holders)",
                None => "attribute_exists(asset_id)",
            })
            .expression_attribute_values(":saved", AttributeValue::Bool(saved));
        for (i, (attr, value)) in saved_index_attributes(&next).into_iter().enumerate() {
            set.push(format!("{attr} = :k{i}"));
            req = req.expression_attribute_values(format!(":k{i}"), s(value));
        }
        let expression = match expires_at {
            Some(at) => {
                set.push(format!("expires_at = :exp, {SHARD_ATTRIBUTE} = :shard"));
                req = req
                    .expression_attribute_values(":exp", AttributeValue::N(at.to_string()))
                    .expression_attribute_values(":shard", s(SHARD));
                format!("SET {}", set.join(", "))
            }
            None => format!("SET {} REMOVE expires_at, {SHARD_ATTRIBUTE}", set.join(", ")),
        };
        let req = req.update_expression(expression);
        let written = super::write("save asset", || req.clone().send()).await?;
        if !written && expires_at.is_some() && self.get_asset(&asset.user_id, &asset.asset_id).await?.is_some() {
            // Held by a collection or a board: unsaved, it still does not expire.
            return Box::pin(self.set_saved(asset, saved, None)).await;
        }
        Ok(written.then_some(next))
    }
}
