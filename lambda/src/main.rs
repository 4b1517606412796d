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
        Some("videos-generate") => run_http(videos_generate::handler).await,
        Some("assets-lineage") => run_http(assets_lineage::handler).await,
        Some("jobs-get") => run_http(jobs_get::handler).await,
        Some("jobs-list") => run_http(jobs_list::handler).await,
        Some("assets-get") => run_http(assets_get::handler).await,
        Some("uploads-create") => run_http(uploads_create::handler).await,
        Some("uploads-complete") => run_http(uploads_complete::handler).await,
        Some("assets-list") => run_http(assets_list::handler).await,
        Some("assets-save") => run_http(assets_save::handler).await,
        Some("assets-delete") => run_http(assets_delete::handler).await,
        Some("assets-batch") => run_http(assets_batch::handler).await,
        Some("usage-get") => run_http(usage_get::handler).await,
        Some("jobs-cancel") => run_http(jobs_cancel::handler).await,
        Some("prompts-rewrite") => run_http(prompts_rewrite::handler).await,
        Some("sets-create") => run_http(sets_create::handler).await,
        Some("sets-get") => run_http(sets_get::handler).await,
        Some("sets-list") => run_http(sets_list::handler).await,
        Some("stories-create") => run_http(stories_create::handler).await,
        Some("stories-get") => run_http(stories_get::handler).await,
        Some("stories-list") => run_http(stories_list::handler).await,
        Some("boards-list") => run_http(boards_list::handler).await,
        Some("boards-create") => run_http(boards_create::handler).await,
        Some("boards-get") => run_http(boards_get::handler).await,
        Some("boards-update") => run_http(boards_update::handler).await,
        Some("boards-delete") => run_http(boards_delete::handler).await,
        Some("collections-list") => run_http(collections_list::handler).await,
        Some("collections-create") => run_http(collections_create::handler).await,
        Some("collections-get") => run_http(collections_get::handler).await,
        Some("collections-update") => run_http(collections_update::handler).await,
        Some("collections-delete") => run_http(collections_delete::handler).await,
        Some("collections-assets") => run_http(collections_assets::handler).await,
        Some("shares") => run_http(shares::handler).await,
        Some("shares-open") => run_http(shares_open::handler).await,
        Some("exports") => run_http(exports::handler).await,
        Some("webhook-replicate") => run_http(webhook_replicate::handler).await,
        Some("worker") => run_event(worker::handler).await,
        Some("reconciler") => run_event(reconciler::handler).await,
        Some("provider-audit") => run_event(provider_audit::handler).await,
        Some("trash-list") => run_http(trash_list::handler).await,
        Some("trash-update") => run_http(trash_update::handler).await,
        Some("trash-sweep") => run_event(trash_sweep::handler).await,
        _ => Err(format!(
            "no function for VN_HANDLER/AWS_LAMBDA_FUNCTION_NAME; known: {}",
            vn_lambda::FUNCTIONS.join(", ")
        )
        .into()),
    }
}
