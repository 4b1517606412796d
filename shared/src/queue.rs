//! The generation queue: one small message per job; the job itself lives in DynamoDB.
use crate::domain::{JobId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub user_id: UserId,
    pub job_id: JobId,
}

#[derive(Debug, thiserror::Error)]
#[error("sqs send: {0}")]
pub struct QueueError(Box<dyn std::error::Error + Send + Sync>);

#[derive(Clone, Debug)]
pub struct Queue {
    sqs: crate::lazy::Lazy<aws_sdk_sqs::Client>,
    url: String,
}

impl Queue {
    pub fn new(sqs: crate::lazy::Lazy<aws_sdk_sqs::Client>, url: String) -> Self {
        Self { sqs, url }
    }

    pub async fn send(&self, msg: &JobMessage) -> Result<(), QueueError> {
        let body = serde_json::to_string(msg).map_err(|e| QueueError(Box::new(e)))?;
        self.sqs
            .send_message()
            .queue_url(&self.url)
            .message_body(body)
            .send()
            .await
            .map_err(|e| QueueError(Box::new(e)))?;
        Ok(())
    }
}
