//! DynamoDB adapters. Key design (docs/data-model.md): every user item is keyed by the user's
//! `sub` first, so no query can cross users.
mod account;
mod assets;
pub mod audit;
mod boards;
mod collections;
mod erasure;
mod expiry;
mod exports;
mod holds;
mod idempotency;
mod jobs;
mod ledger;
mod members;
mod owned;
mod paging;
mod presets;
mod repair;
pub mod retry;
mod run_times;
pub mod search;
mod sets;
mod settlement;
mod shares;
mod storage;
mod stories;
mod submission;
mod trash;
mod uploads;
mod usage;
mod wipe;

pub use account::ACCOUNT_PERIOD;
pub use collections::{AddOutcome, RemoveOutcome};
pub use erasure::{DeletionStarted, Erasure};
pub use expiry::BackfillPage;
pub use exports::ExportCreated;
pub use holds::HoldState;
pub use idempotency::IdempotencyRecord;
pub use jobs::{CreateOutcome, Reservation, StartWindow};
pub use ledger::LedgerRow;
pub use owned::ReplayOr;
pub use presets::PresetWrite;
pub use sets::SetOutcome;
pub use settlement::FailedBy;
pub use storage::STORAGE_PERIOD;
pub use stories::StoryOutcome;
pub use uploads::{PENDING_UPLOADS_INDEX, PendingUpload, UploadSettled};
pub use usage::{DayUsage, LIMIT_PERIOD, Limits, MonthUsage, UsageStore};
pub use wipe::{AssetRecord, ShareRecord, Wiped, claim_key, share_lookup_key, share_owner_key};

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
    /// Still contended (transaction conflicts, throttling) after every retry: try again later.
    #[error("dynamodb {op}: busy ({reason})")]
    Busy { op: &'static str, reason: String },
    #[error("corrupt item: {0}")]
    Corrupt(#[from] serde_dynamo::Error),
}

/// An SDK error with its whole chain (error code, message, cause) in the text, so the log says
/// more than "service error". Never shown to clients: the API answers 500 with a generic text.
pub(crate) fn aws<E: std::error::Error + Send + Sync + 'static>(op: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Aws {
        op,
        source: aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string().into(),
    }
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

impl StoreError {
    /// True when the same request may succeed later (contention, not a fault).
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy { .. })
    }
}

type Sdk<E> = aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>;

/// A single-item write, retried on contention (store::retry). True when written, false when
/// its condition failed.
pub(crate) async fn write<T, E, F, Fut>(op: &'static str, request: F) -> Result<bool, StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Sdk<E>>>,
{
    use retry::Contention;
    match retry::send(op, |e: &Sdk<E>| e.contention(), request).await? {
        Ok(_) => Ok(true),
        Err(e) if e.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException") => Ok(false),
        Err(e) => Err(aws(op)(e)),
    }
}

/// DynamoDB's limit on the items of one `TransactWriteItems`.
pub const MAX_TRANSACTION_ITEMS: usize = 100;

/// A transaction, retried on contention. `Ok(Ok(()))` when applied; `Ok(Err(codes))` when a
/// condition failed, with one cancellation code per item (`None` where the item was fine).
pub(crate) async fn transact(
    store: &Store,
    op: &'static str,
    items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
) -> Result<Result<(), Vec<Option<String>>>, StoreError> {
    // DynamoDB refuses a transaction of more than 100 items (docs/aws-limits.md); say so here,
    // with the operation's name, rather than as a ValidationException.
    if items.len() > MAX_TRANSACTION_ITEMS {
        return Err(StoreError::Aws {
            op,
            source: format!(
                "{} items in one transaction; DynamoDB takes at most {MAX_TRANSACTION_ITEMS}",
                items.len()
            )
            .into(),
        });
    }
    let req = store.ddb.transact_write_items().set_transact_items(Some(items));
    let classify = |e: &Sdk<aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError>| {
        use retry::Contention;
        retry::Txn(e).contention()
    };
    match retry::send(op, classify, || req.clone().send()).await? {
        Ok(_) => Ok(Ok(())),
        Err(e) => match retry::cancellation_codes(&e) {
            Some(codes) => {
                tracing::info!(op, reasons = ?codes, "transaction cancelled");
                Ok(Err(codes))
            }
            None => Err(aws(op)(e)),
        },
    }
}

/// Whether the item at `index` failed its condition in a cancelled transaction.
pub(crate) fn failed_at(codes: &[Option<String>], index: usize) -> bool {
    codes.get(index).and_then(|c| c.as_deref()) == Some("ConditionalCheckFailed")
}
