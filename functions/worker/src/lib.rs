//! The SQS worker: submits queued jobs to Replicate. The records of a batch are submitted
//! concurrently (a batch is at most the mapping's batch size, 5), and partial batch failures
//! are reported so only the messages that should be retried come back.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::App;
use shared::queue::JobMessage;
use shared::service::submit;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut tasks = tokio::task::JoinSet::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let Some(msg) = record.body.as_deref().and_then(|b| serde_json::from_str::<JobMessage>(b).ok()) else {
            tracing::error!(message_id = %id, "unreadable message dropped");
            continue;
        };
        let app = app.clone();
        tasks.spawn(async move {
            let result = submit(&app, &msg).await;
            if let Err(e) = &result {
                tracing::warn!(job_id = %msg.job_id, error = %e, "job will be retried");
            }
            (id, result.is_ok())
        });
    }
    let mut response = SqsBatchResponse::default();
    while let Some(done) = tasks.join_next().await {
        // A panicked submission is retried like a failed one; its id is unknown here, so
        // the whole batch is reported failed (each message's claim keeps it single).
        let (id, ok) = done.map_err(|e| lambda_runtime::Error::from(format!("submission task failed: {e}")))?;
        if !ok {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
