use super::ApiError;
use crate::domain::UserId;
use base64::Engine;
use lambda_http::{Body, Request, RequestExt, Response, http::StatusCode, request::RequestContext};
use serde::de::DeserializeOwned;

/// api.md: bodies over 64 KiB → 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The authenticated caller, from the claims the API Gateway JWT authorizer (or the local
/// gateway, which checks tokens the same way) put into the request context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub id: UserId,
    pub username: String,
}

/// The JWT authorizer's claims (every value a string), on an authenticated route; `None` on a
/// public one.
pub fn jwt_claims(req: &Request) -> Option<&std::collections::HashMap<String, String>> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims),
        _ => None,
    }
}

pub fn caller(req: &Request) -> Result<Caller, ApiError> {
    let claims = jwt_claims(req).ok_or_else(|| ApiError::Unauthorized("missing or invalid token".into()))?;
    let id = claims
        .get("sub")
        .and_then(|s| UserId::parse(s))
        .ok_or_else(|| ApiError::Unauthorized("token has no valid subject".into()))?;
    let username = claims
        .get("cognito:username")
        .or_else(|| claims.get("username"))
        .cloned()
        .unwrap_or_else(|| id.to_string());
    Ok(Caller { id, username })
}

/// Parses a JSON body, answering 413 over the limit and 400 for anything that isn't the shape.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, ApiError> {
    json_body_max(req, MAX_BODY_BYTES)
}

/// [`json_body`] for the one route whose documented limit is larger (a board's tile list).
pub fn json_body_max<T: DeserializeOwned>(req: &Request, max: usize) -> Result<T, ApiError> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > max {
        return Err(ApiError::PayloadTooLarge(max));
    }
    // Only an object: serde would also read a struct from an array (`["imagen-4", "a cat"]`).
    if bytes.iter().find(|b| !b" \t\r\n".contains(b)) != Some(&b'{') {
        return Err(ApiError::Validation {
            message: "request body must be a JSON object".into(),
            field: None,
        });
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let message = match e.classify() {
            serde_json::error::Category::Data => format!("invalid request: {e}"),
            _ => "request body is not valid JSON".to_string(),
        };
        ApiError::Validation { message, field: None }
    })
}

/// A path parameter that must parse as an id; anything else is a 404 (it can't exist).
pub fn path_id<T>(req: &Request, name: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<T, ApiError> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .and_then(parse)
        .ok_or_else(|| ApiError::not_found(what))
}

/// The `Idempotency-Key` header, as given. A value that is not visible ASCII becomes one that
/// `create_job`'s check refuses (400), never a silently different key.
pub fn idempotency_key(req: &Request) -> Option<String> {
    req.headers()
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_string())
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_owned)
}

pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::Text(value.to_string()))
        .expect("static headers are valid")
}

/// List paging: `?limit=` (1–100, default 24) and an opaque `?cursor=`.
///
/// A cursor names a position in one user's list and carries a tag of that user: another
/// user's cursor (or one edited by hand) is a 400 `cursor`, never a silent page of the
/// caller's own list. The tag is not a secret (every query reads only the caller's partition
/// anyway); it makes misuse visible instead of plausible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub limit: i32,
    pub after: Option<String>,
}

/// The longest sort key a cursor may carry.
const MAX_CURSOR_KEY: usize = 64;

impl Cursor {
    pub fn from_request(req: &Request, owner: &UserId) -> Result<Self, ApiError> {
        let limit = match query_param(req, "limit") {
            None => 24,
            Some(s) => s
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=100).contains(n))
                .ok_or_else(|| ApiError::validation("limit", "limit must be an integer from 1 to 100"))?,
        };
        let after = match query_param(req, "cursor") {
            None => None,
            Some(c) => Some(Self::decode(&c, owner).ok_or_else(|| ApiError::validation("cursor", "cursor is not valid"))?),
        };
        Ok(Self { limit, after })
    }

    pub fn encode(sort_key: &str, owner: &UserId) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{sort_key}.{}", owner_tag(owner)))
    }

    pub fn decode(c: &str, owner: &UserId) -> Option<String> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(c).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (key, tag) = text.rsplit_once('.')?;
        (tag == owner_tag(owner) && !key.is_empty() && key.len() <= MAX_CURSOR_KEY).then(|| key.to_string())
    }
}

/// Eight hex digits of SHA-256 over the user's id.
fn owner_tag(owner: &UserId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("vn-cursor:{}", owner.as_str()).as_bytes());
    hex::encode(&digest[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(s: &str) -> UserId {
        UserId::parse(s).unwrap()
    }

    #[test]
    fn a_body_is_a_json_object_and_nothing_else() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Generate {
            model: String,
            prompt: String,
        }
        let req = |b: &str| lambda_http::http::Request::builder().body(Body::from(b)).unwrap();
        let body = json_body::<Generate>(&req(" \n{\"model\": \"imagen-4\", \"prompt\": \"a cat\"}")).unwrap();
        assert_eq!(body.model, "imagen-4");
        for bad in [r#"["imagen-4", "a cat"]"#, "", "  ", "null", "\u{feff}{}"] {
            let e = json_body::<Generate>(&req(bad)).unwrap_err();
            assert!(e.to_string().contains("JSON object"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn a_cursor_works_only_for_its_owner() {
        let (alice, bob) = (user("alice-sub-1"), user("bob-sub-2"));
        let c = Cursor::encode("01JABCDEFGHJKMNPQRSTVWXYZ0", &alice);
        assert_eq!(Cursor::decode(&c, &alice).as_deref(), Some("01JABCDEFGHJKMNPQRSTVWXYZ0"));
        assert_eq!(Cursor::decode(&c, &bob), None, "another user's cursor");
        // A key edited by hand keeps the tag but is still only a position in one's own list;
        // a cursor without the tag (the old format) or with a forged one is refused.
        let bare = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("01JABCDEFGHJKMNPQRSTVWXYZ0");
        assert_eq!(Cursor::decode(&bare, &alice), None);
        let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("01JABC.00000000");
        assert_eq!(Cursor::decode(&forged, &alice), None);
        assert_eq!(Cursor::decode("not base64!", &alice), None);
        let long = Cursor::encode(&"a".repeat(65), &alice);
        assert_eq!(Cursor::decode(&long, &alice), None, "over the key length");
    }
}
