//! The AWS "hello world" for Rust: default tracing subscriber, echo the event.
use lambda_runtime::{service_fn, tracing, Error, LambdaEvent};
use serde_json::Value;

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(serde_json::json!({ "statusCode": 200, "body": "hello", "echo": event.payload.get("rawPath") }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing::init_default_subscriber();
    lambda_runtime::run(service_fn(handler)).await
}
