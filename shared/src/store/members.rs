//! A collection's memberships (`cmember#{id}#{asset_id}`, store::collections): read a page of
//! them, drop those of an asset deleted for good, delete them with their collection.
//!
//! The gallery filtered by a collection (`GET /api/assets?collection=`): its members newest
//! first, resolved to assets and filtered by `saved`, `kind`, `model`. Pages are full and exact
//! (store::paging reads on until `limit + 1` are kept), and a page never reads more than the
//! collection's members: at most `MAX_COLLECTION_ASSETS` membership items (~100 bytes each,
//! one Query page) and their assets (BatchGetItem, 100 a call).
use super::collections::{SUMMARY, cancelled, key, member_prefix, num};
use super::holds::txn;
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::collection::Holder;
use crate::domain::{Asset, AssetFilter, AssetId, CollectionId, UserId};
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

/// Whether an asset passes the gallery's filters.
pub fn matches(filter: &AssetFilter, a: &Asset) -> bool {
    filter.saved.is_none_or(|s| a.saved == s)
        && filter.kind.is_none_or(|k| a.kind == k)
        && filter.model.as_deref().is_none_or(|m| a.model.as_deref() == Some(m))
}

impl Store {
    /// A page of the assets of a collection that match `filter`, newest first, below `before`,
    /// and the id to continue after. Members whose asset is gone (or trashed) are skipped.
    pub async fn list_collection_assets(
        &self,
        user: &UserId,
        id: &CollectionId,
        filter: &AssetFilter,
        limit: usize,
        before: Option<&AssetId>,
    ) -> Result<(Vec<Asset>, Option<AssetId>), StoreError> {
        let read = |start, want: usize| async move {
            // Read a whole Query page of members when filtering: most may be dropped.
            let ask = if filter.saved.is_some() || filter.kind.is_some() || filter.model.is_some() {
                100
            } else {
                want
            };
            let (ids, next) = self.collection_members(user, id, before, ask.max(want), start).await?;
            let assets = self.get_assets(user, &ids).await?;
            let kept: Vec<Asset> = assets.into_iter().filter(|a| matches(filter, a)).collect();
            Ok::<_, StoreError>((kept, next))
        };
        // read_page keeps `limit` and gives the last one's id as the cursor when more were kept
        // (reading past the page within one Query is fine: the next page starts below it).
        super::paging::read_page(limit, read, |a: &Asset| a.asset_id.clone()).await
    }

    /// A page of a collection's member asset ids, newest first (ULIDs), below `before` (an
    /// asset id), from `start` (a `LastEvaluatedKey`), at most `limit`.
    pub async fn collection_members(
        &self,
        user: &UserId,
        id: &CollectionId,
        before: Option<&AssetId>,
        limit: usize,
        start: Option<Item>,
    ) -> Result<(Vec<AssetId>, Option<Item>), StoreError> {
        let prefix = member_prefix(id);
        let hi = match before {
            Some(b) => format!("{prefix}{b}"),
            None => format!("{prefix}\u{ffff}"),
        };
        let out = self
            .ddb
            .query()
            .table_name(&self.tables.usage)
            .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":lo", s(&prefix))
            .expression_attribute_values(":hi", s(&hi))
            .scan_index_forward(false)
            .consistent_read(true)
            .limit(limit.max(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(aws("list collection members"))?;
        let ids = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i.get("period").and_then(|p| p.as_s().ok()))
            .filter_map(|p| p.strip_prefix(&prefix).and_then(AssetId::parse))
            .filter(|a| Some(a) != before)
            .collect();
        Ok((ids, out.last_evaluated_key.filter(|k| !k.is_empty())))
    }

    /// Deletes one membership item alone (a collection's delete: its summary goes after).
    pub async fn delete_member_item(&self, user: &UserId, id: &CollectionId, asset: &AssetId) -> Result<(), StoreError> {
        let req = self
            .ddb
            .delete_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{}{asset}", member_prefix(id)))));
        super::write("delete membership", || req.clone().send()).await?;
        Ok(())
    }

    /// The collections holding an asset (its `holders`), for removing its memberships when
    /// it is deleted for good.
    pub async fn asset_collections(&self, user: &UserId, asset: &AssetId) -> Result<Vec<CollectionId>, StoreError> {
        let state = self.hold_state(user, asset).await?;
        Ok(state
            .map(|s| s.holders)
            .unwrap_or_default()
            .iter()
            .filter_map(|h| match Holder::parse(h) {
                Some(Holder::Collection(c)) => Some(c),
                _ => None,
            })
            .collect())
    }

    /// Removes a membership of an asset deleted for good and takes it off the count (the asset
    /// is not touched: it is gone or going). False when there was no such membership.
    pub async fn drop_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId) -> Result<bool, StoreError> {
        let del = Delete::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{}{asset}", member_prefix(id)))))
            .condition_expression("attribute_exists(period)")
            .build()
            .map_err(aws("build delete"))?;
        let summary = self
            .usage_update(key(user, format!("{SUMMARY}{id}")))
            .update_expression("SET item_count = item_count - :one")
            .condition_expression("attribute_exists(period) AND item_count > :zero")
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .build()
            .map_err(aws("build count"))?;
        let items = vec![TransactWriteItem::builder().delete(del.clone()).build(), txn(summary)];
        match super::transact(self, "drop membership", items).await? {
            Ok(()) => Ok(true),
            Err(codes) if failed_at(&codes, 0) => Ok(false),
            // The summary is gone (its delete is finishing): the membership alone goes.
            Err(codes) if failed_at(&codes, 1) => {
                let items = vec![TransactWriteItem::builder().delete(del).build()];
                Ok(super::transact(self, "drop membership", items).await?.is_ok())
            }
            Err(codes) => Err(cancelled("drop membership", &codes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AssetKind;

    /// A full collection's memberships, each as large as it can be (the longest user id and
    /// output id), fit one Query page (1 MB): the filtered gallery's worst page reads them in
    /// one Query. DynamoDB's size: attribute names plus values.
    #[test]
    fn a_full_collections_members_fit_one_query_page() {
        let user = "u".repeat(128);
        let period = format!(
            "{}{}#{}-999",
            super::super::collections::MEMBER,
            CollectionId::new(),
            AssetId::new()
        );
        let one = "user_id".len() + user.len() + "period".len() + period.len() + "added_at".len() + "2026-12-06T12:00:00.000Z".len();
        let all = one * crate::domain::collection::MAX_COLLECTION_ASSETS as usize;
        assert!(all < 1024 * 1024 / 2, "{all} bytes: at most half a Query page");
    }

    #[test]
    fn filters_match_like_the_gallery_indexes() {
        let mut a: Asset = serde_json::from_value(serde_json::json!({
            "user_id": "u1", "asset_id": AssetId::new(), "kind": "image", "source": "generated",
            "model": "imagen-4", "saved": false, "content_type": "image/png", "bytes": 1,
            "created_at": "2026-12-06T00:00:00Z", "s3_key": "k"
        }))
        .unwrap();
        assert!(matches(&AssetFilter::default(), &a));
        let saved = AssetFilter {
            saved: Some(true),
            ..Default::default()
        };
        assert!(!matches(&saved, &a));
        a.saved = true;
        assert!(matches(&saved, &a));
        assert!(!matches(
            &AssetFilter {
                kind: Some(AssetKind::Video),
                ..Default::default()
            },
            &a
        ));
        assert!(matches(
            &AssetFilter {
                model: Some("imagen-4".into()),
                ..Default::default()
            },
            &a
        ));
        assert!(!matches(
            &AssetFilter {
                model: Some("seedream-4".into()),
                ..Default::default()
            },
            &a
        ));
    }
}
