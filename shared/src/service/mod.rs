//! The use cases, written once and called by the functions (and the local stack):
//! create a job, submit it, settle a prediction, reconcile lost webhooks, and the views.
pub mod audit;
mod bill;
mod boards;
pub mod bounded;
mod cancel;
mod collections;
pub mod copy;
mod deletion;
pub mod erase;
mod expiry;
mod export_meta;
mod exports;
mod gallery;
mod generate;
mod holds;
mod lineage;
mod presets;
mod prompts;
mod reconcile;
pub mod search;
mod search_join;
mod sets;
mod settle;
mod share_view;
mod shares;
mod stories;
mod stray;
mod submit;
pub mod thumbs;
mod trash;
pub mod trash_sweep;
mod uploads;
mod usage;
mod video;
mod views;
mod zip_build;

pub use bill::{LEDGER_BUDGET, report_underpriced};
pub use boards::{BoardCreate, BoardUpdate, MAX_BOARD_BODY_BYTES, board_view, create_board, delete_board, update_board};
pub use cancel::cancel;
pub use collections::{
    CollectionName, MAX_COLLECTION_BATCH, MemberAction, MemberRequest, change_members, create_collection, delete_collection,
    live_collection, rename_collection,
};
pub use copy::{COPY_MEMORY_ALLOWANCE, MAX_PARALLEL_COPIES, WORKER_BASELINE_ALLOWANCE, copy_budget, finish_copy};
pub use deletion::{DeletionRequest, request_deletion};
pub use expiry::{BackfillReport, MAX_PINNED, SweepReport, backfill_assets, pin_dependencies, sweep_expired};
pub use exports::{ZipRequest, export_state, start_export, start_zip};
pub use gallery::{BatchAction, BatchRequest, MAX_BATCH, batch, parse_filter, set_saved};
pub use generate::{Created, GenerateRequest, create_job, edit_sources};
pub use lineage::{MAX_LINEAGE, lineage};
pub use presets::{PresetCreate, PresetRename, create_preset, delete_preset, list_presets, rename_preset};
pub use prompts::{PromptMode, PromptRequest, Rewrite, rewrite_prompt};
pub use reconcile::{ReconcileReport, reconcile};
pub use search::{SearchParams, index_asset, search_assets};
pub use sets::{CreatedSet, SetRequest, create_set, set_view};
pub use settle::{JobRef, SettleError, Settled, capped_charge, settle, settle_job};
pub use share_view::{check_rate, link_gone, open_share};
pub use shares::{ShareCreate, create_share, revoke_share};
pub use stories::{CreatedStory, StoryRequest, create_story, story_view};
pub use stray::cancel_stray;
pub use submit::{SubmitError, submit, throttled_retry_in};
pub use thumbs::{ThumbOutcome, make_thumb, request_thumb};
pub use trash::{
    EMPTY_CHUNK, MAX_TRASH_BATCH, TrashAction, TrashBatchRequest, empty_trash, purge_asset, restore_asset, trash_asset, trash_batch,
    trashed_json,
};
pub use uploads::{MARKER_TTL_S, UploadRequest, complete_upload, create_upload};
pub use usage::{MAX_REPORT_DAYS, period as usage_period, quota_json, report as usage_report, storage_json, usage_json};
pub use video::{VideoRequest, create_video_job};
pub use views::{asset_json, job_with_assets};
pub use zip_build::{BuildError, build_zip};
