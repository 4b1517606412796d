//! `GET /api/me` — who the caller is and where they stand against the monthly limit.
use lambda_http::{Request, http::StatusCode};
use shared::api::{ApiError, ApiResult, caller, json_response};
use shared::{App, clock};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let period = clock::period(clock::now());
    let used = app.store.usage().month(&me.id, &period).await.map_err(ApiError::internal)?;
    let limit = app
        .store
        .usage()
        .monthly_limit(&me.id, app.config.monthly_limit)
        .await
        .map_err(ApiError::from)?;
    let remaining = used.remaining(limit);
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({
            "user": { "id": me.id, "username": me.username },
            "quota": {
                "monthly_limit_usd": limit.usd(),
                "spent_usd": used.spent.usd(),
                "remaining_usd": remaining.usd(),
                "period": period,
            }
        }),
    ))
}
