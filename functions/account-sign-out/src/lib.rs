//! `POST /api/account/sign-out-everywhere` — the API half of "sign out everywhere": every ID
//! or access token of the caller issued until now is refused by the account gate from the next
//! request on (401 `token_revoked`; shared::gate). The browser has already called Cognito's
//! GlobalSignOut, which revokes the refresh tokens; Cognito keeps the tokens already issued
//! valid until they expire, which is why the API keeps its own mark. 204; no body, or `{}`.
use lambda_http::{Body, Request, Response, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, json_body};
use shared::domain::account::revocation_mark;
use std::sync::Arc;

/// The only body the route takes: an empty object (or none at all).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Nothing {}

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    if !req.body().as_ref().is_empty() {
        json_body::<Nothing>(&req)?;
    }
    let mark = revocation_mark(shared::clock::now().timestamp());
    app.store.revoke_tokens_before(&me.id, mark).await?;
    tracing::info!(tokens_before = mark, "signed out everywhere");
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("static response"))
}
