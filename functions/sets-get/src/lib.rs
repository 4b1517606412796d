//! `GET /api/sets/{id}` — one of the caller's comparison sets with its jobs and their assets.
use lambda_http::{Request, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_response, path_id};
use shared::domain::SetId;
use shared::service::set_view;
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = path_id(&req, "id", SetId::parse, "set")?;
    let set = app
        .store
        .get_set(&me.id, &id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("set"))?;
    Ok(json_response(StatusCode::OK, &set_view(&app, &set).await?))
}
