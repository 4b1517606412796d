//! A collection's memberships (`cmember#{id}#{asset_id}`, store::collections): read a page of
//! them, take a trashed asset's off its collection's count and back on its restore, drop those
//! of an asset deleted for good, delete them with their collection.
//!
//! A collection's `item_count` counts its live members: while an asset is in the trash its
//! memberships carry `trashed = true` and are not counted (the Collections page and the filtered
//! gallery agree). Each mark or unmark moves the count in the same transaction, conditioned on
//! the asset still being where the mark says (a ConditionCheck of its record), so a restore
//! racing a trash never leaves a live asset uncounted or a trashed one counted.
//!
//! The gallery filtered by a collection (`GET /api/assets?collection=`): its members newest
//! first, resolved to assets and filtered by `saved`, `kind`, `model`. Pages are full and exact
//! (store::paging reads on until `limit + 1` are kept), and a page never reads more than the
//! collection's members: at most `MAX_COLLECTION_ASSETS` membership items (~100 bytes each,
//! one Query page) and their assets (BatchGetItem, 100 a call).
use super::collections::{SUMMARY, cancelled, key, member_prefix, num};
use super::holds::txn;
use super::trash::trashed_key;
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::collection::Holder;
use crate::domain::trash::TRASH_ORDER_ATTRIBUTE;
use crate::domain::{Asset, AssetFilter, AssetId, CollectionId, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, TransactWriteItem};

/// The mark of a membership whose asset is in the trash (not in its collection's count).
pub(super) const TRASHED: &str = "trashed";

/// A membership's delete, conditioned on it existing and being marked `trashed` or not.
pub(super) fn member_delete(store: &Store, user: &UserId, id: &CollectionId, asset: &AssetId, marked: bool) -> Result<Delete, StoreError> {
    let mark = if marked {
        "attribute_exists(#t)"
    } else {
        "attribute_not_exists(#t)"
    };
    Delete::builder()
        .table_name(&store.tables.usage)
        .set_key(Some(key(user, format!("{}{asset}", member_prefix(id)))))
        .condition_expression(format!("attribute_exists(period) AND {mark}"))
        .expression_attribute_names("#t", TRASHED)
        .build()
        .map_err(aws("build delete"))
}

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

    /// Takes a trashed asset off the count of a collection it is in: marks its membership
    /// `trashed` and counts one less, in one transaction, only while the asset is in the trash
    /// as `order` (its `trash_order`) says: a restore meanwhile leaves it counted. False when
    /// nothing changed (marked already, restored meanwhile, no such membership or collection).
    pub async fn uncount_trashed_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId, order: &str) -> Result<bool, StoreError> {
        let mark = self
            .usage_update(key(user, format!("{}{asset}", member_prefix(id))))
            .update_expression("SET #t = :yes")
            .condition_expression("attribute_exists(period) AND attribute_not_exists(#t)")
            .expression_attribute_names("#t", TRASHED)
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(aws("build mark"))?;
        let summary = self
            .usage_update(key(user, format!("{SUMMARY}{id}")))
            .update_expression("SET item_count = item_count - :one")
            .condition_expression("attribute_exists(period) AND item_count > :zero")
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .build()
            .map_err(aws("build count"))?;
        let in_trash = ConditionCheck::builder()
            .table_name(&self.tables.assets)
            .set_key(Some(trashed_key(user, asset)))
            .condition_expression(format!("{TRASH_ORDER_ATTRIBUTE} = :order"))
            .expression_attribute_values(":order", s(order))
            .build()
            .map_err(aws("build check"))?;
        let items = vec![
            txn(mark),
            txn(summary),
            TransactWriteItem::builder().condition_check(in_trash).build(),
        ];
        Ok(super::transact(self, "uncount trashed member", items).await?.is_ok())
    }

    /// Counts a restored asset again in a collection it is in: removes its membership's mark and
    /// counts one more, in one transaction, only while the asset is live (trashed again
    /// meanwhile, it stays uncounted). False when nothing changed.
    pub async fn recount_restored_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId) -> Result<bool, StoreError> {
        let unmark = self
            .usage_update(key(user, format!("{}{asset}", member_prefix(id))))
            .update_expression("REMOVE #t")
            .condition_expression("attribute_exists(#t)")
            .expression_attribute_names("#t", TRASHED)
            .build()
            .map_err(aws("build unmark"))?;
        let summary = self
            .usage_update(key(user, format!("{SUMMARY}{id}")))
            .update_expression("SET item_count = if_not_exists(item_count, :zero) + :one")
            .condition_expression("attribute_exists(period)")
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .build()
            .map_err(aws("build count"))?;
        let live = ConditionCheck::builder()
            .table_name(&self.tables.assets)
            .set_key(Some(super::assets::key(user, asset)))
            .condition_expression("attribute_exists(asset_id)")
            .build()
            .map_err(aws("build check"))?;
        let items = vec![
            txn(unmark),
            txn(summary),
            TransactWriteItem::builder().condition_check(live).build(),
        ];
        Ok(super::transact(self, "recount restored member", items).await?.is_ok())
    }

    /// Removes a membership of an asset deleted for good, with one off the count if it was
    /// counted (a trashed asset's was not; the asset is not touched: it is gone or going).
    /// False when there was no such membership.
    pub async fn drop_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId) -> Result<bool, StoreError> {
        let del = member_delete(self, user, id, asset, false)?;
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
            // Marked (its asset was in the trash: not counted), or gone.
            Err(codes) if failed_at(&codes, 0) => {
                let marked = member_delete(self, user, id, asset, true)?;
                let items = vec![TransactWriteItem::builder().delete(marked).build()];
                Ok(super::transact(self, "drop membership", items).await?.is_ok())
            }
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
