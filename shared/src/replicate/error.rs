//! Errors of the Replicate client.

use std::time::Duration;

/// What went wrong talking to Replicate. [`ReplicateError::is_retryable`] tells whether trying
/// again later can help.
#[derive(Debug, thiserror::Error)]
pub enum ReplicateError {
    /// 429 after the client's own retries, or the server asked to wait longer than the client's
    /// retry budget. Retry after `retry_after` (when known).
    #[error("rate limited by Replicate (retry after {retry_after:?}): {detail}")]
    RateLimited { retry_after: Option<Duration>, detail: String },

    /// 4xx other than 429: the request itself is wrong (401 bad token, 404 unknown prediction or
    /// model, 422 invalid input). Not retryable.
    #[error("Replicate rejected the request ({status}): {detail}")]
    Client { status: u16, detail: String },

    /// 5xx. Retryable (the client retries GETs itself; never a create).
    #[error("Replicate server error ({status}): {detail}")]
    Server { status: u16, detail: String },

    /// The per-request timeout elapsed.
    #[error("request to Replicate timed out")]
    Timeout,

    /// The invocation's deadline (crate::deadline) left no time for another try: nothing was
    /// sent. Retryable later.
    #[error("no time left in this invocation for a request to Replicate (nothing was sent)")]
    OutOfTime,

    /// Connection failure or another transport problem.
    #[error("could not reach Replicate: {0}")]
    Transport(#[source] reqwest::Error),

    /// A 2xx answer that is not the JSON we expect.
    #[error("unexpected response from Replicate: {0}")]
    Decode(String),

    /// A prediction id that is not a plain id (letters, digits, `-`, `_`).
    #[error("invalid prediction id {0:?}")]
    InvalidId(String),

    /// A model reference that is not `owner/name`.
    #[error("invalid model reference {0:?} (expected owner/name)")]
    InvalidModel(String),
}

impl ReplicateError {
    /// True for rate limits, 5xx, timeouts and transport failures.
    ///
    /// Note: a create that timed out may still have created a prediction; the caller decides
    /// whether a retry could create a second one.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Timeout | Self::OutOfTime | Self::Transport(_)
        )
    }

    /// For a create: whether Replicate may have made the prediction despite the error. A 5xx,
    /// a timeout, a dropped connection or an unreadable 2xx may hide a prediction that runs
    /// (and bills). Only an answer that refused the request (4xx, 429), or a connection that
    /// was never made, proves nothing was created.
    pub fn may_have_created(&self) -> bool {
        match self {
            Self::Server { .. } | Self::Timeout | Self::Decode(_) => true,
            Self::Transport(e) => !e.is_connect() && !e.is_builder(),
            Self::RateLimited { .. } | Self::Client { .. } | Self::OutOfTime | Self::InvalidId(_) | Self::InvalidModel(_) => false,
        }
    }

    /// HTTP status of an error answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::RateLimited { .. } => Some(429),
            Self::Client { status, .. } | Self::Server { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How long the server asked us to wait, for a rate-limited error.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}
