//! The request parsers: `shared::api::json_body` (with `unique_keys` for option maps) on the
//! bodies of every JSON route, the `Idempotency-Key` header, path ids, and the upload
//! declaration (`domain::upload::Declared`), with the error → response mapping.
//!
//! Input: `route \n idempotency-key \n path id \n raw body`. The body structs mirror the ones in
//! `shared::service` (which needs the `aws` feature): the same fields, defaults,
//! `deny_unknown_fields` and `unique_keys`.
use super::{fields, text};
use lambda_http::{Body, Request};
use serde::Deserialize;
use serde_json::{Map, Value};
use shared::api::{ApiError, MAX_BODY_BYTES, idempotency_key, json_body, unique_keys};
use shared::domain::upload::{Declared, MAX_FILENAME_CHARS, MAX_UPLOAD_BYTES};
use shared::domain::{AssetId, JobId, SetId, UserId};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct GenerateBody {
    pub model: String,
    #[serde(default)]
    pub prompt: String,
    #[serde(default, deserialize_with = "unique_keys")]
    pub options: Map<String, Value>,
    #[serde(default)]
    pub source_asset_ids: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VideoBody {
    pub model: String,
    #[serde(default)]
    pub prompt: String,
    #[serde(default, deserialize_with = "unique_keys")]
    pub options: Map<String, Value>,
    #[serde(default)]
    pub start_frame_asset_id: Option<String>,
    #[serde(default)]
    pub end_frame_asset_id: Option<String>,
    #[serde(default)]
    pub reference_asset_ids: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    pub content_type: String,
    pub bytes: Value,
    #[serde(default)]
    pub filename: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SetBody {
    #[serde(default)]
    pub prompt: String,
    pub models: Vec<String>,
    #[serde(default, deserialize_with = "unique_keys")]
    pub options: Map<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PromptBody {
    pub prompt: String,
    #[serde(default)]
    pub model: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct BatchBody {
    pub action: String,
    pub asset_ids: Vec<String>,
}

pub fn request(body: &[u8], idempotency: &[u8]) -> Request {
    let mut b = lambda_http::http::Request::builder()
        .method("POST")
        .uri("https://example.test/api/x");
    if let Ok(v) = lambda_http::http::HeaderValue::from_bytes(idempotency) {
        b = b.header("idempotency-key", v);
    }
    b.body(Body::Binary(body.to_vec())).expect("a request")
}

/// Parses `body` as route `route`'s JSON body; `Ok` carries the parsed options map, if any.
pub fn parse(route: &str, req: &Request) -> Result<Option<Map<String, Value>>, ApiError> {
    Ok(match route {
        "generate" | "edit" => Some(json_body::<GenerateBody>(req)?.options),
        "video" => Some(json_body::<VideoBody>(req)?.options),
        "sets" => Some(json_body::<SetBody>(req)?.options),
        "upload" => {
            let u: UploadBody = json_body(req)?;
            upload_declaration(&u);
            None
        }
        "prompt" => json_body::<PromptBody>(req).map(|_| None)?,
        _ => json_body::<BatchBody>(req).map(|_| None)?,
    })
}

pub fn run(data: &[u8]) -> String {
    let [route, key, id, body] = fields::<4>(data);
    let route = text(route);
    let req = request(body, key);
    let label = match parse(route.trim(), &req) {
        Ok(options) => {
            // Only a JSON object is a request body (serde would also read a struct from an array).
            let v: Value = serde_json::from_slice(body).expect("an accepted body is JSON");
            assert!(v.is_object(), "accepted a body that is not a JSON object: {v}");
            assert!(body.len() <= MAX_BODY_BYTES);
            if let (Some(opts), Some(raw)) = (options, v.get("options")) {
                assert_eq!(Some(&opts), raw.as_object(), "options parsed as given");
            }
            "ok".to_string()
        }
        Err(e) => {
            let status = e.status().as_u16();
            if body.len() > MAX_BODY_BYTES {
                assert_eq!(status, 413);
            } else {
                assert_eq!(status, 400, "{e:?}");
            }
            let label = error_class(&e);
            let resp = e.into_response();
            assert_eq!(resp.status().as_u16(), status);
            let Body::Text(t) = resp.body() else { panic!("error body is text") };
            let v: Value = serde_json::from_str(t).expect("error body is JSON");
            let message_ok = v["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
            assert!(v["error"]["code"].is_string() && message_ok, "{v}");
            label
        }
    };

    // The header is kept as given, or replaced by one the key check refuses.
    if let Some(k) = idempotency_key(&req) {
        assert!(k == "\u{0}" || k.as_bytes() == key, "{k:?}");
    }
    // Path ids parse only to themselves.
    let id = text(id);
    let ids = [
        UserId::parse(&id).map(|x| x.as_str().to_owned()),
        AssetId::parse(&id).map(|x| x.as_str().to_owned()),
        JobId::parse(&id).map(|x| x.as_str().to_owned()),
        SetId::parse(&id).map(|x| x.as_str().to_owned()),
    ];
    for parsed in ids.iter().flatten() {
        assert_eq!(parsed, &id, "an id parses only to itself");
        assert!(!parsed.contains(['#', '/', ' ']), "{parsed:?}");
    }
    let ids: String = ids.iter().map(|x| if x.is_some() { '1' } else { '0' }).collect();
    let route = ["generate", "edit", "video", "sets", "upload", "prompt"]
        .into_iter()
        .find(|r| *r == route.trim());
    format!("{}: {label} ids:{ids}", route.unwrap_or("batch"))
}

/// An error's kind and the first words of its message (e.g. which serde error it was).
fn error_class(e: &ApiError) -> String {
    let msg = e.to_string();
    let head: String = msg
        .split(['`', '"', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'])
        .next()
        .unwrap_or_default()
        .into();
    format!("{} {head}", e.status().as_u16())
}

/// What `POST /api/uploads` then checks: a declaration that passes is within every limit.
fn upload_declaration(u: &UploadBody) {
    let bytes = u.bytes.as_i64().unwrap_or(-1);
    if let Ok(d) = Declared::parse(&u.content_type, bytes, u.filename.as_deref()) {
        assert!((1..=MAX_UPLOAD_BYTES).contains(&d.bytes));
        assert_eq!(d.content_type.mime(), u.content_type);
        if let Some(f) = &d.filename {
            assert!(!f.is_empty() && f.chars().count() <= MAX_FILENAME_CHARS && !f.chars().any(char::is_control));
        }
    }
}
