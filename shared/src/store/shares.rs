//! Share links in the `shares` table (docs/data-model.md), keyed `pk`/`sk`, every item with
//! `expires_at` for DynamoDB's TTL:
//!
//! - `user#{sub}` / `share#{share_id}`: the owner's link (their list, the open count);
//! - `token#{sha256}` / `token`: the same link found by its token's hash alone (one GetItem);
//! - `rate#{source ip}` / `{minute}`: a public route's fixed-window counter (store::rate).
//!
//! Revoking deletes the owner's item and the lookup item in one transaction, so the next read
//! (consistent) finds nothing: a revoked link is a 404 at once.
use super::{Item, Store, StoreError, aws, s};
use crate::domain::UserId;
use crate::domain::share::{Share, TokenHash};
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};

const OWNER_PREFIX: &str = "share#";

fn owner_key(user: &UserId, share_id: &str) -> Item {
    Item::from([
        ("pk".into(), s(format!("user#{}", user.as_str()))),
        ("sk".into(), s(format!("{OWNER_PREFIX}{share_id}"))),
    ])
}

fn lookup_key(hash: &str) -> Item {
    Item::from([("pk".into(), s(format!("token#{hash}"))), ("sk".into(), s("token"))])
}

impl Store {
    fn share_item(&self, share: &Share, key: Item) -> Result<TransactWriteItem, StoreError> {
        let mut item: Item = serde_dynamo::to_item(share)?;
        item.extend(key);
        let put = Put::builder()
            .table_name(&self.tables.shares)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(aws("build put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn share_delete(&self, key: Item) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.tables.shares)
            .set_key(Some(key))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(aws("build delete"))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Writes the owner's item and the token's lookup item, both or neither.
    pub async fn create_share(&self, share: &Share) -> Result<(), StoreError> {
        let items = vec![
            self.share_item(share, owner_key(&share.user_id, &share.share_id))?,
            self.share_item(share, lookup_key(&share.token_hash))?,
        ];
        match super::transact(self, "create share", items).await? {
            Ok(()) => Ok(()),
            Err(codes) => Err(StoreError::Aws {
                op: "create share",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// The user's link `share_id` (another user's is a miss), expired or not.
    pub async fn get_share(&self, user: &UserId, share_id: &str) -> Result<Option<Share>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.shares)
            .set_key(Some(owner_key(user, share_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get share"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// The link a token's hash names, read consistently (a revoke is seen at once), expired or
    /// not: the caller checks the expiry, since TTL deletes late.
    pub async fn share_by_token(&self, hash: &TokenHash) -> Result<Option<Share>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.shares)
            .set_key(Some(lookup_key(hash.as_str())))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("share by token"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// Deletes both items of the link. False when the user has no such link (or it was
    /// revoked meanwhile): nothing was deleted.
    pub async fn revoke_share(&self, share: &Share) -> Result<bool, StoreError> {
        let items = vec![
            self.share_delete(owner_key(&share.user_id, &share.share_id))?,
            self.share_delete(lookup_key(&share.token_hash))?,
        ];
        Ok(super::transact(self, "revoke share", items).await?.is_ok())
    }

    /// Counts one public read on the owner's item. False when the link is gone (revoked
    /// between the lookup and now): the read answers 404 then too.
    pub async fn count_share_open(&self, share: &Share) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.shares)
            .set_key(Some(owner_key(&share.user_id, &share.share_id)))
            .update_expression("ADD opens :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":one", AttributeValue::N("1".into()));
        super::write("count share open", || req.clone().send()).await
    }

    /// The user's links newest first, `limit` at a time after the share id `after`, the
    /// expired ones left out (TTL removes them within days).
    pub async fn list_shares(
        &self,
        user: &UserId,
        limit: i32,
        after: Option<&str>,
        now: i64,
    ) -> Result<(Vec<Share>, Option<String>), StoreError> {
        let hi = match after {
            Some(a) => format!("{OWNER_PREFIX}{a}"),
            None => format!("{OWNER_PREFIX}\u{ffff}"),
        };
        let read = |start: Option<Item>, want: usize| {
            let q = self
                .ddb
                .query()
                .table_name(&self.tables.shares)
                .key_condition_expression("pk = :u AND sk BETWEEN :lo AND :hi")
                .expression_attribute_values(":u", s(format!("user#{}", user.as_str())))
                .expression_attribute_values(":lo", s(OWNER_PREFIX))
                .expression_attribute_values(":hi", s(&hi))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit((want + usize::from(after.is_some())) as i32)
                .set_exclusive_start_key(start);
            async move {
                let out = q.send().await.map_err(aws("list shares"))?;
                let mut items: Vec<Share> = out
                    .items
                    .unwrap_or_default()
                    .into_iter()
                    .map(serde_dynamo::from_item)
                    .collect::<Result<_, _>>()?;
                items.retain(|x| Some(x.share_id.as_str()) != after && x.live_at(now));
                Ok::<_, StoreError>((items, out.last_evaluated_key.filter(|k| !k.is_empty())))
            }
        };
        super::paging::read_page(limit.max(0) as usize, read, |x: &Share| x.share_id.clone()).await
    }

    /// Counts one request from `source` in the minute `window` (epoch minutes) and says whether
    /// it is within `limit`. A fixed window: at most `limit` a minute, `2 × limit` across a
    /// minute's edge. The counter expires with its minute (TTL).
    pub async fn rate_hit(&self, source: &str, window: i64, limit: u32) -> Result<bool, StoreError> {
        let key = Item::from([("pk".into(), s(format!("rate#{source}"))), ("sk".into(), s(window.to_string()))]);
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.shares)
            .set_key(Some(key))
            .update_expression("ADD hits :one SET expires_at = :exp")
            .condition_expression("attribute_not_exists(hits) OR hits < :limit")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .expression_attribute_values(":exp", AttributeValue::N(((window + 2) * 60).to_string()));
        super::write("rate hit", || req.clone().send()).await
    }
}
