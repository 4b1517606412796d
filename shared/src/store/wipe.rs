//! What the account erasure (service::erase) reads and deletes of one user: every table is
//! read by the user's own keys (their partition of jobs, assets and usage, `user#{sub}` of
//! shares), never by a scan, except the idempotency table, whose keys (`idem#{sub}#…`,
//! `rate#{sub}#…`) can't be listed by user: it is scanned once, a page a step, by key prefix.
//! Deletes are BatchWriteItem, 25 a call, resending what DynamoDB leaves unprocessed.
use super::account::ACCOUNT_PERIOD;
use super::paging::partition_page;
use super::retry::{self, Contention};
use super::trash::from_trash_item;
use super::{Item, Store, StoreError, aws, s};
use crate::domain::trash::TRASH_PREFIX;
use crate::domain::{Asset, Job, UserId};
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};

/// One of the user's asset records: its key, and the asset it describes (a trashed record's is
/// the asset under its own id) when the record reads as one.
#[derive(Clone, Debug)]
pub struct AssetRecord {
    pub key: String,
    pub asset: Option<Asset>,
}

/// One of the user's share links: the owner's item's `sk`, and the token's lookup item's hash.
#[derive(Clone, Debug)]
pub struct ShareRecord {
    pub sk: String,
    pub token_hash: Option<String>,
}

type Page<T> = (Vec<T>, Option<Item>);

/// BatchWriteItem's limit on the requests of one call.
const BATCH_WRITE: usize = 25;
/// Rounds of resending unprocessed items before the delete reports busy.
const UNPROCESSED_TRIES: u32 = 8;

/// The table a batch of the erasure's deletes is for. Each is named where the call is made,
/// so tools/infra-check sees which tables the erasure writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiped {
    Jobs,
    Assets,
    Usage,
    Shares,
    Idempotency,
}

fn next(k: Option<Item>) -> Option<Item> {
    k.filter(|k| !k.is_empty())
}

fn text(item: &Item, k: &str) -> Option<String> {
    item.get(k).and_then(|v| v.as_s().ok()).cloned()
}

impl Store {
    /// A page of the user's jobs (every state).
    pub async fn user_jobs(&self, user: &UserId, limit: i32, start: Option<Item>) -> Result<Page<Job>, StoreError> {
        let query = self.ddb.query().table_name(&self.tables.jobs);
        let (items, next) = partition_page(query, ("user_id", user.as_str()), limit, start, "list user jobs").await?;
        let jobs = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
        Ok((jobs, next))
    }

    /// A page of the user's asset records, live and trashed.
    pub async fn user_asset_records(&self, user: &UserId, limit: i32, start: Option<Item>) -> Result<Page<AssetRecord>, StoreError> {
        let query = self.ddb.query().table_name(&self.tables.assets);
        let (items, next) = partition_page(query, ("user_id", user.as_str()), limit, start, "list user assets").await?;
        let records = items
            .into_iter()
            .filter_map(|item| {
                let key = text(&item, "asset_id")?;
                let asset = if key.starts_with(TRASH_PREFIX) {
                    from_trash_item(item).ok().map(|t| t.asset)
                } else {
                    serde_dynamo::from_item(item).ok()
                };
                Some(AssetRecord { key, asset })
            })
            .collect();
        Ok((records, next))
    }

    /// A page of the `period`s of the user's usage partition, but for the account item (the
    /// tombstone stays until its time: domain::erasure).
    pub async fn user_usage_periods(&self, user: &UserId, limit: i32, start: Option<Item>) -> Result<Page<String>, StoreError> {
        let query = self.ddb.query().table_name(&self.tables.usage).projection_expression("period");
        let (items, next) = partition_page(query, ("user_id", user.as_str()), limit, start, "list user usage").await?;
        let periods = items
            .iter()
            .filter_map(|i| text(i, "period"))
            .filter(|p| p != ACCOUNT_PERIOD)
            .collect();
        Ok((periods, next))
    }

    /// A page of the user's share links (expired ones too: TTL removes them late).
    pub async fn user_share_records(&self, user: &UserId, limit: i32, start: Option<Item>) -> Result<Page<ShareRecord>, StoreError> {
        let query = self.ddb.query().table_name(&self.tables.shares);
        let owner = format!("user#{}", user.as_str());
        let (items, next) = partition_page(query, ("pk", &owner), limit, start, "list user shares").await?;
        let shares = items
            .iter()
            .filter_map(|i| {
                Some(ShareRecord {
                    sk: text(i, "sk")?,
                    token_hash: text(i, "token_hash"),
                })
            })
            .collect();
        Ok((shares, next))
    }

    /// One page of a scan of the idempotency table for the user's claims (`idem#{sub}#…`,
    /// `rate#{sub}#…`), from `after` (a `key`), and the key to go on from (None: the end).
    pub async fn user_claims(&self, user: &UserId, limit: i32, after: Option<String>) -> Result<(Vec<String>, Option<String>), StoreError> {
        let out = self
            .ddb
            .scan()
            .table_name(&self.tables.idempotency)
            .filter_expression("begins_with(#k, :idem) OR begins_with(#k, :rate)")
            .expression_attribute_names("#k", "key")
            .expression_attribute_values(":idem", s(format!("idem#{}#", user.as_str())))
            .expression_attribute_values(":rate", s(format!("rate#{}#", user.as_str())))
            .projection_expression("#k")
            .limit(limit)
            .set_exclusive_start_key(after.map(|k| Item::from([("key".into(), s(k))])))
            .send()
            .await
            .map_err(aws("scan user claims"))?;
        let keys = out.items.unwrap_or_default().iter().filter_map(|i| text(i, "key")).collect();
        let after = next(out.last_evaluated_key).and_then(|k| text(&k, "key"));
        Ok((keys, after))
    }

    /// Deletes these items (keys) of the table `which`, 25 a BatchWriteItem.
    pub async fn delete_keys(&self, which: Wiped, keys: Vec<Item>) -> Result<(), StoreError> {
        let requests = keys
            .into_iter()
            .map(|k| {
                let del = DeleteRequest::builder().set_key(Some(k)).build().map_err(aws("build delete"))?;
                Ok(WriteRequest::builder().delete_request(del).build())
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        for chunk in requests.chunks(BATCH_WRITE) {
            self.wipe_batch(which, chunk.to_vec()).await?;
        }
        Ok(())
    }

    async fn wipe_batch(&self, which: Wiped, mut pending: Vec<WriteRequest>) -> Result<(), StoreError> {
        const OP: &str = "erase a user's items";
        for attempt in 0..UNPROCESSED_TRIES {
            let (table, req) = match which {
                Wiped::Jobs => (
                    &self.tables.jobs,
                    self.ddb.batch_write_item().request_items(&self.tables.jobs, pending.clone()),
                ),
                Wiped::Assets => (
                    &self.tables.assets,
                    self.ddb.batch_write_item().request_items(&self.tables.assets, pending.clone()),
                ),
                Wiped::Usage => (
                    &self.tables.usage,
                    self.ddb.batch_write_item().request_items(&self.tables.usage, pending.clone()),
                ),
                Wiped::Shares => (
                    &self.tables.shares,
                    self.ddb.batch_write_item().request_items(&self.tables.shares, pending.clone()),
                ),
                Wiped::Idempotency => (
                    &self.tables.idempotency,
                    self.ddb.batch_write_item().request_items(&self.tables.idempotency, pending.clone()),
                ),
            };
            let out = match retry::send(OP, |e: &super::Sdk<_>| e.contention(), || req.clone().send()).await? {
                Ok(out) => out,
                Err(e) => return Err(aws(OP)(e)),
            };
            pending = out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(retry::backoff(attempt, retry::jitter())).await;
        }
        Err(StoreError::Busy {
            op: OP,
            reason: format!("{} items still unprocessed", pending.len()),
        })
    }

    /// The keys of a user's items in each table, for [`Store::delete_keys`].
    pub fn user_key(&self, user: &UserId, range: &str, value: &str) -> Item {
        Item::from([("user_id".into(), s(user.as_str())), (range.into(), s(value))])
    }
}

/// The key of a share link's lookup item (store::shares).
pub fn share_lookup_key(hash: &str) -> Item {
    Item::from([("pk".into(), s(format!("token#{hash}"))), ("sk".into(), s("token"))])
}

/// The key of a share link's owner item, by its `sk`.
pub fn share_owner_key(user: &UserId, sk: &str) -> Item {
    Item::from([("pk".into(), s(format!("user#{}", user.as_str()))), ("sk".into(), s(sk))])
}

/// The key of an idempotency item.
pub fn claim_key(key: String) -> Item {
    Item::from([("key".into(), s(key))])
}
