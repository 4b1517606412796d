//! Property tests (proptest) over the same five areas: generated inputs instead of mutated
//! seeds. Each property would fail on the defect it names.
use proptest::prelude::*;
use serde_json::{Value, json};
use shared::api::{Cursor, unique_keys};
use shared::catalog::Catalog;
use shared::domain::UserId;
use shared::media::{sniff_header, sniff_image};
use shared::replicate::webhook::{SignatureError, WebhookSecret, sign, verify};
use vn_fuzz::targets::find;

const NOW: i64 = 1_763_900_000;

fn target(name: &str, input: &[u8]) -> String {
    (find(name).expect("target").run)(input)
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z0-9:_ .-]{0,12}".prop_map(Value::from),
        prop::sample::select(vec!["1:1", "16:9", "9:16", "png", "jpg", "720p", "1080p", "2K"]).prop_map(Value::from),
        prop::sample::select(vec![4i64, 6, 8, 0, 1, 100, 101, -1]).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,3}", inner, 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn every_target_survives_arbitrary_bytes(data in prop::collection::vec(any::<u8>(), 0..512)) {
        for t in vn_fuzz::TARGETS {
            (t.run)(&data);
        }
    }

    #[test]
    fn a_signed_webhook_verifies_and_any_changed_byte_does_not(
        key in prop::collection::vec(any::<u8>(), 1..64),
        id in "[!-~]{1,40}",
        body in prop::collection::vec(any::<u8>(), 0..300),
        age in 0i64..300,
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let secret = WebhookSecret::from_bytes(&key).unwrap();
        let ts = NOW - age;
        let sig = sign(&secret, &id, ts, &body);
        prop_assert_eq!(verify(&secret, &id, &ts.to_string(), &sig, &body, NOW), Ok(()));
        let parsed = WebhookSecret::parse(&secret.to_whsec()).unwrap();
        prop_assert_eq!(verify(&parsed, &id, &ts.to_string(), &sig, &body, NOW), Ok(()));
        // The signed bytes are id.timestamp.body: a change anywhere in them fails.
        let mut signed = format!("{id}.{ts}.").into_bytes();
        signed.extend_from_slice(&body);
        let i = at.index(signed.len());
        signed[i] ^= flip;
        let (head, rest) = (id.len(), &signed[id.len() + 1..]);
        let ts_len = ts.to_string().len();
        let changed_id = String::from_utf8_lossy(&signed[..head]).into_owned();
        let changed_ts = String::from_utf8_lossy(&rest[..ts_len]).into_owned();
        let changed_body = &rest[ts_len + 1..];
        if signed[head] == b'.' && rest[ts_len] == b'.' {
            let r = verify(&secret, &changed_id, &changed_ts, &sig, changed_body, NOW);
            prop_assert!(r.is_err(), "byte {} ^ {}: {:?}", i, flip, r);
        }
    }

    #[test]
    fn a_cursor_round_trips_for_its_owner_only(key in "\\PC{1,64}", owner in "[a-z0-9-]{1,20}") {
        prop_assume!(key.len() <= 64);
        let (own, other) = (UserId::parse(&owner).unwrap(), UserId::parse(&format!("{owner}x")).unwrap());
        let c = Cursor::encode(&key, &own);
        prop_assert_eq!(Cursor::decode(&c, &own), Some(key.clone()));
        prop_assert_eq!(Cursor::decode(&c, &other), None);
        // Any edit of the cursor text decodes to nothing or to another valid key of the owner.
        let mut edited = c.clone().into_bytes();
        edited[0] = if edited[0] == b'A' { b'B' } else { b'A' };
        let edited = String::from_utf8(edited).unwrap();
        if let Some(k) = Cursor::decode(&edited, &own) {
            prop_assert!(!k.is_empty() && k.len() <= 64);
        }
    }

    #[test]
    fn an_options_object_with_a_repeated_key_is_refused(keys in prop::collection::vec("[a-c]{1,2}", 0..6)) {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(default, deserialize_with = "unique_keys")]
            #[allow(dead_code)]
            options: serde_json::Map<String, Value>,
        }
        let entries: Vec<String> = keys.iter().enumerate().map(|(i, k)| format!("{k:?}: {i}")).collect();
        let text = format!("{{\"options\": {{{}}}}}", entries.join(", "));
        let distinct = keys.iter().collect::<std::collections::HashSet<_>>().len() == keys.len();
        prop_assert_eq!(serde_json::from_str::<Body>(&text).is_ok(), distinct, "{}", text);
    }

    #[test]
    fn validation_accepts_exactly_the_declared_options(
        model in any::<prop::sample::Index>(),
        option in any::<prop::sample::Index>(),
        name in prop_oneof![Just(None), "[a-z_]{1,12}".prop_map(Some)],
        value in json_value(),
    ) {
        // The catalog target checks accept ⇔ declared and allowed (an independent reading of
        // each option's type); here the option and value are generated for any built-in model.
        let cat = Catalog::builtin().unwrap();
        let m = &cat.models()[model.index(cat.models().len())];
        let declared: Vec<&String> = m.options.keys().collect();
        let key = match name {
            Some(n) => n,
            None if declared.is_empty() => "none".into(),
            None => declared[option.index(declared.len())].clone(),
        };
        let kind = serde_json::to_value(m.kinds[0]).unwrap();
        let kind = kind.as_str().unwrap();
        let n = if matches!(kind, "edit" | "restore") { m.min_source_images } else { 0 };
        let prompt = if serde_json::to_value(m.prompt).unwrap() == "none" { "" } else { "a cat" };
        let options = json!({ key: value });
        let input = format!("request\n{kind}\n{}\n{prompt}\n{n}\n\n{options}", m.id);
        let out = target("catalog", input.as_bytes());
        prop_assert!(out.starts_with(&m.id), "{}", out);
    }

    #[test]
    fn a_sniffer_claims_a_type_only_with_its_magic(data in prop::collection::vec(any::<u8>(), 0..64), magic in 0usize..4) {
        let prefix: &[u8] = [&b""[..], b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"RIFF\x10\x00\x00\x00WEBP"][magic];
        let mut bytes = prefix.to_vec();
        bytes.extend_from_slice(&data);
        if let Ok(info) = sniff_image(&bytes) {
            prop_assert!(magic != 0, "claimed {} without magic", info.content_type);
        }
        if let Ok(shared::media::HeaderSniff::Known(info)) = sniff_header(&bytes, bytes.len() as u64) {
            prop_assert!(magic != 0, "header sniff claimed {}", info.content_type);
        }
        target("media", &bytes);
    }
}

#[test]
fn a_stale_or_missing_header_fails_before_the_signature() {
    let s = WebhookSecret::from_bytes(b"k").unwrap();
    let sig = sign(&s, "m", NOW - 301, b"{}");
    assert!(matches!(
        verify(&s, "m", &(NOW - 301).to_string(), &sig, b"{}", NOW),
        Err(SignatureError::TimestampOutOfTolerance { .. })
    ));
    assert_eq!(
        verify(&s, " ", "1", &sig, b"{}", NOW),
        Err(SignatureError::MissingHeader("webhook-id"))
    );
}
