//! `GET /api/me` — who the caller is and where they stand against the monthly limit.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_response};
use shared::service::quota_json;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let quota = quota_json(&app, &me.id).await?;
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({
            "user": { "id": me.id, "username": me.username },
            "quota": quota,
        }),
    ))
}
