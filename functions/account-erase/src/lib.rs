//! The scheduled account erasure: works through the deleted accounts' data in bounded runs
//! (jobs, assets and their search terms, every object version under the user's prefix, the
//! usage partition, share links, idempotency claims), then deletes the Cognito user, and later
//! the tombstone (shared::service::erase).
use shared::App;
use shared::service::erase::erase_accounts;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, _event: serde_json::Value) -> Result<serde_json::Value, lambda_runtime::Error> {
    let r = erase_accounts(&app, shared::clock::now()).await;
    Ok(serde_json::to_value(&r)?)
}
