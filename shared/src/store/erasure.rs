//! The account item's tombstone and the list of erasures to do (domain::erasure;
//! docs/data-model.md "usage"). Asking for a deletion writes both in one transaction: the
//! tombstone (`{sub}` / `account`, `deleted_at`, `deletion_id`), which every gate and worker
//! reads, and the erasure's item (`_erase` / `{sub}`: `username`, `deleted_at`, `deletion_id`),
//! which the `account-erase` function works through. Nothing can tombstone a user without
//! queueing their erasure, nor queue one without the tombstone.
use super::account::ACCOUNT_PERIOD;
use super::{Item, Store, StoreError, aws, failed_at, s};
use crate::domain::UserId;
use crate::domain::erasure::ERASE_PARTITION;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

/// One erasure still to do (or whose tombstone still waits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Erasure {
    pub user: UserId,
    /// Needed for AdminDeleteUser; removed once the Cognito user is gone.
    pub username: Option<String>,
    /// RFC 3339.
    pub deleted_at: String,
    pub deletion_id: String,
    /// The Cognito user was deleted: only the tombstone is left.
    pub user_gone: bool,
    /// Where the idempotency table's scan for the user's claims stopped (its `key`), and
    /// whether it went through once (`idem_done`).
    pub idem_cursor: Option<String>,
    pub idem_done: bool,
}

/// What asking for a deletion did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeletionStarted {
    /// Tombstone and erasure written now.
    New { deletion_id: String },
    /// Already asked for: the same deletion.
    Already { deletion_id: String },
}

pub(crate) fn account_key(user: &UserId) -> Item {
    Item::from([("user_id".into(), s(user.as_str())), ("period".into(), s(ACCOUNT_PERIOD))])
}

fn erasure_key(user: &UserId) -> Item {
    Item::from([("user_id".into(), s(ERASE_PARTITION)), ("period".into(), s(user.as_str()))])
}

fn text(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}

fn erasure(item: &Item) -> Option<Erasure> {
    Some(Erasure {
        user: UserId::parse(&text(item, "period")?)?,
        username: text(item, "username"),
        deleted_at: text(item, "deleted_at")?,
        deletion_id: text(item, "deletion_id")?,
        user_gone: item.get("user_gone").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
        idem_cursor: text(item, "idem_cursor"),
        idem_done: item.get("idem_done").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
    })
}

impl Store {
    /// Tombstones `user` and queues their erasure, both or neither. A second request finds the
    /// tombstone and answers the first one's deletion.
    pub async fn start_deletion(&self, user: &UserId, username: &str, deletion_id: &str, now: &str) -> Result<DeletionStarted, StoreError> {
        let tombstone = Update::builder()
            .table_name(&self.tables.usage)
            .set_key(Some(account_key(user)))
            .update_expression("SET deleted_at = :at, deletion_id = :id")
            .condition_expression("attribute_not_exists(deleted_at)")
            .expression_attribute_values(":at", s(now))
            .expression_attribute_values(":id", s(deletion_id))
            .build()
            .map_err(aws("build tombstone"))?;
        let mut item = erasure_key(user);
        item.insert("username".into(), s(username));
        item.insert("deleted_at".into(), s(now));
        item.insert("deletion_id".into(), s(deletion_id));
        let queued = Put::builder()
            .table_name(&self.tables.usage)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(period)")
            .build()
            .map_err(aws("build erasure"))?;
        let items = vec![
            TransactWriteItem::builder().update(tombstone).build(),
            TransactWriteItem::builder().put(queued).build(),
        ];
        match super::transact(self, "start deletion", items).await? {
            Ok(()) => Ok(DeletionStarted::New {
                deletion_id: deletion_id.to_string(),
            }),
            Err(codes) if failed_at(&codes, 0) || failed_at(&codes, 1) => {
                let id = self.tombstone(user).await?.map(|(_, id)| id).unwrap_or_default();
                Ok(DeletionStarted::Already { deletion_id: id })
            }
            Err(codes) => Err(StoreError::Aws {
                op: "start deletion",
                source: format!("cancelled: {codes:?}").into(),
            }),
        }
    }

    /// The user's tombstone, `(deleted_at, deletion_id)`, read consistently; None: not deleted.
    pub async fn tombstone(&self, user: &UserId) -> Result<Option<(String, String)>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .set_key(Some(account_key(user)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get tombstone"))?;
        Ok(out
            .item
            .and_then(|i| Some((text(&i, "deleted_at")?, text(&i, "deletion_id").unwrap_or_default()))))
    }

    /// Every erasure still listed, oldest request first within a page of the partition.
    pub async fn erasures(&self, limit: i32, start: Option<Item>) -> Result<(Vec<Erasure>, Option<Item>), StoreError> {
        let query = self.ddb.query().table_name(&self.tables.usage);
        let (items, next) = super::paging::partition_page(query, ("user_id", ERASE_PARTITION), limit, start, "list erasures").await?;
        Ok((items.iter().filter_map(erasure).collect(), next))
    }

    /// Records how far the idempotency scan got (`cursor` None and `done`: through once).
    pub async fn save_idem_scan(&self, user: &UserId, cursor: Option<&str>, done: bool) -> Result<(), StoreError> {
        let mut req = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .set_key(Some(erasure_key(user)))
            .condition_expression("attribute_exists(period)")
            .expression_attribute_values(":d", AttributeValue::Bool(done));
        req = match cursor {
            Some(c) => req
                .update_expression("SET idem_done = :d, idem_cursor = :c")
                .expression_attribute_values(":c", s(c)),
            None => req.update_expression("SET idem_done = :d REMOVE idem_cursor"),
        };
        super::write("save erasure scan", || req.clone().send()).await.map(|_| ())
    }

    /// The Cognito user is gone: the erasure keeps only what the tombstone's removal needs
    /// (the username goes).
    pub async fn erasure_user_gone(&self, user: &UserId) -> Result<(), StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .set_key(Some(erasure_key(user)))
            .update_expression("SET user_gone = :t REMOVE username, idem_cursor")
            .condition_expression("attribute_exists(period)")
            .expression_attribute_values(":t", AttributeValue::Bool(true));
        super::write("erasure user gone", || req.clone().send()).await.map(|_| ())
    }

    /// The tombstone's time is over: removes it, then the erasure's item (a failure between
    /// leaves the erasure listed, and the next run removes both again).
    pub async fn forget_erasure(&self, user: &UserId) -> Result<(), StoreError> {
        for key in [account_key(user), erasure_key(user)] {
            let req = self.ddb.delete_item().table_name(&self.tables.usage).set_key(Some(key));
            super::write("forget erasure", || req.clone().send()).await?;
        }
        Ok(())
    }
}
