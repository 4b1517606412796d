//! The scheduled provider audit: lists the Replicate account's predictions of a closed window,
//! matches them to jobs, cancels this deployment's running orphans (through the queue) and
//! writes the report (shared::service::audit).
use shared::App;
use shared::service::audit::provider_audit;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, _event: serde_json::Value) -> Result<serde_json::Value, lambda_runtime::Error> {
    let r = provider_audit(&app).await;
    Ok(serde_json::to_value(&r)?)
}
