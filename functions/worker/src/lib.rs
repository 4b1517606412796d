//! The SQS worker: submits queued jobs to Replicate, copies the outputs of succeeded
//! predictions and settles their jobs (the webhook hands that on: service::finish_copy), and
//! cancels the predictions the webhook or the reconciler hand on (service::cancel_stray), and
//! builds the zips of selections and exports (service::build_zip), and makes the thumbnails of
//! image assets (service::make_thumb). The
//! records of a batch run concurrently (a batch is at most the mapping's batch size, 5; at most
//! `MAX_PARALLEL_COPIES` outputs are copied at once whatever the batch, service::copy), and
//! partial batch failures are reported so only the messages that should be retried come back.
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use shared::App;
use shared::queue::{QueueMessage, Tagged};
use shared::service::{build_zip, cancel_stray, copy_budget, finish_copy, make_thumb, submit};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, event: SqsEvent) -> Result<SqsBatchResponse, lambda_runtime::Error> {
    // One budget for every copy of the batch: they run side by side, inside this invocation.
    let budget = copy_budget(app.config.copy_timeout, shared::runtime::deadline());
    let mut tasks = tokio::task::JoinSet::new();
    for record in event.records {
        let id = record.message_id.clone().unwrap_or_default();
        let receipt = record.receipt_handle.clone();
        let Some(msg) = record.body.as_deref().and_then(QueueMessage::parse) else {
            tracing::error!(message_id = %id, "unreadable message dropped");
            continue;
        };
        let app = app.clone();
        tasks.spawn(shared::deadline::carry(async move {
            let job_id = msg.subject().to_string();
            let result = match &msg {
                QueueMessage::Submit(m) => submit(&app, m).await.map_err(|e| (e.to_string(), e.retry_in)),
                QueueMessage::Tagged(Tagged::Copy(c)) => {
                    finish_copy(&app, c, budget).await.map(|_| ()).map_err(|e| (e.to_string(), None))
                }
                QueueMessage::Tagged(Tagged::Cancel(c)) => cancel_stray(&app, c).await.map_err(|e| (e.to_string(), e.retry_in)),
                QueueMessage::Tagged(Tagged::Zip(z)) => build_zip(&app, z).await.map_err(|e| (e.to_string(), None)),
                QueueMessage::Tagged(Tagged::Thumb(t)) => make_thumb(&app, t).await.map(|_| ()).map_err(|e| (e.to_string(), None)),
            };
            if let Err((e, retry_in)) = &result {
                tracing::warn!(job_id = %job_id, error = %e, "message will be retried");
                // The provider said when to come back: the message returns then, not after the
                // queue's whole visibility timeout (30 minutes in AWS).
                if let (Some(delay), Some(receipt)) = (retry_in, &receipt)
                    && let Err(e) = app.queue.retry_in(receipt, *delay).await
                {
                    tracing::warn!(job_id = %job_id, error = %e, "could not shorten the message's wait; it returns after the visibility timeout");
                }
            }
            (id, result.is_ok())
        }));
    }
    let mut response = SqsBatchResponse::default();
    while let Some(done) = tasks.join_next().await {
        // A panicked task is retried like a failed one; its id is unknown here, so the whole
        // batch is reported failed (submission claims and copy idempotence keep each single).
        let (id, ok) = done.map_err(|e| lambda_runtime::Error::from(format!("worker task failed: {e}")))?;
        if !ok {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}
