//! Zips (selections and exports), kept in the `usage` table's user partition
//! (docs/data-model.md): `export#{id}` is the record the worker updates as it builds; with an
//! Idempotency-Key, `exportkey#{sha256(key)}` names the export that key started, written in the
//! same transaction, so a repeated request finds the first build instead of starting a second.
use super::owned::key;
use super::{Item, Store, StoreError, failed_at, n, s};
use crate::domain::UserId;
use crate::domain::export::Export;
use serde::{Deserialize, Serialize};

const PREFIX: &str = "export#";
const KEY_PREFIX: &str = "exportkey#";

/// What creating an export came to.
pub enum ExportCreated {
    New,
    /// The Idempotency-Key started this one before.
    Earlier(Box<Export>),
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    export_id: String,
    request_hash: String,
    expires_at: i64,
}

impl Store {
    /// Records a new export (and its Idempotency-Key, hashed, when given) in one transaction.
    pub async fn create_export(&self, export: &Export, key_hash: Option<&str>) -> Result<ExportCreated, StoreError> {
        let mut item: Item = serde_dynamo::to_item(export)?;
        item.insert("period".into(), s(format!("{PREFIX}{}", export.export_id)));
        let mut items = vec![self.put_new(item)?];
        if let Some(h) = key_hash {
            let rec = KeyRecord {
                export_id: export.export_id.clone(),
                request_hash: export.request_hash.clone(),
                expires_at: export.expires_at,
            };
            let mut item: Item = serde_dynamo::to_item(&rec)?;
            item.insert("user_id".into(), s(export.user_id.as_str()));
            item.insert("period".into(), s(format!("{KEY_PREFIX}{h}")));
            items.push(self.put_new(item)?);
        }
        match super::transact(self, "create export", items).await? {
            Ok(()) => Ok(ExportCreated::New),
            Err(codes) if failed_at(&codes, 1) => {
                let h = key_hash.unwrap_or_default();
                let rec: Option<KeyRecord> = self.get_owned(&export.user_id, KEY_PREFIX, h, "get export key").await?;
                let earlier = match rec {
                    Some(r) => self.get_export(&export.user_id, &r.export_id).await?,
                    None => None,
                };
                earlier.map(|e| ExportCreated::Earlier(Box::new(e))).ok_or_else(|| StoreError::Aws {
                    op: "create export",
                    source: "the Idempotency-Key's export is gone".into(),
                })
            }
            // Ids are fresh ULIDs: only an earlier try of this very transaction, applied.
            Err(codes) if failed_at(&codes, 0) => Ok(ExportCreated::New),
            Err(codes) => Err(StoreError::Aws {
                op: "create export",
                source: format!("transaction cancelled: {codes:?}").into(),
            }),
        }
    }

    /// The user's export, read consistently (another user's is a miss).
    pub async fn get_export(&self, user: &UserId, id: &str) -> Result<Option<Export>, StoreError> {
        self.get_owned(user, PREFIX, id, "get export").await
    }

    /// Records a build's progress (and, at the end, its state, size, skipped assets and error).
    pub async fn update_export(&self, e: &Export) -> Result<(), StoreError> {
        let req = self
            .ddb
            .update_item()
            .table_name(&self.tables.usage)
            .set_key(Some(key(&e.user_id, PREFIX, &e.export_id)))
            .update_expression("SET files_done = :d, files_total = :t, #s = :s, #b = :b, skipped = :k, #e = :e")
            .condition_expression("attribute_exists(period)")
            .expression_attribute_names("#s", "state")
            .expression_attribute_names("#b", "bytes")
            .expression_attribute_names("#e", "error")
            .expression_attribute_values(":d", n(i64::from(e.files_done)))
            .expression_attribute_values(":t", n(i64::from(e.files_total)))
            .expression_attribute_values(":s", serde_dynamo::to_attribute_value(e.state)?)
            .expression_attribute_values(":b", n(e.bytes as i64))
            .expression_attribute_values(":k", serde_dynamo::to_attribute_value(&e.skipped)?)
            .expression_attribute_values(":e", serde_dynamo::to_attribute_value(&e.error)?);
        super::write("update export", || req.clone().send()).await?;
        Ok(())
    }
}
