//! The SQS event source mapping, locally: long-polls the generation queue and hands each batch
//! to the worker function as an SQS event; deletes the messages it did not report as failed
//! (those come back after the visibility timeout, as in AWS).
use serde_json::json;
use shared::App;
use std::sync::Arc;
use std::time::Duration;

pub async fn run(app: Arc<App>, sqs: aws_sdk_sqs::Client, queue_url: String, wait: Duration) {
    loop {
        let out = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(5)
            .wait_time_seconds(wait.as_secs() as i32)
            .send()
            .await;
        let messages = match out {
            Ok(o) => o.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %e, "queue poll failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let records: Vec<_> = messages
            .iter()
            .map(|m| {
                json!({
                    "messageId": m.message_id(),
                    "receiptHandle": m.receipt_handle(),
                    "body": m.body(),
                    "attributes": {},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:local:000000000000:generation",
                    "awsRegion": app.config.region,
                })
            })
            .collect();
        let event = match serde_json::from_value(json!({ "Records": records })) {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "could not build the SQS event");
                continue;
            }
        };
        let failed: Vec<String> = match worker::handler(app.clone(), event).await {
            Ok(r) => r.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Err(e) => {
                tracing::error!(error = %e, "worker failed; the batch will be retried");
                continue;
            }
        };
        for m in &messages {
            if failed.iter().any(|f| Some(f.as_str()) == m.message_id()) {
                continue;
            }
            if let Some(h) = m.receipt_handle() {
                let _ = sqs.delete_message().queue_url(&queue_url).receipt_handle(h).send().await;
            }
        }
    }
}

/// EventBridge Scheduler, locally: runs the reconciler every `every`.
pub async fn run_reconciler(app: Arc<App>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let _ = reconciler::handler(app.clone(), json!({})).await;
    }
}
