//! The scheduled trash sweep: purges for good every asset that stayed `TRASH_RETENTION_DAYS`
//! in the trash (its object's every version, then its record), reading the `purge_due` index
//! a bounded run at a time (shared::service::trash_sweep).
use shared::App;
use shared::service::trash_sweep::sweep_trash;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, _event: serde_json::Value) -> Result<serde_json::Value, lambda_runtime::Error> {
    let r = sweep_trash(&app, shared::clock::now()).await;
    Ok(serde_json::to_value(&r)?)
}
