use super::{Item, Store, StoreError, aws, n, s, write};
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

/// An Idempotency-Key claim: `key` is `idem#{sub}#{client key}`; expires with TTL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdempotencyRecord {
    pub key: String,
    pub job_id: String,
    pub request_hash: String,
    pub expires_at: i64,
}

/// What the earlier use of an Idempotency-Key was, once claiming it failed in a create.
pub(crate) enum EarlierUse {
    /// Another request (its hash differs): a 409.
    OtherRequest,
    /// This very request, which made the thing with this id (a job, a story): a replay.
    Made(String),
}

impl Store {
    /// The transaction item that claims `rec`'s key (fails when the key was used before).
    pub(crate) fn claim_key_item(&self, rec: &IdempotencyRecord) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.tables.idempotency)
            .set_item(Some(serde_dynamo::to_item(rec)?))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", "key")
            .build()
            .map_err(aws("build put"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Reads the earlier use of `rec`'s key, after a create failed to claim it.
    pub(crate) async fn earlier_use(&self, rec: &IdempotencyRecord) -> Result<EarlierUse, StoreError> {
        let prev = self.get_idempotency(&rec.key).await?.ok_or_else(|| StoreError::Aws {
            op: "idempotency",
            source: "key vanished".into(),
        })?;
        Ok(if prev.request_hash == rec.request_hash {
            EarlierUse::Made(prev.job_id)
        } else {
            EarlierUse::OtherRequest
        })
    }

    pub async fn get_idempotency(&self, key: &str) -> Result<Option<IdempotencyRecord>, StoreError> {
        let out = self
            .ddb
            .get_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(aws("get idempotency"))?;
        Ok(out.item.map(serde_dynamo::from_item).transpose()?)
    }

    /// Records that a webhook delivery is being handled. False when it was seen before.
    /// The record expires (TTL) well after Replicate's last retry.
    pub async fn claim_webhook(&self, webhook_id: &str, expires_at: i64) -> Result<bool, StoreError> {
        let item = Item::from([
            ("key".into(), s(format!("webhook#{webhook_id}"))),
            ("expires_at".into(), n(expires_at)),
        ]);
        let req = self
            .ddb
            .put_item()
            .table_name(&self.tables.idempotency)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", "key");
        write("claim webhook", || req.clone().send()).await
    }

    /// Forgets a delivery whose handling failed, so Replicate's retry is processed.
    pub async fn forget_webhook(&self, webhook_id: &str) -> Result<(), StoreError> {
        let req = self
            .ddb
            .delete_item()
            .table_name(&self.tables.idempotency)
            .key("key", s(format!("webhook#{webhook_id}")));
        write("forget webhook", || req.clone().send()).await?;
        Ok(())
    }
}
