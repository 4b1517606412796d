//! Contention is not failure. Real DynamoDB cancels a transaction that meets another in-flight
//! transaction on one of its items (`TransactionCanceledException`, reason
//! `TransactionConflict`), refuses a single write to such an item
//! (`TransactionConflictException`), and throttles hot keys. The SDK retries none of the first
//! two. Every write here goes through [`send`]: it retries those with jittered exponential
//! backoff, a bounded number of times, then gives up with [`StoreError::Busy`], which the API
//! answers with `429 rate_limited` and `Retry-After`, the webhook with a status that makes
//! Replicate retry, and the worker by letting SQS redeliver.
use super::StoreError;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use std::future::Future;
use std::time::Duration;

/// Tries of one write, the first included.
pub const MAX_ATTEMPTS: u32 = 8;
const BASE_MS: u64 = 8;
/// The longest wait between two tries.
pub const CAP_MS: u64 = 250;

/// Error codes that mean "the same request may succeed in a moment".
const RETRYABLE_CODES: [&str; 7] = [
    "TransactionConflictException",
    "TransactionConflict",
    "ThrottlingException",
    "ThrottlingError",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionInProgressException",
];

pub fn is_retryable_code(code: &str) -> bool {
    RETRYABLE_CODES.contains(&code)
}

/// Why a transaction was cancelled, one code per item (`None` where the item was fine).
pub fn cancellation_codes<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Vec<Option<String>>> {
    match err.as_service_error()? {
        TransactWriteItemsError::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code().filter(|c| *c != "None").map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

/// A transaction cancelled for contention only: some item conflicted or was throttled, and no
/// condition failed (a failed condition is an answer, not contention).
pub fn txn_contended(codes: &[Option<String>]) -> bool {
    let any_retry = codes.iter().flatten().any(|c| is_retryable_code(c));
    let any_condition = codes.iter().flatten().any(|c| c == "ConditionalCheckFailed");
    any_retry && !any_condition
}

/// What makes an error contention, per operation.
pub trait Contention {
    /// `Some(description)` when retrying the same request may succeed.
    fn contention(&self) -> Option<String>;
}

impl<E: ProvideErrorMetadata> Contention for SdkError<E, HttpResponse> {
    fn contention(&self) -> Option<String> {
        let code = self.as_service_error()?.code()?;
        is_retryable_code(code).then(|| code.to_string())
    }
}

/// A transaction's error, with its cancellation reasons at hand.
pub struct Txn<'a>(pub &'a SdkError<TransactWriteItemsError, HttpResponse>);

impl Contention for Txn<'_> {
    fn contention(&self) -> Option<String> {
        match cancellation_codes(self.0) {
            Some(codes) if txn_contended(&codes) => Some(format!("TransactionCanceled {codes:?}")),
            Some(_) => None,
            None => self.0.contention(),
        }
    }
}

/// The wait before try `attempt + 1`: "full jitter" (uniform in 0..=min(cap, base·2^attempt)).
pub fn backoff(attempt: u32, random: u64) -> Duration {
    let ceiling = CAP_MS.min(BASE_MS.saturating_mul(1 << attempt.min(16)));
    Duration::from_millis(random % (ceiling + 1))
}

/// A random number for jitter, from std's randomly keyed hasher (no RNG dependency).
pub fn jitter() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish()
}

/// Sends a request, retrying contention with backoff up to [`MAX_ATTEMPTS`] tries. Returns the
/// request's own result (success or a non-contention error) or [`StoreError::Busy`].
pub async fn send<T, E, F, Fut>(
    op: &'static str,
    classify: impl Fn(&E) -> Option<String>,
    mut request: F,
) -> Result<Result<T, E>, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        let result = request().await;
        let reason = match &result {
            Err(e) => classify(e),
            Ok(_) => None,
        };
        let Some(reason) = reason else { return Ok(result) };
        let wait = backoff(attempt, jitter());
        // No try after the invocation's deadline: a wait that leaves no time for one ends here.
        let out_of_time = crate::deadline::remaining_for_sdk().is_some_and(|left| left <= wait);
        if attempt >= MAX_ATTEMPTS || out_of_time {
            tracing::warn!(op, attempts = attempt, reason = %reason, out_of_time, "dynamodb still contended; giving up for now");
            return Err(StoreError::Busy { op, reason });
        }
        tracing::debug!(op, attempt, reason = %reason, "dynamodb contention; retrying");
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        assert_eq!(backoff(1, 0), Duration::ZERO);
        assert_eq!(backoff(1, u64::MAX), Duration::from_millis(u64::MAX % 17));
        for a in 1..40 {
            for r in [0, 1, 7, 12345, u64::MAX] {
                assert!(backoff(a, r) <= Duration::from_millis(CAP_MS));
            }
        }
        assert_eq!(backoff(2, 32), Duration::from_millis(32));
        assert_eq!(backoff(20, CAP_MS), Duration::from_millis(CAP_MS));
    }

    #[test]
    fn a_failed_condition_is_an_answer_not_contention() {
        let c = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>();
        assert!(txn_contended(&c(&[None, Some("TransactionConflict"), None])));
        assert!(txn_contended(&c(&[Some("ThrottlingError"), None])));
        assert!(!txn_contended(&c(&[None, Some("ConditionalCheckFailed")])));
        assert!(!txn_contended(&c(&[Some("TransactionConflict"), Some("ConditionalCheckFailed")])));
        assert!(!txn_contended(&c(&[None, None])));
        assert!(!txn_contended(&c(&[Some("ValidationError")])));
    }

    #[tokio::test(start_paused = true)]
    async fn contention_is_retried_then_reported_as_busy() {
        let calls = std::sync::atomic::AtomicU32::new(0);
        let classify = |e: &&str| (*e == "conflict").then(|| e.to_string());
        let r = send("op", classify, || async {
            let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if n < 3 { Err("conflict") } else { Ok(n) }
        })
        .await;
        assert!(matches!(r, Ok(Ok(3))));
        calls.store(0, std::sync::atomic::Ordering::SeqCst);
        let r: Result<Result<u32, &str>, _> = send("op", classify, || async {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Err("conflict")
        })
        .await;
        assert!(matches!(r, Err(StoreError::Busy { .. })));
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), MAX_ATTEMPTS);
        let r: Result<Result<u32, &str>, _> = send("op", classify, || async { Err("no such table") }).await;
        assert!(matches!(r, Ok(Err("no such table"))), "other errors are not retried");
    }
}
