#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::runtime::run_event(reconciler::handler).await
}
