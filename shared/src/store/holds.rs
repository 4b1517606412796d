//! Holds (docs/data-model.md, "Holds"): an asset's `holders` string set names every collection
//! it is in (`c#{id}`) and every board it is on (`b#{id}`). While it has one, the asset carries
//! no `expires_at` and the sweep never deletes it. Adding a holder is `ADD` (idempotent) with
//! `REMOVE expires_at`; releasing one is a `DELETE` whose write is conditioned on the state
//! that decided it: the last holder of an unsaved, unpinned result also sets a fresh
//! `expires_at` (now + N days), in the same write.
use super::assets::key;
use super::{Item, Store, StoreError, aws, s};
use crate::domain::collection::Holder;
use crate::domain::expiry::{SHARD, SHARD_ATTRIBUTE};
use crate::domain::{AssetId, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

/// How often a release re-reads and tries again when the asset changed under it.
const RACE_TRIES: usize = 5;

/// What decides a release: the asset's holders and whether it may expire at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HoldState {
    pub holders: Vec<String>,
    pub saved: bool,
    /// A generated result nothing saved depends on (domain::expiry::can_expire).
    pub can_expire: bool,
}

impl HoldState {
    fn from_item(item: &Item) -> HoldState {
        let holders = item.get("holders").and_then(|v| v.as_ss().ok()).cloned().unwrap_or_default();
        let flag = |k: &str| item.get(k).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false);
        let generated = item.get("source").and_then(|v| v.as_s().ok()).is_some_and(|s| s == "generated");
        HoldState {
            holders,
            saved: flag("saved"),
            can_expire: generated && !flag("pinned"),
        }
    }

    /// Whether releasing `holder` leaves the asset to expire (from now).
    pub fn expires_after_release(&self, holder: &str) -> bool {
        self.holders.len() == 1 && self.holders[0] == holder && !self.saved && self.can_expire
    }
}

/// The release of `holder` from an asset whose state was `state`, as an Update, conditioned on
/// that state still deciding the same. None when the asset is not held by it (nothing to do).
pub(crate) fn release_update(
    store: &Store,
    user: &UserId,
    id: &AssetId,
    state: &HoldState,
    holder: &str,
    expires_at: i64,
) -> Result<Option<Update>, StoreError> {
    if !state.holders.iter().any(|h| h == holder) {
        return Ok(None);
    }
    let last = "size(holders) = :one AND saved = :no AND (attribute_not_exists(pinned) OR pinned = :no) AND #src = :gen";
    let u = Update::builder()
        .table_name(&store.tables.assets)
        .set_key(Some(key(user, id)))
        .expression_attribute_names("#src", "source")
        .expression_attribute_values(":h", AttributeValue::Ss(vec![holder.to_string()]))
        .expression_attribute_values(":hs", s(holder))
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":no", AttributeValue::Bool(false))
        .expression_attribute_values(":gen", s("generated"));
    let u = if state.expires_after_release(holder) {
        u.update_expression(format!("DELETE holders :h SET expires_at = :exp, {SHARD_ATTRIBUTE} = :shard"))
            .condition_expression(format!("attribute_exists(asset_id) AND contains(holders, :hs) AND {last}"))
            .expression_attribute_values(":exp", AttributeValue::N(expires_at.to_string()))
            .expression_attribute_values(":shard", s(SHARD))
    } else {
        u.update_expression("DELETE holders :h")
            .condition_expression(format!("attribute_exists(asset_id) AND contains(holders, :hs) AND NOT ({last})"))
    };
    Ok(Some(u.build().map_err(aws("build release"))?))
}

/// Adding `holder` to an asset: it stops expiring. Conditioned on the asset existing (a
/// deleted asset is not resurrected).
pub(crate) fn hold_update(store: &Store, user: &UserId, id: &AssetId, holder: &str) -> Result<Update, StoreError> {
    Update::builder()
        .table_name(&store.tables.assets)
        .set_key(Some(key(user, id)))
        .update_expression(format!("ADD holders :h REMOVE expires_at, {SHARD_ATTRIBUTE}"))
        .condition_expression("attribute_exists(asset_id)")
        .expression_attribute_values(":h", AttributeValue::Ss(vec![holder.to_string()]))
        .build()
        .map_err(aws("build hold"))
}

impl Store {
    /// The asset's hold state, read consistently; None when the user has no such asset.
    pub async fn hold_state(&self, user: &UserId, id: &AssetId) -> Result<Option<HoldState>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(user, id)))
            .projection_expression("holders, saved, pinned, #src")
            .expression_attribute_names("#src", "source")
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("read holds"))?;
        Ok(out.item.as_ref().map(HoldState::from_item))
    }

    /// Adds `holder` to the asset's holders (and removes its expiry). False when it is gone.
    pub async fn add_hold(&self, user: &UserId, id: &AssetId, holder: &Holder) -> Result<bool, StoreError> {
        let u = hold_update(self, user, id, &holder.key())?;
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(u.key().clone()))
            .update_expression(u.update_expression())
            .set_condition_expression(u.condition_expression().map(str::to_owned))
            .set_expression_attribute_values(u.expression_attribute_values().cloned());
        super::write("hold asset", || req.clone().send()).await
    }

    /// Removes `holder` from the asset's holders; when it was the last one of an unsaved result
    /// that may expire, the asset expires at `expires_at` (set in the same write). Re-reads and
    /// tries again when the asset changed between the read and the write. False when the asset
    /// is gone.
    pub async fn release_hold(&self, user: &UserId, id: &AssetId, holder: &Holder, expires_at: i64) -> Result<bool, StoreError> {
        let holder = holder.key();
        for _ in 0..RACE_TRIES {
            let Some(state) = self.hold_state(user, id).await? else {
                return Ok(false);
            };
            let Some(u) = release_update(self, user, id, &state, &holder, expires_at)? else {
                return Ok(true);
            };
            let req = self
                .ddb
                .update_item()
                .table_name(&self.tables.assets)
                .set_key(Some(u.key().clone()))
                .update_expression(u.update_expression())
                .set_condition_expression(u.condition_expression().map(str::to_owned))
                .set_expression_attribute_names(u.expression_attribute_names().cloned())
                .set_expression_attribute_values(u.expression_attribute_values().cloned());
            if super::write("release hold", || req.clone().send()).await? {
                return Ok(true);
            }
        }
        Err(StoreError::Busy {
            op: "release hold",
            reason: "the asset kept changing".into(),
        })
    }

    /// Repairs an asset the sweep found expired but held (an unsave that raced a hold): removes
    /// its expiry while it is held. True when something was repaired.
    pub async fn clear_expiry_if_held(&self, user: &UserId, id: &AssetId) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(key(user, id)))
            .update_expression(format!("REMOVE expires_at, {SHARD_ATTRIBUTE}"))
            .condition_expression("attribute_exists(holders) AND attribute_exists(expires_at)");
        super::write("clear held expiry", || req.clone().send()).await
    }
}

/// An Update as a transaction item.
pub(crate) fn txn(u: Update) -> TransactWriteItem {
    TransactWriteItem::builder().update(u).build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose client is never built (the tests only build requests).
    fn test_store() -> Store {
        let tables = crate::config::Tables {
            jobs: "j".into(),
            assets: "t".into(),
            usage: "u".into(),
            idempotency: "i".into(),
            shares: "s".into(),
        };
        Store::new(crate::lazy::Lazy::new(|| unreachable!("no client in this test")), tables)
    }

    fn state(holders: &[&str], saved: bool, can_expire: bool) -> HoldState {
        HoldState {
            holders: holders.iter().map(|h| h.to_string()).collect(),
            saved,
            can_expire,
        }
    }

    #[test]
    fn only_the_last_holder_of_an_unsaved_result_restarts_its_expiry() {
        assert!(state(&["c#A"], false, true).expires_after_release("c#A"));
        assert!(!state(&["c#A", "b#B"], false, true).expires_after_release("c#A"));
        assert!(!state(&["c#A"], true, true).expires_after_release("c#A"));
        assert!(!state(&["c#A"], false, false).expires_after_release("c#A"));
        assert!(!state(&["b#B"], false, true).expires_after_release("c#A"));
    }

    #[test]
    fn a_release_is_conditioned_on_the_state_that_decided_it() {
        let (user, id) = (UserId::parse("u1").unwrap(), AssetId::new());
        let store = test_store();
        let last = release_update(&store, &user, &id, &state(&["c#A"], false, true), "c#A", 9)
            .unwrap()
            .unwrap();
        assert!(last.update_expression().contains("SET expires_at"));
        assert!(!last.condition_expression().unwrap().contains("NOT"));
        let other = release_update(&store, &user, &id, &state(&["c#A", "b#B"], false, true), "c#A", 9)
            .unwrap()
            .unwrap();
        assert_eq!(other.update_expression(), "DELETE holders :h");
        assert!(other.condition_expression().unwrap().contains("NOT ("));
        assert!(
            release_update(&store, &user, &id, &state(&["b#B"], false, true), "c#A", 9)
                .unwrap()
                .is_none()
        );
    }
}
