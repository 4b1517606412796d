//! The SQS event source mapping, locally: long-polls the generation queue and hands each batch
//! to the worker function as an SQS event; deletes the messages it did not report as failed
//! (those come back after the visibility timeout, as in AWS).
use crate::invoke::invoke_as;
use serde_json::json;
use shared::App;
use std::sync::Arc;
use std::time::Duration;

/// `timeout`: the worker's (routes.json `timeout_s`). An invocation past it is stopped as
/// Lambda stops it, and its messages come back after the queue's visibility timeout.
pub async fn run(app: Arc<App>, sqs: aws_sdk_sqs::Client, queue_url: String, wait: Duration, timeout: Duration) {
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
        let failed: Vec<String> = match invoke_as("worker", timeout, worker::handler(app.clone(), event)).await {
            Ok(Ok(r)) => r.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "worker failed; the batch will be retried");
                continue;
            }
            Err(stopped) => {
                tracing::error!(
                    timeout_s = timeout.as_secs_f64(),
                    ?stopped,
                    "worker stopped; the batch comes back after the visibility timeout"
                );
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

/// EventBridge Scheduler, locally: runs the reconciler every `every`, each run under its
/// `timeout` (routes.json).
pub async fn run_reconciler(app: Arc<App>, every: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(stopped) = invoke_as("reconciler", timeout, reconciler::handler(app.clone(), json!({}))).await {
            tracing::error!(timeout_s = timeout.as_secs_f64(), ?stopped, "reconciler stopped");
        }
    }
}

/// EventBridge Scheduler, locally: runs the provider audit every `every`, each run under its
/// `timeout` (routes.json). Tests run it on demand instead (a run per test step).
pub async fn run_provider_audit(app: Arc<App>, every: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(stopped) = invoke_as("provider-audit", timeout, provider_audit::handler(app.clone(), json!({}))).await {
            tracing::error!(timeout_s = timeout.as_secs_f64(), ?stopped, "provider audit stopped");
        }
    }
}

/// EventBridge Scheduler, locally: runs the trash sweep every `every` (infra/functions.tf:
/// hourly), each run under its `timeout` (routes.json). Tests run it on demand.
pub async fn run_trash_sweep(app: Arc<App>, every: Duration, timeout: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(stopped) = invoke_as("trash-sweep", timeout, trash_sweep::handler(app.clone(), json!({}))).await {
            tracing::error!(timeout_s = timeout.as_secs_f64(), ?stopped, "trash sweep stopped");
        }
    }
}
