use super::{AssetId, JobId, Micros, UserId};
use crate::billing::ProviderRecord;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobKind {
    Image,
    Edit,
    Restore,
    Video,
    Text,
}

impl JobKind {
    /// Whether jobs of this kind start from the user's source images.
    pub fn takes_sources(self) -> bool {
        matches!(self, JobKind::Edit | JobKind::Restore)
    }
}

/// What a video job's source image is for: the start frame, the end frame, or a reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameRole {
    StartFrame,
    EndFrame,
    References,
}

impl FrameRole {
    pub const ALL: [FrameRole; 3] = [FrameRole::StartFrame, FrameRole::EndFrame, FrameRole::References];

    pub fn as_str(self) -> &'static str {
        match self {
            FrameRole::StartFrame => "start_frame",
            FrameRole::EndFrame => "end_frame",
            FrameRole::References => "references",
        }
    }

    /// The field of `POST /api/videos/generate` (and of the `Job` object) that carries it.
    pub fn request_field(self) -> &'static str {
        match self {
            FrameRole::StartFrame => "start_frame_asset_id",
            FrameRole::EndFrame => "end_frame_asset_id",
            FrameRole::References => "reference_asset_ids",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}

impl JobStatus {
    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Canceled)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Canceled => "canceled",
        }
    }
    /// The allowed transitions. Every store update is conditioned on the current status being
    /// one of the states this allows, which is what makes settling exactly-once.
    pub fn can_become(self, next: JobStatus) -> bool {
        use JobStatus::*;
        matches!((self, next), (Queued, Running) | (Queued | Running, Succeeded | Failed | Canceled))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub code: String,
    pub message: String,
}

/// A generation job as stored. `open` is "1" while the job is not terminal: it keys the sparse
/// index the reconciler reads. `quota_period` is the month whose quota holds the reservation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub user_id: UserId,
    pub job_id: JobId,
    pub kind: JobKind,
    pub model: String,
    pub prompt: String,
    pub options: Map<String, Value>,
    #[serde(default)]
    pub source_asset_ids: Vec<AssetId>,
    /// A video job's role of each source (parallel to `source_asset_ids`); empty for edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_roles: Vec<FrameRole>,
    pub status: JobStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    #[serde(default)]
    pub asset_ids: Vec<AssetId>,
    pub estimated_micros: Micros,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_micros: Option<Micros>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prediction_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open: Option<String>,
    pub quota_period: String,
    /// Hash of the request body when an Idempotency-Key was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_hash: Option<String>,
    /// When (ms) the submission in flight started; absent when none is (store::submission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<i64>,
    /// A text job's result: the proposals of a language model (domain::text, already cleaned).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
    /// What the provider billed for the job's prediction, once its end is known (the operator's
    /// figure: never sent to clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderRecord>,
    /// Stray predictions of this job that finished: billed to the operator, never to the user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub strays: Vec<ProviderRecord>,
    /// The collection its outputs go into as they are copied (the studio's "add new results
    /// to…"; service::collections).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<super::CollectionId>,
}

impl Job {
    /// The provider's success is recorded and the copy of its outputs queued, but the job is
    /// not settled yet: only the copy finishes it now (a cancel is too late). `provider` is
    /// written on an unfinished job by that record alone (store::settlement).
    pub fn outputs_recorded(&self) -> bool {
        !self.status.is_terminal() && self.provider.is_some()
    }

    /// Every prediction the job ran as: its own, then its strays (the provider's ids).
    pub fn prediction_ids(&self) -> Vec<&str> {
        let own = self.prediction_id.as_deref().into_iter();
        own.chain(self.strays.iter().map(|r| r.prediction_id.as_str())).collect()
    }

    /// The `Job` object of api.md.
    pub fn to_api(&self) -> Value {
        let mut v = json!({
            "id": self.job_id,
            "kind": self.kind,
            "model": self.model,
            "prompt": self.prompt,
            "options": self.options,
            "source_asset_ids": self.source_asset_ids,
            "status": self.status,
            "error": self.error,
            "asset_ids": self.asset_ids,
            "estimated_cost_usd": self.estimated_micros.usd(),
            "cost_usd": self.cost_micros.map(Micros::usd),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        });
        // A video job says which source is which, in the request's own fields.
        if self.kind == JobKind::Video {
            let of = |role: FrameRole| -> Vec<&AssetId> {
                self.source_asset_ids
                    .iter()
                    .zip(&self.source_roles)
                    .filter(|(_, r)| **r == role)
                    .map(|(id, _)| id)
                    .collect()
            };
            v["start_frame_asset_id"] = json!(of(FrameRole::StartFrame).first());
            v["end_frame_asset_id"] = json!(of(FrameRole::EndFrame).first());
            v["reference_asset_ids"] = json!(of(FrameRole::References));
        }
        if self.kind == JobKind::Text {
            v["texts"] = json!(self.texts);
        }
        v
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetKind {
    Image,
    Video,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetSource {
    Generated,
    Upload,
}

/// A media file the user owns. `s3_key` is never shown to clients: they get signed URLs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub user_id: UserId,
    pub asset_id: AssetId,
    pub kind: AssetKind,
    pub source: AssetSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default)]
    pub parent_ids: Vec<AssetId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<JobId>,
    pub saved: bool,
    pub content_type: String,
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// A video's length in seconds (from its MP4 header, to the millisecond).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    pub created_at: String,
    pub s3_key: String,
    /// An upload's original file name as the client declared it (the download name's stem).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Epoch seconds after which an unsaved result is deleted (record and object) by the
    /// expiry sweep; absent on saved assets, uploads and assets a saved item depends on
    /// (domain::expiry). Never sent to clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// A saved item depends on it (a saved edit's parent): it never expires, even unsaved.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pinned: bool,
    /// Its `bytes` are in the user's storage count (domain::storage): true on every record
    /// written since the count exists; an older record gets it from `vn-local backfill`. The
    /// store sets it; never sent to clients.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub counted: bool,
    /// Its thumbnail's key (beside the file: media::thumb_key), once the worker made one
    /// (service::thumbs); absent for videos and for images it could not bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumb_key: Option<String>,
    /// The thumbnail's bytes: counted in the user's storage with `bytes` (counted_bytes).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub thumb_bytes: u64,
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Asset {
    /// What this record holds of the user's storage: its file and its thumbnail.
    pub fn counted_bytes(&self) -> u64 {
        self.bytes.saturating_add(self.thumb_bytes)
    }

    /// The `Asset` object of api.md, given its signed URLs.
    pub fn to_api(&self, url: &str, download_url: &str) -> Value {
        let mut v = json!({
            "id": self.asset_id,
            "kind": self.kind,
            "source": self.source,
            "model": self.model,
            "prompt": self.prompt,
            "parent_ids": self.parent_ids,
            "job_id": self.job_id,
            "saved": self.saved,
            "content_type": self.content_type,
            "bytes": self.bytes,
            "created_at": self.created_at,
            "url": url,
            "download_url": download_url,
        });
        if let (Some(w), Some(h)) = (self.width, self.height) {
            v["width"] = json!(w);
            v["height"] = json!(h);
        }
        if let Some(d) = self.duration_s {
            v["duration_s"] = json!(d);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::JobStatus::*;

    #[test]
    fn finished_jobs_never_change_again() {
        for done in [Succeeded, Failed, Canceled] {
            assert!(done.is_terminal());
            for next in [Queued, Running, Succeeded, Failed, Canceled] {
                assert!(!done.can_become(next), "{done:?} -> {next:?}");
            }
        }
        assert!(Queued.can_become(Running));
        assert!(Running.can_become(Succeeded));
        assert!(!Running.can_become(Queued));
    }
}
