//! Zips to take home. `POST /api/zips` (`{"asset_ids": [...]}`) starts a zip of a selection,
//! `POST /api/exports` an export of everything; both take an Idempotency-Key (a repeat is the
//! first zip, 200) and answer 202 with the zip's state. `GET /api/zips/{id}` and
//! `GET /api/exports/{id}` answer its progress and, once built, a fresh signed link. The worker
//! builds the zip (service::build_zip).
use lambda_http::{Request, RequestExt, http::Method, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, idempotency_key, json_body, json_response};
use shared::domain::export::ExportKind;
use shared::service::{ZipRequest, export_state, start_export, start_zip};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = req.path_parameters_ref().and_then(|p| p.first("id")).map(str::to_owned);
    let kind = if req.uri().path().starts_with("/api/zips") {
        ExportKind::Selection
    } else {
        ExportKind::Everything
    };
    match (req.method().clone(), id, kind) {
        (Method::POST, None, ExportKind::Selection) => {
            let body: ZipRequest = json_body(&req)?;
            let (status, v) = start_zip(&app, &me, &body, idempotency_key(&req)).await?;
            Ok(json_response(status, &v))
        }
        (Method::POST, None, ExportKind::Everything) => {
            let (status, v) = start_export(&app, &me, idempotency_key(&req)).await?;
            Ok(json_response(status, &v))
        }
        (Method::GET, Some(id), kind) => Ok(json_response(StatusCode::OK, &export_state(&app, &me, &id, kind).await?)),
        _ => Err(ApiError::not_found("route")),
    }
}
