//! The use cases, written once and called by the functions (and the local stack):
//! create a job, submit it, settle a prediction, reconcile lost webhooks, and the views.
mod generate;
mod reconcile;
mod settle;
mod submit;
mod views;

pub use generate::{create_job, Created, GenerateRequest};
pub use reconcile::{reconcile, ReconcileReport};
pub use settle::{settle, SettleError, Settled};
pub use submit::{submit, SubmitError};
pub use views::{asset_json, job_with_assets};
