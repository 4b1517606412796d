//! The caller's share links: `POST /api/shares` makes one (the link is in this answer only),
//! `GET /api/shares?limit&cursor` lists the live ones with their open counts, newest first,
//! `DELETE /api/shares/{id}` revokes one (its link is a 404 from then on).
use lambda_http::{Body, Request, RequestExt, Response, http::Method, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, Cursor, caller, json_body, json_response};
use shared::domain::share::valid_share_id;
use shared::service::{ShareCreate, create_share, revoke_share};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = req.path_parameters_ref().and_then(|p| p.first("id")).map(str::to_owned);
    match (req.method().clone(), id) {
        (Method::POST, None) => {
            let body: ShareCreate = json_body(&req)?;
            Ok(json_response(StatusCode::CREATED, &create_share(&app, &me, &body).await?))
        }
        (Method::GET, None) => {
            let page = Cursor::from_request(&req, &me.id)?;
            if page.after.as_deref().is_some_and(|a| !valid_share_id(a)) {
                return Err(ApiError::validation("cursor", "cursor is not valid"));
            }
            let now = shared::clock::now().timestamp();
            let (shares, next) = app.store.list_shares(&me.id, page.limit, page.after.as_deref(), now).await?;
            let shares: Vec<_> = shares.iter().map(|s| s.to_api()).collect();
            Ok(json_response(
                StatusCode::OK,
                &serde_json::json!({ "shares": shares, "next_cursor": next.map(|n| Cursor::encode(&n, &me.id)) }),
            ))
        }
        (Method::DELETE, Some(id)) => {
            revoke_share(&app, &me, &id).await?;
            Ok(Response::builder()
                .status(StatusCode::NO_CONTENT)
                .body(Body::Empty)
                .expect("static response"))
        }
        _ => Err(ApiError::not_found("route")),
    }
}
