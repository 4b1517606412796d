//! DynamoDB adapters. Key design (docs/data-model.md): every user item is keyed by the user's
//! `sub` first, so no query can cross users.
mod assets;
mod idempotency;
mod jobs;
mod usage;

pub use idempotency::IdempotencyRecord;
pub use jobs::{CreateOutcome, Reservation};
pub use usage::{MonthUsage, UsageStore};

use crate::config::Tables;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("dynamodb {op}: {source}")]
    Aws {
        op: &'static str,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("corrupt item: {0}")]
    Corrupt(#[from] serde_dynamo::Error),
}

pub(crate) fn aws<E: std::error::Error + Send + Sync + 'static>(op: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Aws { op, source: Box::new(e) }
}

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The DynamoDB side of the app: one client, the table names.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) ddb: crate::lazy::Lazy<Client>,
    pub(crate) tables: Tables,
}

impl Store {
    pub fn new(ddb: crate::lazy::Lazy<Client>, tables: Tables) -> Self {
        Self { ddb, tables }
    }
    pub fn usage(&self) -> UsageStore<'_> {
        UsageStore { store: self }
    }
}

/// Whether a transaction was cancelled, and which of its items' conditions failed.
pub(crate) fn cancelled_conditions<R>(
    err: &aws_sdk_dynamodb::error::SdkError<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError, R>,
) -> Option<Vec<bool>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code() == Some("ConditionalCheckFailed"))
                .collect(),
        ),
        _ => None,
    }
}

/// The result of a conditional write: true when written, false when its condition failed.
pub(crate) fn applied<T, E>(
    op: &'static str,
    r: Result<T, aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>>,
) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match r {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(aws(op)(e)),
    }
}
