//! The prompt search index (domain::search, docs/decisions/0004-search-index.md): term items in
//! the `usage` table, one partition per user and term (`user_id = "{sub}#term#{term}"`,
//! `period = asset_id`), one item per term of an asset; and the sorted id streams a search joins (terms, a collection's members, a
//! gallery filter's index). Term items carry nothing but their key: a search checks every
//! candidate against the asset itself (store::assets get).
use super::retry::{self, Contention};
use super::{Item, Store, StoreError, aws, s};
use crate::domain::search::{INDEX_VERSION, IdRange, index_terms};
use crate::domain::{Asset, AssetId, IndexKey, UserId};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, PutRequest, WriteRequest};

/// BatchWriteItem's limit on the requests of one call.
const BATCH_WRITE: usize = 25;
/// How many BatchWriteItem calls of one asset are in flight at once.
const WRITE_CONCURRENCY: usize = 4;
/// Rounds of resending unprocessed items before the write reports busy.
const UNPROCESSED_TRIES: u32 = 8;
/// The attribute an asset item carries once all its terms are written: the index version.
pub const MARKER: &str = "search_v";
/// Above every character of an id: the top of an open id range.
const TOP: &str = "~";

/// Where a sorted stream of asset ids is read from.
#[derive(Clone, Debug)]
pub enum IdSource {
    /// Items of a usage partition (`user_id = hash`) whose `period` is this prefix + an asset
    /// id: a term's (its own partition, no prefix) or a collection's members (the user's
    /// partition, `cmember#{collection_id}#`).
    Usage { hash: String, prefix: String },
    /// A gallery filter's index on the assets table (domain::gallery).
    Gallery(IndexKey),
}

/// A term's stream: its own partition. A user id never contains `#`, so no user's partition
/// is a term's.
pub fn term_source(user: &UserId, term: &str) -> IdSource {
    IdSource::Usage {
        hash: format!("{user}#term#{term}"),
        prefix: String::new(),
    }
}

/// A collection's members: `cmember#{collection_id}#{asset_id}` in the user's partition.
pub fn member_source(user: &UserId, collection: &str) -> IdSource {
    IdSource::Usage {
        hash: user.as_str().to_string(),
        prefix: format!("cmember#{collection}#"),
    }
}

fn term_key(user: &UserId, term: &str, asset: &AssetId) -> Item {
    Item::from([
        ("user_id".into(), s(format!("{user}#term#{term}"))),
        ("period".into(), s(asset.as_str())),
    ])
}

/// Whether an asset item needs (re)indexing: it has terms and lacks this version's marker.
pub(crate) fn needs_index(item: &Item, asset: &Asset) -> bool {
    let marked = item.get(MARKER).and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok()) == Some(INDEX_VERSION);
    !marked && !index_terms(asset.prompt.as_deref().unwrap_or("")).is_empty()
}

impl Store {
    /// Writes an asset's term items, then its marker. Nothing for an asset without a prompt (an
    /// upload). Repeating it writes the same items: a redelivered output, or a backfill,
    /// catches up.
    pub async fn index_asset(&self, asset: &Asset) -> Result<(), StoreError> {
        let terms = index_terms(asset.prompt.as_deref().unwrap_or(""));
        if terms.is_empty() {
            return Ok(());
        }
        self.write_terms(&asset.user_id, &asset.asset_id, &terms, true).await?;
        self.mark_indexed(&asset.user_id, &asset.asset_id).await?;
        Ok(())
    }

    /// Writes (`put`) or deletes the term items of one asset, 25 to a BatchWriteItem, a few
    /// calls at once, resending what DynamoDB leaves unprocessed. Not a transaction: the
    /// asset's marker (written last by [`Store::mark_indexed`]) says when all are there.
    pub async fn write_terms(&self, user: &UserId, asset: &AssetId, terms: &[String], put: bool) -> Result<(), StoreError> {
        let requests: Vec<WriteRequest> = terms
            .iter()
            .map(|t| {
                let key = term_key(user, t, asset);
                if put {
                    let put = PutRequest::builder().set_item(Some(key)).build().map_err(aws("build put"))?;
                    Ok(WriteRequest::builder().put_request(put).build())
                } else {
                    let del = DeleteRequest::builder().set_key(Some(key)).build().map_err(aws("build delete"))?;
                    Ok(WriteRequest::builder().delete_request(del).build())
                }
            })
            .collect::<Result<_, StoreError>>()?;
        let mut chunks = requests.chunks(BATCH_WRITE).map(<[WriteRequest]>::to_vec);
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < WRITE_CONCURRENCY {
                let Some(chunk) = chunks.next() else { break };
                let store = self.clone();
                running.spawn(crate::deadline::carry(async move { store.batch_write(chunk).await }));
            }
            match running.join_next().await {
                None => return Ok(()),
                Some(done) => done.map_err(|e| StoreError::Aws {
                    op: "write search terms",
                    source: e.to_string().into(),
                })??,
            }
        }
    }

    async fn batch_write(&self, mut pending: Vec<WriteRequest>) -> Result<(), StoreError> {
        for attempt in 0..UNPROCESSED_TRIES {
            let req = self.ddb.batch_write_item().request_items(&self.tables.usage, pending.clone());
            let out = match retry::send("write search terms", |e: &super::Sdk<_>| e.contention(), || req.clone().send()).await? {
                Ok(out) => out,
                Err(e) => return Err(aws("write search terms")(e)),
            };
            pending = out
                .unprocessed_items
                .and_then(|mut u| u.remove(&self.tables.usage))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            tokio::time::sleep(retry::backoff(attempt, retry::jitter())).await;
        }
        Err(StoreError::Busy {
            op: "write search terms",
            reason: format!("{} items still unprocessed", pending.len()),
        })
    }

    /// Marks an asset as fully indexed (`search_v`). False when the asset is gone.
    pub async fn mark_indexed(&self, user: &UserId, asset: &AssetId) -> Result<bool, StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.assets)
            .set_key(Some(super::assets::key(user, asset)))
            .condition_expression("attribute_exists(asset_id)")
            .update_expression(format!("SET {MARKER} = :v"))
            .expression_attribute_values(":v", AttributeValue::N(INDEX_VERSION.to_string()));
        super::write("mark asset indexed", || req.clone().send()).await
    }

    /// Whether the user has collection `id` (its summary item, contract of the collections).
    pub async fn has_collection(&self, user: &UserId, id: &str) -> Result<bool, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.usage)
            .key("user_id", s(user.as_str()))
            .key("period", s(format!("collection#{id}")))
            .projection_expression("period")
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get collection"))?;
        Ok(out.item.is_some())
    }

    /// One Query of a stream: at most `limit` ids within `range` (inclusive), in order
    /// (`forward`: ascending). The second value is true when the stream has nothing after them.
    pub async fn read_ids(
        &self,
        source: &IdSource,
        range: &IdRange,
        forward: bool,
        limit: usize,
    ) -> Result<(Vec<String>, bool), StoreError> {
        let lo = range.lo.as_deref().unwrap_or("0");
        let hi = range.hi.as_deref().unwrap_or(TOP);
        let sent = match source {
            IdSource::Usage { hash, prefix } => {
                self.ddb
                    .query()
                    .table_name(&self.tables.usage)
                    .key_condition_expression("user_id = :u AND period BETWEEN :lo AND :hi")
                    .expression_attribute_values(":u", s(hash))
                    .expression_attribute_values(":lo", s(format!("{prefix}{lo}")))
                    .expression_attribute_values(":hi", s(format!("{prefix}{hi}")))
                    .projection_expression("period")
                    .consistent_read(true)
                    .scan_index_forward(forward)
                    .limit(limit as i32)
                    .send()
                    .await
            }
            IdSource::Gallery(k) => {
                self.ddb
                    .query()
                    .table_name(&self.tables.assets)
                    .index_name(k.index)
                    .key_condition_expression("#h = :h AND asset_id BETWEEN :lo AND :hi")
                    .expression_attribute_names("#h", k.attribute)
                    .expression_attribute_values(":h", s(&k.value))
                    .expression_attribute_values(":lo", s(lo))
                    .expression_attribute_values(":hi", s(hi))
                    .projection_expression("asset_id")
                    .scan_index_forward(forward)
                    .limit(limit as i32)
                    .send()
                    .await
            }
        };
        let out = sent.map_err(aws("read search ids"))?;
        let ids = out
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| match source {
                IdSource::Usage { prefix, .. } => item
                    .get("period")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|p| p.strip_prefix(prefix.as_str()))
                    .map(str::to_string),
                IdSource::Gallery(_) => item.get("asset_id").and_then(|v| v.as_s().ok()).cloned(),
            })
            .collect();
        Ok((ids, out.last_evaluated_key.is_none_or(|k| k.is_empty())))
    }
}
