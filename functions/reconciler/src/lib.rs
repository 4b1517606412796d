//! The scheduled reconciler: reports yesterday's underpriced models from the operator's ledger
//! (the "underpriced" alarm's metric), settles jobs whose webhook never came, re-queues lost
//! messages, then sweeps unsaved results past their expiry (record and object together).
use shared::App;
use shared::service::{reconcile, report_underpriced, sweep_expired};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, _event: serde_json::Value) -> Result<serde_json::Value, lambda_runtime::Error> {
    // First, and bounded (LEDGER_BUDGET): the jobs' window is cut from the time left after it.
    let underpriced = report_underpriced(&app).await;
    let r = reconcile(&app).await;
    let e = sweep_expired(&app, shared::clock::now()).await;
    Ok(serde_json::json!({
        "checked": r.checked, "settled": r.settled, "requeued": r.requeued, "still_running": r.still_running, "errors": r.errors,
        "expired": e.expired, "expiry_kept": e.kept, "expiry_errors": e.errors, "underpriced_models": underpriced,
    }))
}
