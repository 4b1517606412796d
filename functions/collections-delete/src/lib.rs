//! `DELETE /api/collections/{id}` — deletes one of the caller's collections, never its assets
//! (those it held and nothing else holds start to expire if unsaved).
use lambda_http::{Body, Request, Response, http::StatusCode};
use shared::App;
use shared::api::{ApiResult, caller, path_id};
use shared::domain::CollectionId;
use shared::service::delete_collection;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", CollectionId::parse, "collection")?;
    delete_collection(&app, &me, &id).await?;
    Ok(Response::builder()
        .status(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .expect("static response"))
}
