//! The SQS worker: submits queued jobs to Replicate. Reports partial batch failures so only
//! the messages that should be retried come back.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::App;
use shared::queue::JobMessage;
use shared::service::submit;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let Some(msg) = record.body.as_deref().and_then(|b| serde_json::from_str::<JobMessage>(b).ok()) else {
            tracing::error!(message_id = %id, "unreadable message dropped");
            continue;
        };
        if let Err(e) = submit(&app, &msg).await {
            tracing::warn!(job_id = %msg.job_id, error = %e, "job will be retried");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
