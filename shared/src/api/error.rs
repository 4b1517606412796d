use lambda_http::{Body, Response, http::StatusCode};
use serde_json::json;

/// Every error an API function can answer with. 4xx carry a message meant for the user;
/// `Internal` keeps its cause for the log only and answers a generic message.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    Validation { message: String, field: Option<String> },
    #[error("{0}")]
    Unauthorized(String),
    /// A deletion's confirmation is not the caller's username: 400 `confirmation_mismatch`.
    #[error("{0}")]
    ConfirmationMismatch(String),
    /// The account gate refused a valid token (crate::gate): 401 with `account_deleted` or
    /// `token_revoked`.
    #[error("{0}")]
    Refused(crate::domain::account::Refusal),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    QuotaExceeded(String),
    /// The user's stored bytes would pass their storage limit: 403 `storage_exceeded`. Not a
    /// 429: waiting does not free storage, deleting does.
    #[error("{0}")]
    StorageExceeded(String),
    #[error("{0}")]
    RateLimited(String),
    /// The user started jobs faster than their per-minute share: 429 `rate_limited` with the
    /// seconds until the window turns.
    #[error("{message}")]
    TooManyStarts { message: String, retry_after_s: u64 },
    #[error("{0}")]
    Provider(String),
    /// Not now, but the same request should work shortly (answered 503 with `Retry-After`).
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation {
            message: message.into(),
            field: Some(field.into()),
        }
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        ApiError::Internal(e.to_string())
    }
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation { .. } | ApiError::ConfirmationMismatch(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) | ApiError::Refused(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::StorageExceeded(_) => StatusCode::FORBIDDEN,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::QuotaExceeded(_) | ApiError::RateLimited(_) | ApiError::TooManyStarts { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Provider(_) => StatusCode::BAD_GATEWAY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation { .. } => "validation_error",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::ConfirmationMismatch(_) => "confirmation_mismatch",
            ApiError::Refused(r) => r.code(),
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::QuotaExceeded(_) => "quota_exceeded",
            ApiError::StorageExceeded(_) => "storage_exceeded",
            ApiError::RateLimited(_) | ApiError::TooManyStarts { .. } => "rate_limited",
            ApiError::Provider(_) => "provider_error",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The api.md error response. Internal causes are logged here and never sent.
    pub fn into_response(self) -> Response<Body> {
        let message = match &self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, "internal error");
                "Something went wrong on our side. Please try again.".to_string()
            }
            other => {
                tracing::info!(status = other.status().as_u16(), code = other.code(), message = %other, "request refused");
                other.to_string()
            }
        };
        let mut err = json!({ "code": self.code(), "message": message });
        if let ApiError::Validation { field: Some(f), .. } = &self {
            err["field"] = json!(f);
        }
        let mut resp = super::json_response(self.status(), &json!({ "error": err }));
        if matches!(self, ApiError::RateLimited(_) | ApiError::Unavailable(_)) {
            resp.headers_mut().insert(
                lambda_http::http::header::RETRY_AFTER,
                lambda_http::http::HeaderValue::from_static(RETRY_AFTER_S),
            );
        }
        if let ApiError::TooManyStarts { retry_after_s, .. } = self {
            resp.headers_mut()
                .insert(lambda_http::http::header::RETRY_AFTER, retry_after_s.max(1).into());
        }
        resp
    }
}

/// What `Retry-After` says when we are busy: contention clears in well under a second.
const RETRY_AFTER_S: &str = "1";

/// A store that stayed contended after its retries is busy, not broken: `429 rate_limited`.
/// Anything else is internal.
#[cfg(feature = "aws")]
impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        if e.is_busy() {
            tracing::warn!(error = %e, "store busy");
            ApiError::RateLimited("Too many requests at once for your account; try again in a moment.".into())
        } else {
            ApiError::internal(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(r: &Response<Body>) -> serde_json::Value {
        match r.body() {
            Body::Text(t) => serde_json::from_str(t).unwrap(),
            other => panic!("unexpected body {other:?}"),
        }
    }

    #[test]
    fn validation_errors_name_the_field() {
        let r = ApiError::validation("options.aspect_ratio", "must be one of 1:1").into_response();
        assert_eq!(r.status(), 400);
        let b = body(&r);
        assert_eq!(b["error"]["code"], "validation_error");
        assert_eq!(b["error"]["field"], "options.aspect_ratio");
    }

    #[cfg(feature = "aws")]
    #[test]
    fn a_busy_store_asks_the_client_to_retry() {
        let busy = crate::store::StoreError::Busy {
            op: "create job",
            reason: "TransactionConflict".into(),
        };
        let r = ApiError::from(busy).into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "1");
        let b = body(&r);
        assert_eq!(b["error"]["code"], "rate_limited");
        assert!(!b.to_string().contains("TransactionConflict"), "{b}");
    }

    #[test]
    fn a_full_storage_is_a_403_that_asks_for_no_retry() {
        let r = ApiError::StorageExceeded("Your storage is full.".into()).into_response();
        assert_eq!(r.status(), 403);
        assert!(r.headers().get("retry-after").is_none());
        let b = body(&r);
        assert_eq!(b["error"]["code"], "storage_exceeded");
        assert_eq!(b["error"]["message"], "Your storage is full.");
    }

    #[test]
    fn a_gate_refusal_is_a_401_with_its_own_code() {
        use crate::domain::account::Refusal;
        let r = ApiError::Refused(Refusal::TokenRevoked).into_response();
        assert_eq!(r.status(), 401);
        let b = body(&r);
        assert_eq!(b["error"]["code"], "token_revoked");
        assert_eq!(b["error"]["message"], Refusal::TokenRevoked.to_string());
        let b = body(&ApiError::Refused(Refusal::AccountDeleted).into_response());
        assert_eq!(b["error"]["code"], "account_deleted");
    }

    #[test]
    fn internal_errors_do_not_leak() {
        let r = ApiError::internal("dynamodb: arn:aws:dynamodb:secret-table exploded").into_response();
        assert_eq!(r.status(), 500);
        let text = body(&r).to_string();
        assert!(!text.contains("dynamodb"), "{text}");
        assert!(text.contains("\"internal\""));
    }
}
