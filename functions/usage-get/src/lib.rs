//! `GET /api/usage?from=YYYY-MM-DD&to=YYYY-MM-DD` — what the caller's succeeded jobs cost, by
//! model and by day (default: the current month), with the quota of `GET /api/me`.
use lambda_http::{Request, http::StatusCode};
use shared::api::{ApiResult, caller, json_response, query_param};
use shared::service::{usage_json, usage_period};
use shared::{App, clock};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let today = clock::now().date_naive();
    let (from, to) = usage_period(query_param(&req, "from").as_deref(), query_param(&req, "to").as_deref(), today)?;
    Ok(json_response(StatusCode::OK, &usage_json(&app, &me.id, from, to).await?))
}
