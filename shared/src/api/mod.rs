//! The HTTP edge shared by every API function: the error type and its api.md shape, the caller
//! from the authorizer's claims, body/path/query helpers and response builders.
mod error;
mod request;
mod unique;

pub use error::ApiError;
pub use request::{
    Caller, Cursor, MAX_BODY_BYTES, caller, idempotency_key, json_body, json_body_max, json_response, jwt_claims, path_id, query_param,
};
pub use unique::{given, unique_keys, whole_number, whole_u64};

pub type ApiResult = Result<lambda_http::Response<lambda_http::Body>, ApiError>;
