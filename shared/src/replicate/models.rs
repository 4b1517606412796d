//! What Replicate says about a model and its versions: `GET /v1/models/{owner}/{name}` and
//! `GET /v1/models/{owner}/{name}/versions/{id}`. `make catalog-check` compares the catalog with
//! them (crate::catalog::drift).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::ReplicateClient;
use super::error::ReplicateError;
use super::types::ModelRef;

/// A model as `GET /v1/models/{owner}/{name}` returns it (the fields the check reads; others
/// are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub owner: String,
    pub name: String,
    /// Official models run without a version and are billed by output; absent means false.
    #[serde(default)]
    pub is_official: bool,
    /// The newest version with its input and output schema (`null` for a model without one).
    #[serde(default)]
    pub latest_version: Option<VersionInfo>,
}

/// One version of a model: its id and its OpenAPI schema (the input schema is at
/// `components.schemas.Input`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub openapi_schema: Value,
}

impl ReplicateClient {
    /// `GET {base}/models/{owner}/{name}`. Retried on 429, 5xx and connection failures.
    pub async fn get_model(&self, model: &ModelRef) -> Result<ModelInfo, ReplicateError> {
        let path = format!("/models/{}/{}", model.owner(), model.name());
        let bytes = self.execute(Method::GET, &path, None, &[]).await?;
        serde_json::from_slice(&bytes).map_err(|e| ReplicateError::Decode(format!("model {model}: {e}")))
    }

    /// `GET {base}/models/{owner}/{name}/versions/{id}`: a pinned version and its schema.
    pub async fn get_model_version(&self, model: &ModelRef, version: &str) -> Result<VersionInfo, ReplicateError> {
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ReplicateError::InvalidModel(format!("{model}:{version}")));
        }
        let path = format!("/models/{}/{}/versions/{version}", model.owner(), model.name());
        let bytes = self.execute(Method::GET, &path, None, &[]).await?;
        serde_json::from_slice(&bytes).map_err(|e| ReplicateError::Decode(format!("version {model}:{version}: {e}")))
    }
}
