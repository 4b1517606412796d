use shared::runtime::{run_event, run_http};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let env = |k| std::env::var(k).ok();
    match vn_lambda::which(env("VN_HANDLER").as_deref(), env("AWS_LAMBDA_FUNCTION_NAME").as_deref()) {
        Some("health") => run_http(health::handler).await,
        Some("models-list") => run_http(models_list::handler).await,
        Some("me-get") => run_http(me_get::handler).await,
        Some("images-generate") => run_http(images_generate::handler).await,
        Some("images-edit") => run_http(images_edit::handler).await,
        Some("assets-lineage") => run_http(assets_lineage::handler).await,
        Some("jobs-get") => run_http(jobs_get::handler).await,
        Some("jobs-list") => run_http(jobs_list::handler).await,
        Some("assets-get") => run_http(assets_get::handler).await,
        Some("webhook-replicate") => run_http(webhook_replicate::handler).await,
        Some("worker") => run_event(worker::handler).await,
        Some("reconciler") => run_event(reconciler::handler).await,
        _ => Err(format!(
            "no function for VN_HANDLER/AWS_LAMBDA_FUNCTION_NAME; known: {}",
            vn_lambda::FUNCTIONS.join(", ")
        )
        .into()),
    }
}
