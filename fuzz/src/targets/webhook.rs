//! `shared::replicate::webhook`: the Standard Webhooks verifier, and the webhook body parse.
//!
//! Input: `secret \n webhook-id \n webhook-timestamp \n webhook-signature \n raw body`.
//! Properties: nothing panics; a verified webhook is exactly the signed bytes (any change to the
//! body, the id or the timestamp after a success fails); sign → verify succeeds for any id and
//! body, also among other signature entries; one changed byte, another key or a stale timestamp
//! fails.
use super::{fields, pick, text};
use shared::replicate::webhook::{self, SignatureError, TOLERANCE_SECS, WebhookSecret};
use shared::replicate::{Prediction, WebhookEvent};

/// "Now" for every verification: the seeds' timestamps are near it.
pub const NOW: i64 = 1_763_900_000;

fn fallback_secret() -> WebhookSecret {
    WebhookSecret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("a valid secret")
}

pub fn run(data: &[u8]) -> String {
    let [secret, id, ts, sig, body] = fields::<5>(data);
    let parsed = WebhookSecret::parse(&text(secret));
    if let Ok(s) = &parsed {
        // The text form parses back to the same key.
        let again = WebhookSecret::parse(&s.to_whsec()).expect("to_whsec parses");
        assert_eq!(again.to_whsec(), s.to_whsec());
        // Debug never shows the key. (Not "Debug doesn't contain the key's text": libFuzzer found
        // the key `WebhookSecre`, whose base64 text is inside the redacted Debug text itself.)
        assert_eq!(format!("{s:?}"), "WebhookSecret(<redacted>)");
    }
    let secret = parsed.clone().unwrap_or_else(|_| fallback_secret());
    let (id, ts, sig) = (text(id), text(ts), text(sig));

    // 1. The input as received.
    let verdict = webhook::verify(&secret, &id, &ts, &sig, body, NOW);
    if verdict.is_ok() {
        exactly_the_signed_bytes(&secret, &id, &ts, &sig, body);
    }
    // 2. Signed here, then verified; then broken in one place.
    let id = if id.trim().is_empty() { "msg_fuzz".to_string() } else { id };
    sign_then_verify(&secret, &id, body, data);

    // The handler's body parse never panics (its errors are a 400).
    let prediction = serde_json::from_slice::<Prediction>(body).is_ok();
    let event = serde_json::from_slice::<WebhookEvent>(body).is_ok();
    format!(
        "secret:{} verify:{} prediction:{prediction} event:{event}",
        parsed.is_ok(),
        label(&verdict)
    )
}

fn label(r: &Result<(), SignatureError>) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(SignatureError::InvalidSecret) => "secret",
        Err(SignatureError::MissingHeader(h)) => h,
        Err(SignatureError::InvalidTimestamp) => "timestamp",
        Err(SignatureError::TimestampOutOfTolerance { .. }) => "stale",
        Err(SignatureError::NoMatch) => "nomatch",
    }
}

/// After a success, the same headers on any other body (one byte changed, one more, one fewer)
/// or with another id fail: what was verified is exactly what was signed.
fn exactly_the_signed_bytes(secret: &WebhookSecret, id: &str, ts: &str, sig: &str, body: &[u8]) {
    let ts_n: i64 = ts.trim().parse().expect("a verified timestamp is a number");
    assert!((NOW - ts_n).abs() <= TOLERANCE_SECS, "verified a stale timestamp {ts}");
    let mut longer = body.to_vec();
    longer.push(b' ');
    assert_eq!(webhook::verify(secret, id, ts, sig, &longer, NOW), Err(SignatureError::NoMatch));
    if let Some((_, shorter)) = body.split_last() {
        assert_eq!(webhook::verify(secret, id, ts, sig, shorter, NOW), Err(SignatureError::NoMatch));
        let mut changed = body.to_vec();
        let i = pick(body, 1) as usize % body.len();
        changed[i] ^= 0x01;
        assert_eq!(webhook::verify(secret, id, ts, sig, &changed, NOW), Err(SignatureError::NoMatch));
    }
    let other_id = format!("{id}x");
    assert_eq!(webhook::verify(secret, &other_id, ts, sig, body, NOW), Err(SignatureError::NoMatch));
}

fn sign_then_verify(secret: &WebhookSecret, id: &str, body: &[u8], data: &[u8]) {
    let ts = NOW - (pick(data, 2) % 200) as i64;
    let ts_s = ts.to_string();
    let sig = webhook::sign(secret, id, ts, body);
    assert_eq!(webhook::verify(secret, id, &ts_s, &sig, body, NOW), Ok(()), "sign → verify");
    // Among other entries (other versions, junk, an old key's signature) it still matches.
    let several = format!("v0,abc junk v1,!!! {sig} v1a,{}", &sig[3..]);
    assert_eq!(webhook::verify(secret, id, &ts_s, &several, body, NOW), Ok(()));

    // Any single changed byte of the body fails.
    if !body.is_empty() {
        let i = pick(data, 3) as usize % body.len();
        let flip = (pick(data, 4) % 255 + 1) as u8;
        let mut changed = body.to_vec();
        changed[i] ^= flip;
        assert_eq!(
            webhook::verify(secret, id, &ts_s, &sig, &changed, NOW),
            Err(SignatureError::NoMatch),
            "byte {i} ^ {flip}"
        );
    }
    // Any single changed byte of the signature fails (or makes it unreadable).
    let mut bad_sig = sig.clone().into_bytes();
    let i = 3 + pick(data, 5) as usize % (bad_sig.len() - 3);
    bad_sig[i] = if bad_sig[i] == b'A' { b'B' } else { b'A' };
    let bad_sig = String::from_utf8(bad_sig).expect("ascii");
    assert!(webhook::verify(secret, id, &ts_s, &bad_sig, body, NOW).is_err(), "{bad_sig}");
    // Another timestamp (still fresh) or another id fails.
    assert_eq!(
        webhook::verify(secret, id, &(ts - 1).to_string(), &sig, body, NOW),
        Err(SignatureError::NoMatch)
    );
    assert_eq!(
        webhook::verify(secret, &format!("{id}."), &ts_s, &sig, body, NOW),
        Err(SignatureError::NoMatch)
    );
    // Another key fails; a stale timestamp fails before any signature check.
    // (Not a key with zero bytes appended: HMAC pads short keys with zeros, so that is the same key.)
    use base64::Engine as _;
    let mut key = base64::engine::general_purpose::STANDARD
        .decode(&secret.to_whsec()[6..])
        .expect("base64");
    key[0] ^= 0x80;
    let other = WebhookSecret::from_bytes(&key).expect("a key");
    assert_eq!(webhook::verify(&other, id, &ts_s, &sig, body, NOW), Err(SignatureError::NoMatch));
    let stale = NOW - TOLERANCE_SECS - 1;
    let stale_sig = webhook::sign(secret, id, stale, body);
    assert!(matches!(
        webhook::verify(secret, id, &stale.to_string(), &stale_sig, body, NOW),
        Err(SignatureError::TimestampOutOfTolerance { .. })
    ));
}
