//! `POST /api/shared` — the public read of a share link, without sign-in. The token comes in
//! the body (`{"token": "…"}`), never in the path or query, so no access log holds it; the page
//! takes it from its URL's fragment, which browsers never send. Rate-limited per source IP.
use lambda_http::{Request, RequestExt, http::StatusCode, request::RequestContext};
use serde::Deserialize;
use shared::App;
use shared::api::{ApiResult, json_body, json_response};
use shared::service::{check_rate, open_share};
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Open {
    token: String,
}

/// The source IP API Gateway saw (`requestContext.http.sourceIp`).
fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "unknown".into())
}

pub async fn handler(app: Arc<App>, req: Request) -> ApiResult {
    check_rate(&app, &source_ip(&req)).await?;
    let body: Open = json_body(&req)?;
    Ok(json_response(StatusCode::OK, &open_share(&app, &body.token).await?))
}
