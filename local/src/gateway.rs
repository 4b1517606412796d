//! The local API Gateway + CloudFront: serves `frontend-static/`, `/config.json`, and the
//! routes of `routes.json`, building the same API Gateway v2 HTTP event (with the JWT
//! authorizer's claims) that AWS hands the Lambdas, and calling the same handlers.
use crate::auth::JwtVerifier;
use crate::routes::{Handler, Route, handlers, table};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use shared::App;
use shared::api::{ApiError, ApiResult};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// API Gateway's own payload limit (the functions apply api.md's 64 KiB themselves).
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// Lambda's synchronous invocation payload, each way: the event a function is invoked with and
/// the response it returns (Lambda quotas). Over it, Lambda fails the invocation and API
/// Gateway answers 500; locally too (docs/aws-limits.md).
pub const LAMBDA_MAX_PAYLOAD: usize = 6 * 1024 * 1024;

pub struct Gateway {
    /// Each function's app (its own identity: crate::iam), by routes.json name.
    pub apps: BTreeMap<String, Arc<App>>,
    /// Each function's timeout (routes.json `timeout_s`): its invocation is stopped then, as
    /// Lambda stops it.
    pub timeouts: BTreeMap<String, std::time::Duration>,
    pub verifier: Arc<JwtVerifier>,
    /// `frontend-static/`; None serves the API only.
    pub static_root: Option<PathBuf>,
    /// The body of `GET /config.json`.
    pub config_json: Value,
    /// The security headers of every response (crate::headers, from infra/security-headers.json).
    pub headers: Vec<(&'static str, String)>,
    /// `/media/*`: signed URLs checked as CloudFront does, objects from the media bucket.
    pub media: crate::media::MediaOrigin,
    /// `/upload`: the upload form's POST, passed on to the media bucket as CloudFront does.
    pub uploads: crate::uploads::UploadOrigin,
}

struct State {
    gw: Gateway,
    routes: Vec<Route>,
    handlers: BTreeMap<&'static str, Handler>,
}

pub fn router(gw: Gateway) -> axum::Router {
    let routes = table().routes;
    let handlers = handlers();
    for r in &routes {
        assert!(
            handlers.contains_key(r.function.as_str()),
            "routes.json names {} but the local gateway has no handler for it",
            r.function
        );
    }
    let state = Arc::new(State { gw, routes, handlers });
    axum::Router::new()
        .fallback(dispatch)
        .with_state(state)
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::uploads::MAX_FORM_BYTES.max(GATEWAY_MAX_BODY),
        ))
}

async fn dispatch(axum::extract::State(st): axum::extract::State<Arc<State>>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().unwrap_or("").to_string();
    let mut resp = if path.starts_with("/api/") || path.starts_with("/webhooks/") {
        let body = match axum::body::to_bytes(body, GATEWAY_MAX_BODY).await {
            Ok(b) => b,
            Err(_) => return error(ApiError::PayloadTooLarge(GATEWAY_MAX_BODY)),
        };
        api(&st, &parts.method, &path, &query, &parts.headers, body).await
    } else if path == crate::uploads::PATH && parts.method == Method::POST {
        let body = match axum::body::to_bytes(body, crate::uploads::MAX_FORM_BYTES).await {
            Ok(b) => b,
            Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        };
        st.gw.uploads.forward(&parts.headers, body).await
    } else if path.starts_with(crate::media::PREFIX) && (parts.method == Method::GET || parts.method == Method::HEAD) {
        st.gw.media.serve(&path, &query).await
    } else if path == "/config.json" {
        let mut r = axum::Json(st.gw.config_json.clone()).into_response();
        r.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
        r
    } else if parts.method == Method::GET || parts.method == Method::HEAD {
        static_file(st.gw.static_root.as_deref(), &path, &parts.headers).await
    } else {
        StatusCode::METHOD_NOT_ALLOWED.into_response()
    };
    let h = resp.headers_mut();
    for (name, value) in &st.gw.headers {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(*name, v);
        }
    }
    resp
}

/// The size of the response payload the Lambda runtime returns for `resp`: the API Gateway v2
/// response JSON, the body a JSON string in it (binary bodies base64).
fn response_payload_size(resp: &lambda_http::Response<lambda_http::Body>) -> usize {
    let body = match resp.body() {
        lambda_http::Body::Text(t) => serde_json::to_string(t).map_or(0, |s| s.len()),
        lambda_http::Body::Binary(b) => b.len().div_ceil(3) * 4 + 2,
        _ => 0,
    };
    let headers: usize = resp.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 6).sum();
    body + headers + 64
}

/// What an HTTP API answers when its Lambda integration fails (a timeout, a payload over the
/// limit): 500 with API Gateway's own body, not the api.md error shape (docs/aws-limits.md).
fn integration_failed() -> Response {
    let mut r = (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::Json(json!({ "message": "Internal Server Error" })),
    )
        .into_response();
    r.headers_mut().insert("apigw-requestid", HeaderValue::from_static("local"));
    r
}

fn error(e: ApiError) -> Response {
    to_axum(e.into_response())
}

async fn api(st: &State, method: &Method, path: &str, query: &str, headers: &HeaderMap, body: Bytes) -> Response {
    let Some((route, params)) = st.routes.iter().find_map(|r| r.matches(method.as_str(), path).map(|p| (r, p))) else {
        return error(ApiError::NotFound(format!("no route for {method} {path}")));
    };
    let claims = if route.auth {
        let auth = headers.get("authorization").and_then(|v| v.to_str().ok());
        match st.gw.verifier.verify(auth).await {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::info!(route = %route.key(), error = %e, "unauthorized");
                return error(ApiError::Unauthorized(format!("{e}")));
            }
        }
    } else {
        None
    };
    let event = api_gateway_event(route, method, path, query, headers, &body, &params, claims.as_ref()).to_string();
    if event.len() > LAMBDA_MAX_PAYLOAD {
        tracing::error!(function = %route.function, bytes = event.len(), "request payload over Lambda's 6 MB");
        let mut r = (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(json!({ "message": "Request Entity Too Large" })),
        )
            .into_response();
        r.headers_mut().insert("apigw-requestid", HeaderValue::from_static("local"));
        return r;
    }
    let request = match lambda_http::request::from_str(&event) {
        Ok(r) => r,
        Err(e) => return error(ApiError::internal(format!("event: {e}"))),
    };
    let handler = st.handlers[route.function.as_str()];
    let (Some(app), Some(timeout)) = (
        st.gw.apps.get(&route.function).cloned(),
        st.gw.timeouts.get(&route.function).copied(),
    ) else {
        return error(ApiError::internal(format!("no app for {}", route.function)));
    };
    // Each invocation on its own task, as each Lambda invocation is isolated from the gateway,
    // with its deadline, and stopped at its timeout as Lambda stops it (crate::invoke); behind
    // the account gate, as in Lambda (shared::gate).
    let result: ApiResult = match crate::invoke::invoke_as(&route.function, timeout, shared::gate::serve(app, request, handler)).await {
        Ok(r) => r,
        Err(crate::invoke::Stopped::Panicked(e)) => Err(ApiError::internal(format!("handler panicked: {e}"))),
        Err(crate::invoke::Stopped::TimedOut) => {
            tracing::error!(function = %route.function, timeout_s = timeout.as_secs_f64(), "Task timed out: the function was stopped at its timeout");
            return integration_failed();
        }
    };
    let resp = shared::runtime::respond(result);
    let size = response_payload_size(&resp);
    if size > LAMBDA_MAX_PAYLOAD {
        tracing::error!(function = %route.function, bytes = size, "response payload over Lambda's 6 MB: the invocation fails");
        return integration_failed();
    }
    tracing::info!(method = %method, path, function = %route.function, status = resp.status().as_u16(), "request");
    to_axum(resp)
}

/// The API Gateway v2 (HTTP API) event, payload format 2.0.
#[allow(clippy::too_many_arguments)]
pub fn api_gateway_event(
    route: &Route,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    params: &BTreeMap<String, String>,
    claims: Option<&std::collections::HashMap<String, String>>,
) -> Value {
    let mut hs: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in headers {
        let v = String::from_utf8_lossy(v.as_bytes()).to_string();
        hs.entry(k.as_str().to_string())
            .and_modify(|e| *e = format!("{e},{v}"))
            .or_insert(v);
    }
    let mut qs: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        qs.entry(k.into_owned())
            .and_modify(|e| *e = format!("{e},{v}"))
            .or_insert(v.into_owned());
    }
    let content_type = hs.get("content-type").cloned().unwrap_or_default();
    let textual = content_type.is_empty() || content_type.contains("json") || content_type.starts_with("text/");
    let (body_field, b64) = match std::str::from_utf8(body) {
        _ if body.is_empty() => (Value::Null, false),
        Ok(s) if textual => (json!(s), false),
        _ => (json!(base64::engine::general_purpose::STANDARD.encode(body)), true),
    };
    let now = chrono::Utc::now();
    let mut ctx = json!({
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": hs.get("host").cloned().unwrap_or_else(|| "localhost".into()),
        "domainPrefix": "local",
        "http": { "method": method.as_str(), "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": hs.get("user-agent").cloned().unwrap_or_default() },
        "requestId": ulid::Ulid::new().to_string(),
        "routeKey": route.key(),
        "stage": "$default",
        "time": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
        "timeEpoch": now.timestamp_millis(),
    });
    if let Some(c) = claims {
        ctx["authorizer"] = json!({ "jwt": { "claims": c, "scopes": null } });
    }
    json!({
        "version": "2.0",
        "routeKey": route.key(),
        "rawPath": path,
        "rawQueryString": query,
        "headers": hs,
        "queryStringParameters": if qs.is_empty() { Value::Null } else { json!(qs) },
        "pathParameters": if params.is_empty() { Value::Null } else { json!(params) },
        "requestContext": ctx,
        "body": body_field,
        "isBase64Encoded": b64,
    })
}

fn to_axum(resp: lambda_http::Response<lambda_http::Body>) -> Response {
    let (parts, body) = resp.into_parts();
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    let mut out = Response::new(axum::body::Body::from(bytes));
    *out.status_mut() = StatusCode::from_u16(parts.status.as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (k, v) in parts.headers.iter() {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::from_bytes(k.as_str().as_bytes()),
            HeaderValue::from_bytes(v.as_bytes()),
        ) {
            out.headers_mut().append(k, v);
        }
    }
    out
}

/// A file of `frontend-static/`, compressed as CloudFront's `compress = true` does (crate::compress).
async fn static_file(root: Option<&std::path::Path>, path: &str, headers: &HeaderMap) -> Response {
    let Some(root) = root else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if rel.split('/').any(|seg| seg == ".." || seg.starts_with('.') || seg.contains('\\')) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let file = root.join(&rel);
    let Ok(bytes) = tokio::fs::read(&file).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let ct = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webmanifest" => "application/manifest+json",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
    let accept = headers.get("accept-encoding").and_then(|v| v.to_str().ok()).unwrap_or("");
    let gzipped = crate::compress::gzip_for(accept, ct, &bytes);
    let encoded = gzipped.is_some();
    let mut r = Response::new(axum::body::Body::from(gzipped.unwrap_or(bytes)));
    let h = r.headers_mut();
    h.insert("content-type", HeaderValue::from_static(ct));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    if encoded {
        h.insert("content-encoding", HeaderValue::from_static("gzip"));
    }
    if crate::compress::compressible(ct) {
        h.insert("vary", HeaderValue::from_static("Accept-Encoding"));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    async fn get(path: &str, accept: Option<&str>) -> (axum::http::HeaderMap, Vec<u8>) {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend-static");
        let mut h = HeaderMap::new();
        if let Some(a) = accept {
            h.insert("accept-encoding", HeaderValue::from_str(a).unwrap());
        }
        let r = static_file(Some(&root), path, &h).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let headers = r.headers().clone();
        (headers, axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap().to_vec())
    }

    /// The frontend comes gzip-encoded to a browser that accepts it, as CloudFront's
    /// `compress = true` sends it, and as it is to one that does not.
    #[tokio::test]
    async fn static_files_are_compressed_as_cloudfront_does() {
        let file = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../frontend-static/index.html")).unwrap();
        let (h, body) = get("/", Some("gzip, deflate, br")).await;
        assert_eq!(h["content-encoding"], "gzip");
        assert_eq!(h["vary"], "Accept-Encoding");
        assert!(body.len() < file.len() / 3, "{} of {}", body.len(), file.len());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&body[..]).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, file);

        let (h, body) = get("/index.html", None).await;
        assert!(h.get("content-encoding").is_none());
        assert_eq!(
            h["vary"], "Accept-Encoding",
            "a cache must not give this body to a gzip browser either"
        );
        assert_eq!(body, file);

        // Under CloudFront's 1,000 bytes: as it is.
        let (h, body) = get("/favicon.svg", Some("gzip")).await;
        assert!(h.get("content-encoding").is_none() && body.len() < crate::compress::MIN_BYTES);
    }
}
