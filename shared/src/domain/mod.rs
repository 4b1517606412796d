//! Plain domain types: no AWS in sight.
pub mod download;
pub mod expiry;
mod gallery;
mod ids;
mod job;
mod money;
mod prompt;
pub mod upload;

pub use gallery::{AssetFilter, IndexKey, index_attributes, index_names, saved_index_attributes};
pub use ids::{AssetId, JobId, UserId};
pub use job::{Asset, AssetKind, AssetSource, FrameRole, Job, JobError, JobKind, JobStatus};
pub use money::Micros;
pub use prompt::{MAX_PROMPT_CHARS, Prompt, PromptError};
