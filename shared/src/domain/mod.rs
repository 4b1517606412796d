//! Plain domain types: no AWS in sight.
pub mod board;
pub mod download;
pub mod expiry;
mod gallery;
mod ids;
mod job;
mod money;
mod prompt;
mod set;
pub mod text;
pub mod upload;

pub use board::{Board, BoardSummary, Tile, TileId};
pub use gallery::{AssetFilter, IndexKey, index_attributes, index_names, saved_index_attributes};
pub use ids::{AssetId, BoardId, JobId, SetId, UserId};
pub use job::{Asset, AssetKind, AssetSource, FrameRole, Job, JobError, JobKind, JobStatus};
pub use money::Micros;
pub use prompt::{MAX_PROMPT_CHARS, Prompt, PromptError};
pub use set::{CompareSet, MAX_SET_MODELS, MIN_SET_MODELS, check_set_models};
