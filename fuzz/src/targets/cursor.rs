//! The list cursor (`shared::api::Cursor`): decode never panics, decodes only what encode made
//! for the same user, and encode → decode gives the key back.
//!
//! Input: `owner \n limit \n cursor text \n sort key`.
use super::{fields, text};
use lambda_http::{Body, Request, RequestExt};
use shared::api::Cursor;
use shared::domain::UserId;
use std::collections::HashMap;

/// The longest sort key a cursor carries (`api::request`'s MAX_CURSOR_KEY).
const MAX_KEY: usize = 64;

/// The owner from the input, and another user. (Not `{owner}-other` cut to 128 characters:
/// libFuzzer found that for a 128-character owner that is the owner again.)
fn users(owner: &[u8]) -> (UserId, UserId) {
    let own = UserId::parse(&text(owner)).unwrap_or_else(|| UserId::parse("alice-sub-1").expect("valid"));
    let other = if own.as_str() == "bob-sub-2" { "alice-sub-1" } else { "bob-sub-2" };
    (own, UserId::parse(other).expect("valid"))
}

pub fn list_request(limit: Option<&str>, cursor: Option<&str>) -> Request {
    let mut q = HashMap::new();
    if let Some(l) = limit {
        q.insert("limit".to_string(), l.to_string());
    }
    if let Some(c) = cursor {
        q.insert("cursor".to_string(), c.to_string());
    }
    lambda_http::http::Request::builder()
        .uri("https://example.test/api/assets")
        .body(Body::Empty)
        .expect("a request")
        .with_query_string_parameters(q)
}

pub fn run(data: &[u8]) -> String {
    let [owner, limit, cursor, key] = fields::<4>(data);
    let (own, other) = users(owner);
    let (cursor, key) = (text(cursor), text(key));

    // Arbitrary text: a key only when it is one of this user's cursors.
    let decoded = Cursor::decode(&cursor, &own);
    if let Some(k) = &decoded {
        assert!(!k.is_empty() && k.len() <= MAX_KEY, "{k:?}");
        assert_eq!(Cursor::decode(&Cursor::encode(k, &own), &own).as_ref(), Some(k));
        assert_eq!(Cursor::decode(&cursor, &other), None, "another user's cursor decoded");
    }
    // encode → decode round trip for this key; refused for the other user and past the length.
    let c = Cursor::encode(&key, &own);
    let back = Cursor::decode(&c, &own);
    if !key.is_empty() && key.len() <= MAX_KEY {
        assert_eq!(back.as_deref(), Some(key.as_str()), "round trip of {key:?}");
    } else {
        assert_eq!(back, None, "{key:?} is not a cursor key");
    }
    assert_eq!(Cursor::decode(&c, &other), None, "another user's cursor");

    // Through the request: limit 1..=100 (default 24), or a 400 naming the parameter.
    let limit_s = (!limit.is_empty()).then(|| text(limit));
    let cursor_s = (!cursor.is_empty()).then_some(cursor.as_str());
    let req = list_request(limit_s.as_deref(), cursor_s);
    let label = match Cursor::from_request(&req, &own) {
        Ok(page) => {
            assert!((1..=100).contains(&page.limit));
            if limit_s.is_none() {
                assert_eq!(page.limit, 24);
            }
            assert_eq!(page.after.is_some(), cursor_s.is_some());
            assert_eq!(page.after, cursor_s.and_then(|c| Cursor::decode(c, &own)));
            "ok"
        }
        Err(e) => {
            assert_eq!(e.status().as_u16(), 400);
            let resp = e.into_response();
            let Body::Text(t) = resp.body() else { panic!("text body") };
            let v: serde_json::Value = serde_json::from_str(t).expect("JSON");
            match v["error"]["field"].as_str() {
                Some("limit") => "limit",
                Some("cursor") => "cursor",
                other => panic!("a list error names limit or cursor, not {other:?}"),
            }
        }
    };
    format!("decoded:{} request:{label}", decoded.is_some())
}
