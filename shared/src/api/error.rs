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
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("{0}")]
    RateLimited(String),
    #[error("{0}")]
    Provider(String),
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
            ApiError::Validation { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::QuotaExceeded(_) | ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Provider(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Validation { .. } => "validation_error",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::QuotaExceeded(_) => "quota_exceeded",
            ApiError::RateLimited(_) => "rate_limited",
            ApiError::Provider(_) => "provider_error",
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
        super::json_response(self.status(), &json!({ "error": err }))
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

    #[test]
    fn internal_errors_do_not_leak() {
        let r = ApiError::internal("dynamodb: arn:aws:dynamodb:secret-table exploded").into_response();
        assert_eq!(r.status(), 500);
        let text = body(&r).to_string();
        assert!(!text.contains("dynamodb"), "{text}");
        assert!(text.contains("\"internal\""));
    }
}
