//! The generation queue: small messages; the job itself lives in DynamoDB. A message is either
//! a job to submit (the original shape, `{"user_id","job_id"}`, still read as such) or a tagged
//! one (`"kind"`): `copy`, the outputs of a succeeded prediction for the worker to copy and
//! settle (service::finish_copy); `cancel`, a prediction for the worker to cancel
//! (service::cancel_stray); `zip`, a zip for the worker to build (service::build_zip); `thumb`,
//! an image asset to make the thumbnail of (service::make_thumb).
use crate::domain::{AssetId, JobId, UserId};
use serde::{Deserialize, Serialize};

/// A job to submit to the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobMessage {
    pub user_id: UserId,
    pub job_id: JobId,
}

/// The outputs of a job's succeeded prediction, to be copied and the job settled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyMessage {
    pub user_id: UserId,
    pub job_id: JobId,
    pub prediction_id: String,
    pub output_urls: Vec<String>,
}

/// A prediction to cancel: one that is not its job's (a stray), or one the reconciler gave up
/// reading. The webhook and the reconciler hand the cancel on: it may wait out Replicate's
/// throttling far longer than they may run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelMessage {
    pub user_id: UserId,
    pub job_id: JobId,
    pub prediction_id: String,
}

/// A zip to build (a selection or an export of everything: service::build_zip).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZipMessage {
    pub user_id: UserId,
    pub export_id: String,
}

/// An image asset just recorded (a result, an edit, a restoration, an upload), or one the
/// backfill found without a thumbnail: the worker makes its thumbnail (service::make_thumb).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbMessage {
    pub user_id: UserId,
    pub asset_id: AssetId,
}

/// The messages that carry a `kind`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tagged {
    Copy(CopyMessage),
    Cancel(CancelMessage),
    Zip(ZipMessage),
    Thumb(ThumbMessage),
}

/// Any message of the queue. A body without `kind` is a submission (messages sent before
/// `kind` existed still parse).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QueueMessage {
    Tagged(Tagged),
    Submit(JobMessage),
}

impl QueueMessage {
    pub fn parse(body: &str) -> Option<Self> {
        serde_json::from_str(body).ok()
    }

    /// The id a log line names: the job's, or the zip's.
    pub fn subject(&self) -> &str {
        match self {
            QueueMessage::Tagged(Tagged::Copy(c)) => c.job_id.as_str(),
            QueueMessage::Tagged(Tagged::Cancel(c)) => c.job_id.as_str(),
            QueueMessage::Tagged(Tagged::Zip(z)) => &z.export_id,
            QueueMessage::Tagged(Tagged::Thumb(t)) => t.asset_id.as_str(),
            QueueMessage::Submit(m) => m.job_id.as_str(),
        }
    }
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

    /// Sends a submission ([`JobMessage`]) or any [`QueueMessage`].
    pub async fn send(&self, msg: &(impl Serialize + ?Sized)) -> Result<(), QueueError> {
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

    /// Makes a received message visible again after `delay` (instead of the queue's visibility
    /// timeout): the worker's way to honour a provider's `Retry-After`. SQS takes whole
    /// seconds, at most 12 hours.
    pub async fn retry_in(&self, receipt_handle: &str, delay: std::time::Duration) -> Result<(), QueueError> {
        let secs = delay.as_secs() + u64::from(delay.subsec_nanos() > 0);
        self.sqs
            .change_message_visibility()
            .queue_url(&self.url)
            .receipt_handle(receipt_handle)
            .visibility_timeout(secs.min(43_200) as i32)
            .send()
            .await
            .map_err(|e| QueueError(Box::new(e)))?;
        Ok(())
    }

    /// Hands the copy of a succeeded prediction's outputs to the worker.
    pub async fn send_copy(&self, msg: CopyMessage) -> Result<(), QueueError> {
        self.send(&QueueMessage::Tagged(Tagged::Copy(msg))).await
    }

    /// Hands the build of a zip to the worker.
    pub async fn send_zip(&self, msg: ZipMessage) -> Result<(), QueueError> {
        self.send(&QueueMessage::Tagged(Tagged::Zip(msg))).await
    }

    /// Hands the thumbnail of an image asset to the worker.
    pub async fn send_thumb(&self, msg: ThumbMessage) -> Result<(), QueueError> {
        self.send(&QueueMessage::Tagged(Tagged::Thumb(msg))).await
    }

    /// Hands the cancel of a prediction to the worker.
    pub async fn send_cancel(&self, msg: CancelMessage) -> Result<(), QueueError> {
        self.send(&QueueMessage::Tagged(Tagged::Cancel(msg))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_submissions_still_parse_and_copies_are_tagged() {
        let old = r#"{"user_id":"u1","job_id":"01J00000000000000000000000"}"#;
        let QueueMessage::Submit(m) = QueueMessage::parse(old).unwrap() else {
            panic!("an untagged body is a submission")
        };
        assert_eq!(m.job_id.as_str(), "01J00000000000000000000000");
        // A submission is still written in the old shape (workers not yet updated read it).
        assert_eq!(serde_json::to_string(&m).unwrap(), old);
        let copy = QueueMessage::Tagged(Tagged::Copy(CopyMessage {
            user_id: m.user_id.clone(),
            job_id: m.job_id.clone(),
            prediction_id: "p1".into(),
            output_urls: vec!["https://replicate.delivery/a.mp4".into()],
        }));
        let body = serde_json::to_string(&copy).unwrap();
        assert!(body.contains(r#""kind":"copy""#), "{body}");
        assert_eq!(QueueMessage::parse(&body), Some(copy));
        assert_eq!(QueueMessage::parse(r#"{"kind":"explode","user_id":"u1"}"#), None);
    }

    #[test]
    fn a_thumb_is_tagged_and_names_its_asset() {
        let body = r#"{"kind":"thumb","user_id":"u1","asset_id":"01J00000000000000000000000"}"#;
        let Some(msg @ QueueMessage::Tagged(Tagged::Thumb(_))) = QueueMessage::parse(body) else {
            panic!("a thumb body is a thumb")
        };
        assert_eq!(msg.subject(), "01J00000000000000000000000");
        assert_eq!(serde_json::to_string(&msg).unwrap(), body);
    }

    #[test]
    fn a_cancel_is_tagged_and_never_read_as_a_submission() {
        let body = r#"{"kind":"cancel","user_id":"u1","job_id":"01J00000000000000000000000","prediction_id":"p2"}"#;
        let Some(QueueMessage::Tagged(Tagged::Cancel(c))) = QueueMessage::parse(body) else {
            panic!("a cancel body is a cancel")
        };
        assert_eq!((c.job_id.as_str(), c.prediction_id.as_str()), ("01J00000000000000000000000", "p2"));
        assert_eq!(serde_json::to_string(&QueueMessage::Tagged(Tagged::Cancel(c))).unwrap(), body);
    }
}
