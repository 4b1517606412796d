//! Plain domain types: no AWS in sight.
pub mod account;
pub mod audit;
pub mod board;
pub mod collection;
pub mod download;
pub mod erasure;
pub mod expiry;
pub mod export;
mod gallery;
mod ids;
mod job;
mod money;
pub mod outputs;
pub mod preset;
mod prompt;
pub mod search;
mod set;
pub mod share;
pub mod storage;
mod story;
pub mod text;
pub mod trash;
pub mod upload;

pub use board::{Board, BoardSummary, Tile, TileId};
pub use collection::{Collection, CollectionRuleError};
pub use gallery::{AssetFilter, IndexKey, index_attributes, index_names, saved_index_attributes};
pub use ids::{AssetId, BoardId, CollectionId, JobId, PresetId, SetId, StoryId, UserId};
pub use job::{Asset, AssetKind, AssetSource, FrameRole, Job, JobError, JobKind, JobStatus};
pub use money::Micros;
pub use outputs::{KeptOutputs, MAX_OUTPUT_URL_BYTES, MAX_OUTPUTS_PER_JOB, keep_outputs};
pub use preset::{Preset, PresetRuleError};
pub use prompt::{MAX_PROMPT_CHARS, Prompt, PromptError};
pub use set::{CompareSet, MAX_SET_MODELS, MIN_SET_MODELS, check_set_models};
pub use storage::StorageUsage;
pub use story::{
    MAX_CAPTION_CHARS, MAX_STORY_FRAMES, MIN_STORY_FRAMES, STORY_MODEL, Story, check_story_frames, clean_caption, story_captions,
    story_prompt,
};
