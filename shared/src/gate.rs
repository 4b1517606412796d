//! The account gate: every authenticated request passes it before its handler, in Lambda
//! ([`crate::runtime::run_http`]) and in the local gateway alike ([`serve`]). One consistent
//! GetItem of the caller's account item (`store::account`), then the plain decision of
//! `domain::account::admit`: a deleted account → 401 `account_deleted`, a token issued before
//! the user signed out everywhere → 401 `token_revoked` (docs/architecture.md "The account
//! gate"). Public routes carry no authorizer claims and pass untouched.
//!
//! tools/infra-check roots every function with an authenticated route at [`account_gate`], so
//! each such function's routes.json access must grant `GetItem` on `usage`.
use crate::api::{ApiError, ApiResult, caller, jwt_claims};
use crate::app::App;
use crate::domain::account::{admit, issued_at};
use lambda_http::Request;
use std::future::Future;
use std::sync::Arc;

/// Refuses the request when the caller's account item says so; nothing on a public route.
pub async fn account_gate(app: &App, req: &Request) -> Result<(), ApiError> {
    let Some(claims) = jwt_claims(req) else {
        return Ok(());
    };
    let who = caller(req)?;
    let state = app.store.account_state(&who.id).await?;
    admit(&state, issued_at(claims.get("iat").map(String::as_str))).map_err(|r| {
        tracing::info!(code = r.code(), "account gate refused the request");
        ApiError::Refused(r)
    })
}

/// Runs `handler` for `req` behind the account gate.
pub async fn serve<F, Fut>(app: Arc<App>, req: Request, handler: F) -> ApiResult
where
    F: FnOnce(Arc<App>, Request) -> Fut,
    Fut: Future<Output = ApiResult>,
{
    account_gate(&app, &req).await?;
    handler(app, req).await
}
