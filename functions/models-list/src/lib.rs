//! `GET /api/models` — the model catalog with prices and options, and each model's measured
//! typical run time (`typical_seconds`, billing::runtime: null until it has 3 runs this month
//! and last).
use lambda_http::{Request, http::StatusCode};
use shared::api::{ApiResult, caller, json_response};
use shared::billing::{RunTimes, timed_months};
use shared::{App, clock};
use std::collections::BTreeMap;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    caller(&req)?;
    // The figures are a courtesy: when they can't be read the catalog still answers, without them.
    let times: BTreeMap<String, RunTimes> = app
        .store
        .run_times(&timed_months(clock::now()))
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "run times unreadable; models listed without typical times"))
        .unwrap_or_default();
    let models: Vec<_> = app
        .catalog
        .models()
        .iter()
        .map(|m| {
            let mut v = m.to_api();
            v["typical_seconds"] = serde_json::json!(times.get(&m.id).and_then(RunTimes::typical_seconds));
            v
        })
        .collect();
    Ok(json_response(StatusCode::OK, &serde_json::json!({ "models": models })))
}
