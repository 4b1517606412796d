//! `POST /api/account/deletion` ("Delete my data"): the caller confirms by typing their
//! username; the tombstone and the erasure's item are written in one transaction
//! (store::erasure), and the answer is 202. From then on the account gate answers every request
//! with that user's tokens `401 account_deleted`, and the `account-erase` function removes
//! their data in bounded runs (service::erase). Only ever the caller's own account: the user is
//! the token's `sub`, never a parameter.
use crate::api::{ApiError, Caller};
use crate::app::App;
use crate::clock;
use crate::domain::erasure::confirmed;
use crate::store::DeletionStarted;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeletionRequest {
    /// Left out or null: the confirmation is missing (400 `confirmation_mismatch`).
    #[serde(default)]
    pub confirm_username: Option<String>,
}

/// Starts the deletion of the caller's account; returns its id. Asked twice (two tabs, a
/// retried request), it answers the first one's id.
/// `idempotency_key`: accepted (checked like every other) and not needed: asking twice is one
/// deletion by itself.
pub async fn request_deletion(
    app: &App,
    caller: &Caller,
    req: &DeletionRequest,
    idempotency_key: Option<&str>,
) -> Result<String, ApiError> {
    if let Some(k) = idempotency_key {
        super::generate::check_key(k)?;
    }
    if !confirmed(req.confirm_username.as_deref(), &caller.username) {
        return Err(ApiError::ConfirmationMismatch(
            "Type your username exactly as you sign in with it to confirm deleting your account and all its data.".into(),
        ));
    }
    let id = ulid::Ulid::new().to_string();
    let now = clock::rfc3339(clock::now());
    let started = app.store.start_deletion(&caller.id, &caller.username, &id, &now).await?;
    let id = match started {
        DeletionStarted::New { deletion_id } => {
            tracing::info!(user_id = %caller.id, deletion_id = %deletion_id, "account deletion requested");
            deletion_id
        }
        DeletionStarted::Already { deletion_id } => deletion_id,
    };
    Ok(id)
}

/// The code and message a job of a deleted account ends with (canceled: never charged).
pub(crate) const DELETED_CODE: &str = "account_deleted";
pub(crate) const DELETED_MESSAGE: &str = "The account was deleted; the run was canceled and nothing was kept.";

/// Whether `user` deleted their account (a consistent read of the tombstone): the worker and
/// the webhook ask before starting a job and before landing an output, so nothing is created
/// for a deleted account, whatever a stale token or a queued message says.
pub(crate) async fn tombstoned(app: &App, user: &crate::domain::UserId) -> Result<bool, crate::store::StoreError> {
    Ok(app.store.account_state(user).await?.deleted_at.is_some())
}
