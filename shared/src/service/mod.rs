//! The use cases, written once and called by the functions (and the local stack):
//! create a job, submit it, settle a prediction, reconcile lost webhooks, and the views.
mod generate;
mod lineage;
mod reconcile;
mod settle;
mod submit;
mod views;

pub use generate::{Created, GenerateRequest, create_job, edit_sources};
pub use lineage::{MAX_LINEAGE, lineage};
pub use reconcile::{ReconcileReport, reconcile};
pub use settle::{JobRef, SettleError, Settled, capped_charge, settle, settle_job};
pub use submit::{SubmitError, submit};
pub use views::{asset_json, job_with_assets};
