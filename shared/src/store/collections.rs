//! Named collections in the `usage` table's user partition (docs/data-model.md,
//! "Collections"), the third kind of owned thing beside sets, stories and boards
//! (store::owned):
//! - `collection#{id}`: the summary (name, `item_count`, times), what the list and view read;
//! - `cmember#{id}#{asset_id}`: one membership, so a collection's assets list newest first by a
//!   range on that prefix and "is A in C" is one GetItem;
//! - `collections`: the user's number of collections (`n`), the limit's condition.
//!
//! A membership is written or removed in one transaction with the summary's `item_count` and
//! the asset's holders (store::holds), so the three never disagree.
use super::holds::{HoldState, hold_update, release_update, txn};
use super::members::member_delete;
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::collection::{Holder, MAX_COLLECTION_ASSETS, MAX_COLLECTIONS};
use crate::domain::{AssetId, Collection, CollectionId, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update};

/// The summary's sort-key prefix.
pub const SUMMARY: &str = "collection#";
/// A membership's prefix: `cmember#{collection_id}#{asset_id}`.
pub const MEMBER: &str = "cmember#";
/// The counter item of a user's collections.
const COUNTER: &str = "collections";

pub(super) fn member_prefix(id: &CollectionId) -> String {
    format!("{MEMBER}{id}#")
}

pub(super) fn key(user: &UserId, period: String) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(period))])
}

pub(super) fn num(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// What adding one asset to a collection came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddOutcome {
    Added,
    /// It was in the collection already.
    Already,
    /// The user has no such asset.
    NoAsset,
    /// The collection is gone (or being deleted).
    NoCollection,
    /// The collection holds `MAX_COLLECTION_ASSETS` already.
    Full,
}

/// What removing one asset from a collection came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed,
    /// It was not in the collection.
    NotMember,
    NoCollection,
}

impl Store {
    pub(super) fn usage_update(&self, k: Item) -> aws_sdk_dynamodb::types::builders::UpdateBuilder {
        Update::builder().table_name(&self.tables.usage).set_key(Some(k))
    }

    /// Writes a new collection and counts it, in one transaction. False when the user has
    /// `MAX_COLLECTIONS` already (nothing written).
    pub async fn create_collection(&self, user: &UserId, c: &Collection) -> Result<bool, StoreError> {
        let mut item: Item = serde_dynamo::to_item(c)?;
        item.insert("user_id".into(), s(user.as_str()));
        item.insert("period".into(), s(format!("{SUMMARY}{}", c.collection_id)));
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        let count = self
            .usage_update(key(user, COUNTER.into()))
            .update_expression("SET n = if_not_exists(n, :zero) + :one")
            .condition_expression("attribute_not_exists(n) OR n < :max")
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .expression_attribute_values(":max", num(MAX_COLLECTIONS))
            .build()
            .map_err(aws("build count"))?;
        let items = vec![TransactWriteItem::builder().put(put).build(), txn(count)];
        match super::transact(self, "create collection", items).await? {
            Ok(()) => Ok(true),
            // An earlier try of this very transaction was applied: ids are fresh ULIDs.
            Err(codes) if failed_at(&codes, 0) => Ok(true),
            Err(codes) if failed_at(&codes, 1) => Ok(false),
            Err(codes) => Err(cancelled("create collection", &codes)),
        }
    }

    /// The collection, read consistently (another user's is a miss). One being deleted is
    /// returned with `deleting`: callers treat it as gone.
    pub async fn get_collection(&self, user: &UserId, id: &CollectionId) -> Result<Option<Collection>, StoreError> {
        self.get_owned(user, SUMMARY, id.as_str(), "get collection").await
    }

    /// The user's collections newest first, `limit` at a time after `after`.
    pub async fn list_collections(
        &self,
        user: &UserId,
        limit: i32,
        after: Option<&str>,
    ) -> Result<(Vec<Collection>, Option<String>), StoreError> {
        let id_of = |c: &Collection| c.collection_id.to_string();
        self.list_owned(user, SUMMARY, (limit, after), id_of, "list collections").await
    }

    /// Renames a collection (not one being deleted). None when there is none.
    pub async fn rename_collection(
        &self,
        user: &UserId,
        id: &CollectionId,
        name: &str,
        now: &str,
    ) -> Result<Option<Collection>, StoreError> {
        let out = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{SUMMARY}{id}"))))
            .update_expression("SET #n = :name, updated_at = :now")
            .condition_expression("attribute_exists(period) AND attribute_not_exists(deleting)")
            .expression_attribute_names("#n", "name")
            .expression_attribute_values(":name", s(name))
            .expression_attribute_values(":now", s(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match out {
            Ok(o) => Ok(o.attributes.map(serde_dynamo::from_item).transpose()?),
            Err(e) if is_condition_failed(&e) => Ok(None),
            Err(e) => Err(aws("rename collection")(e)),
        }
    }

    /// Starts a delete: the collection takes no new member from now on. False when none.
    pub async fn mark_collection_deleting(&self, user: &UserId, id: &CollectionId) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{SUMMARY}{id}"))))
            .update_expression("SET deleting = :yes")
            .condition_expression("attribute_exists(period)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true));
        super::write("mark collection deleting", || req.clone().send()).await
    }

    /// Ends a delete once its memberships are gone: the summary and one off the count.
    pub async fn finish_collection_delete(&self, user: &UserId, id: &CollectionId) -> Result<(), StoreError> {
        let del = Delete::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(key(user, format!("{SUMMARY}{id}"))))
            .condition_expression("attribute_exists(period)")
            .build()
            .map_err(aws("build delete"))?;
        let count = self
            .usage_update(key(user, COUNTER.into()))
            .update_expression("SET n = n - :one")
            .condition_expression("n > :zero")
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .build()
            .map_err(aws("build count"))?;
        let items = vec![TransactWriteItem::builder().delete(del.clone()).build(), txn(count)];
        match super::transact(self, "delete collection", items).await? {
            // Gone already: an earlier try of this transaction was applied.
            Ok(()) => Ok(()),
            Err(codes) if failed_at(&codes, 0) => Ok(()),
            // The count is at 0 already (it never goes below): the summary alone goes.
            Err(codes) if failed_at(&codes, 1) => {
                let items = vec![TransactWriteItem::builder().delete(del).build()];
                super::transact(self, "delete collection", items).await?.ok();
                Ok(())
            }
            Err(codes) => Err(cancelled("delete collection", &codes)),
        }
    }

    /// Puts an asset in a collection: the membership, the summary's count (only while it exists,
    /// is not being deleted and has room) and the asset's hold, in one transaction.
    pub async fn add_member(&self, user: &UserId, id: &CollectionId, asset: &AssetId, now: &str) -> Result<AddOutcome, StoreError> {
        let summary = self
            .usage_update(key(user, format!("{SUMMARY}{id}")))
            .update_expression("SET item_count = if_not_exists(item_count, :zero) + :one, updated_at = :now")
            .condition_expression(
                "attribute_exists(period) AND attribute_not_exists(deleting) AND (attribute_not_exists(item_count) OR item_count < :max)",
            )
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .expression_attribute_values(":max", num(MAX_COLLECTION_ASSETS))
            .expression_attribute_values(":now", s(now))
            .build()
            .map_err(aws("build count"))?;
        let mut member = key(user, format!("{}{asset}", member_prefix(id)));
        member.insert("added_at".into(), s(now));
        let put = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(member))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build put"))?;
        let hold = hold_update(self, user, asset, &Holder::Collection(id.clone()).key())?;
        let items = vec![txn(summary), TransactWriteItem::builder().put(put).build(), txn(hold)];
        let codes = match super::transact(self, "add to collection", items).await? {
            Ok(()) => return Ok(AddOutcome::Added),
            Err(codes) => codes,
        };
        if failed_at(&codes, 1) {
            return Ok(AddOutcome::Already);
        }
        if failed_at(&codes, 2) {
            return Ok(AddOutcome::NoAsset);
        }
        if failed_at(&codes, 0) {
            return Ok(match self.get_collection(user, id).await? {
                Some(c) if !c.deleting => AddOutcome::Full,
                _ => AddOutcome::NoCollection,
            });
        }
        Err(cancelled("add to collection", &codes))
    }

    /// Takes an asset out of a collection: the membership, one off the count and the asset's
    /// hold (store::holds: the last holder of an unsaved result restarts its expiry at
    /// `expires_at`), in one transaction; re-read and tried again if the asset changed. An asset
    /// that no longer exists only loses its membership.
    pub async fn remove_member(
        &self,
        user: &UserId,
        id: &CollectionId,
        asset: &AssetId,
        expires_at: i64,
    ) -> Result<RemoveOutcome, StoreError> {
        let holder = Holder::Collection(id.clone()).key();
        // A membership marked `trashed` is not counted (store::members): one left on a live
        // asset (its restore could not count it again) goes without touching the count.
        let mut marked = false;
        for _ in 0..5 {
            let state: Option<HoldState> = self.hold_state(user, asset).await?;
            let mut items = Vec::new();
            if !marked {
                let summary = self
                    .usage_update(key(user, format!("{SUMMARY}{id}")))
                    .update_expression("SET item_count = item_count - :one")
                    .condition_expression("attribute_exists(period) AND item_count > :zero")
                    .expression_attribute_values(":zero", num(0))
                    .expression_attribute_values(":one", num(1))
                    .build()
                    .map_err(aws("build count"))?;
                items.push(txn(summary));
            }
            let member = items.len();
            let del = member_delete(self, user, id, asset, marked)?;
            items.push(TransactWriteItem::builder().delete(del).build());
            if let Some(st) = &state
                && let Some(u) = release_update(self, user, asset, st, &holder, expires_at)?
            {
                items.push(txn(u));
            }
            let codes = match super::transact(self, "remove from collection", items).await? {
                Ok(()) => return Ok(RemoveOutcome::Removed),
                Err(codes) => codes,
            };
            if failed_at(&codes, member) {
                if marked {
                    return Ok(RemoveOutcome::NotMember);
                }
                marked = true;
                continue;
            }
            if !marked && failed_at(&codes, 0) {
                return Ok(RemoveOutcome::NoCollection);
            }
            if !failed_at(&codes, member + 1) {
                return Err(cancelled("remove from collection", &codes));
            }
        }
        Err(StoreError::Busy {
            op: "remove from collection",
            reason: "the asset kept changing".into(),
        })
    }
}

fn is_condition_failed<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    e: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    e.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

/// A transaction cancelled for another reason than the conditions its caller handles.
pub(super) fn cancelled(op: &'static str, codes: &[Option<String>]) -> StoreError {
    StoreError::Aws {
        op,
        source: format!("transaction cancelled: {codes:?}").into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partition's other ranges never take a collection's items, and a collection's members
    /// range holds only its own (ids are ULIDs of one length).
    #[test]
    fn collection_items_sort_outside_every_other_range() {
        let c = CollectionId::new();
        let member = format!("{}{}", member_prefix(&c), AssetId::new());
        let summary = format!("{SUMMARY}{c}");
        for (lo, hi) in [
            ("board#", "board#\u{ffff}"),
            ("day#", "day#\u{ffff}"),
            ("set#", "set#\u{ffff}"),
            ("story#", "story#\u{ffff}"),
        ] {
            for p in [member.as_str(), summary.as_str(), COUNTER] {
                assert!(!(lo <= p && p <= hi), "{p} in {lo}");
            }
        }
        let (lo, hi) = (SUMMARY.to_string(), format!("{SUMMARY}\u{ffff}"));
        assert!(!(lo.as_str() <= COUNTER && COUNTER <= hi.as_str()));
        assert!(!(lo <= member && member <= hi));
        let other = member_prefix(&CollectionId::new());
        assert!(!(other.as_str() <= member.as_str() && member.as_str() <= format!("{other}\u{ffff}").as_str()));
    }
}
