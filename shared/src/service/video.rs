//! `POST /api/videos/generate`: a video from a prompt, with an optional start frame, end frame
//! or reference images taken from the caller's own images. Every rule is checked (catalog,
//! then the images) before anything is reserved; then it is queued like any job.
use super::generate::{Created, NewJob, own_images, queue_job, request_hash};
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::catalog::FrameRequest;
use crate::domain::{FrameRole, JobKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoRequest {
    pub model: String,
    #[serde(default)]
    pub prompt: String,
    #[serde(default, deserialize_with = "crate::api::unique_keys")]
    pub options: Map<String, Value>,
    // The frames may be null (the contract's branches say so for a frame a model doesn't take);
    // the collection may not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_frame_asset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_frame_asset_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_asset_ids: Option<Vec<String>>,
    /// The caller's collection the video goes into (the studio's "add new results to…").
    #[serde(default, deserialize_with = "crate::api::given", skip_serializing_if = "Option::is_none")]
    pub collection_id: Option<String>,
}

impl VideoRequest {
    fn frames(&self) -> FrameRequest {
        FrameRequest {
            start_frame: self.start_frame_asset_id.as_ref().map(|_| 1),
            end_frame: self.end_frame_asset_id.as_ref().map(|_| 1),
            references: self.reference_asset_ids.as_ref().map(Vec::len),
        }
    }

    /// Every image the request names: its role, the field that names it, and the raw id.
    fn listed(&self) -> Vec<(FrameRole, String, &str)> {
        let mut out = Vec::new();
        if let Some(id) = &self.start_frame_asset_id {
            out.push((
                FrameRole::StartFrame,
                FrameRole::StartFrame.request_field().to_string(),
                id.as_str(),
            ));
        }
        if let Some(id) = &self.end_frame_asset_id {
            out.push((FrameRole::EndFrame, FrameRole::EndFrame.request_field().to_string(), id.as_str()));
        }
        for (i, id) in self.reference_asset_ids.iter().flatten().enumerate() {
            out.push((FrameRole::References, format!("reference_asset_ids[{i}]"), id.as_str()));
        }
        out
    }
}

/// Validates, checks the frames are the caller's own images, reserves and queues the job.
pub async fn create_video_job(app: &App, caller: &Caller, req: &VideoRequest, idem_key: Option<&str>) -> Result<Created, ApiError> {
    let valid = app
        .catalog
        .validate_video(&req.model, &req.prompt, &req.options, &req.frames())
        .map_err(|e| ApiError::validation(e.field, e.message))?;
    let listed = req.listed();
    let fields: Vec<(String, &str)> = listed.iter().map(|(_, f, id)| (f.clone(), *id)).collect();
    let sources = own_images(app, caller, &fields).await?;
    let new = NewJob {
        kind: JobKind::Video,
        valid,
        sources,
        roles: listed.iter().map(|(r, _, _)| *r).collect(),
        request_hash: request_hash(JobKind::Video, req)?,
        collection: super::generate::job_collection(app, caller, req.collection_id.as_deref()).await?,
    };
    queue_job(app, caller, new, idem_key).await
}
