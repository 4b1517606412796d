//! The caller's style presets: `GET /api/presets` lists them all (at most 50, newest first),
//! `POST /api/presets` `{name, model, options, prompt_suffix}` saves one, `PATCH
//! /api/presets/{id}` `{name}` renames one, `DELETE /api/presets/{id}` deletes one.
use lambda_http::{Body, Request, RequestExt, Response, http::Method, http::StatusCode};
use shared::App;
use shared::api::{ApiError, ApiResult, caller, json_body, json_response};
use shared::service::{PresetCreate, PresetRename, create_preset, delete_preset, list_presets, rename_preset};
use std::sync::Arc;

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    let me = caller(&req)?;
    let id = req.path_parameters_ref().and_then(|p| p.first("id")).map(str::to_owned);
    match (req.method().clone(), id) {
        (Method::GET, None) => {
            let presets: Vec<_> = list_presets(&app, &me).await?.iter().map(|p| p.to_api()).collect();
            Ok(json_response(StatusCode::OK, &serde_json::json!({ "presets": presets })))
        }
        (Method::POST, None) => {
            let body: PresetCreate = json_body(&req)?;
            let p = create_preset(&app, &me, &body).await?;
            Ok(json_response(StatusCode::CREATED, &serde_json::json!({ "preset": p.to_api() })))
        }
        (Method::PATCH, Some(id)) => {
            let body: PresetRename = json_body(&req)?;
            let p = rename_preset(&app, &me, &id, &body).await?;
            Ok(json_response(StatusCode::OK, &serde_json::json!({ "preset": p.to_api() })))
        }
        (Method::DELETE, Some(id)) => {
            delete_preset(&app, &me, &id).await?;
            Ok(Response::builder()
                .status(StatusCode::NO_CONTENT)
                .body(Body::Empty)
                .expect("static response"))
        }
        _ => Err(ApiError::not_found("route")),
    }
}
