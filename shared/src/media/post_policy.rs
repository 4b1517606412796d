//! A presigned S3 POST (browser upload), built and signed here: the Rust SDK has no presigned
//! POST. Pure: plain credentials, region and time in, the form fields out (AWS "Browser-Based
//! Uploads Using POST (AWS Signature Version 4)"). S3 checks every form field against the
//! policy's conditions and the policy's signature against the signer's key, then authorizes
//! the upload as an `s3:PutObject` by the signer.
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::BTreeMap;

/// The longest a POST policy may live.
pub const MAX_POLICY_TTL_S: i64 = 600;

/// Who signs: the function role's temporary credentials (Lambda always has a session token).
#[derive(Clone, Copy)]
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
    pub region: &'a str,
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// What the one upload may be: exactly this key and content type, 1..=`max_bytes` bytes.
#[derive(Clone, Debug)]
pub struct PostTarget<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub content_type: &'a str,
    pub max_bytes: u64,
}

/// The form a browser posts: every field goes before the `file` part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPost {
    pub fields: BTreeMap<String, String>,
    pub expires_at: DateTime<Utc>,
}

/// Every upload lands tagged `staging=true` (pinned by the policy): a lifecycle rule deletes
/// staging objects a day later, so an upload that is never completed does not stay. `complete`
/// copies the checked bytes to the asset key without tags.
pub const STAGING_TAGGING: &str = "<Tagging><TagSet><Tag><Key>staging</Key><Value>true</Value></Tag></TagSet></Tagging>";

/// The policy document (before base64). `ttl` is capped at [`MAX_POLICY_TTL_S`].
pub fn policy_document(target: &PostTarget<'_>, signer: &Signer<'_>, now: DateTime<Utc>, ttl: Duration) -> Value {
    let expires_at = now + ttl.min(Duration::seconds(MAX_POLICY_TTL_S));
    let mut conditions = vec![
        json!({ "bucket": target.bucket }),
        json!({ "key": target.key }),
        json!({ "Content-Type": target.content_type }),
        json!({ "tagging": STAGING_TAGGING }),
        json!(["content-length-range", 1, target.max_bytes]),
        json!({ "x-amz-algorithm": "AWS4-HMAC-SHA256" }),
        json!({ "x-amz-credential": credential(signer, now) }),
        json!({ "x-amz-date": amz_date(now) }),
    ];
    if let Some(token) = signer.session_token {
        conditions.push(json!({ "x-amz-security-token": token }));
    }
    json!({
        "expiration": expires_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "conditions": conditions,
    })
}

/// The signed form for one upload.
pub fn sign_post(target: &PostTarget<'_>, signer: &Signer<'_>, now: DateTime<Utc>, ttl: Duration) -> SignedPost {
    let ttl = ttl.min(Duration::seconds(MAX_POLICY_TTL_S));
    let policy = base64::engine::general_purpose::STANDARD.encode(policy_document(target, signer, now, ttl).to_string());
    let signature = policy_signature(&policy, signer.secret_access_key, now, signer.region);
    let mut fields = BTreeMap::from([
        ("key".to_string(), target.key.to_string()),
        ("Content-Type".to_string(), target.content_type.to_string()),
        ("tagging".to_string(), STAGING_TAGGING.to_string()),
        ("x-amz-algorithm".to_string(), "AWS4-HMAC-SHA256".to_string()),
        ("x-amz-credential".to_string(), credential(signer, now)),
        ("x-amz-date".to_string(), amz_date(now)),
        ("policy".to_string(), policy),
        ("x-amz-signature".to_string(), signature),
    ]);
    if let Some(token) = signer.session_token {
        fields.insert("x-amz-security-token".to_string(), token.to_string());
    }
    SignedPost {
        fields,
        expires_at: now + ttl,
    }
}

/// SigV4 over the base64 policy: HMAC-SHA256 with the key derived from the secret, the date,
/// the region and `s3`, hex-encoded.
pub fn policy_signature(policy_b64: &str, secret: &str, now: DateTime<Utc>, region: &str) -> String {
    let date = now.format("%Y%m%d").to_string();
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    let k_signing = hmac(&k_service, b"aws4_request");
    hex::encode(hmac(&k_signing, policy_b64.as_bytes()))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn credential(signer: &Signer<'_>, now: DateTime<Utc>) -> String {
    format!(
        "{}/{}/{}/s3/aws4_request",
        signer.access_key_id,
        now.format("%Y%m%d"),
        signer.region
    )
}

fn amz_date(now: DateTime<Utc>) -> String {
    now.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SIGNER: Signer<'static> = Signer {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        session_token: Some("session-token"),
        region: "eu-central-1",
    };

    fn target() -> PostTarget<'static> {
        PostTarget {
            bucket: "media-bucket",
            key: "users/u1/uploads/01JABCDEF",
            content_type: "image/png",
            max_bytes: 5_000,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 23, 12, 34, 56).unwrap()
    }

    /// AWS's worked example ("Example: Browser-Based Upload using HTTP POST (Using AWS
    /// Signature Version 4)"): its base64 policy and credentials give its published signature.
    /// The same value was checked with Python's hmac/hashlib.
    #[test]
    fn signs_the_aws_documentation_example() {
        const POLICY: &str = concat!(
            "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1",
            "Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8i",
            "XSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDov",
            "L3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0",
            "YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUx",
            "MjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFy",
            "dHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZP",
            "RE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGht",
            "IjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9",
        );
        let day = Utc.with_ymd_and_hms(2015, 12, 29, 0, 0, 0).unwrap();
        assert_eq!(
            policy_signature(POLICY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", day, "us-east-1"),
            "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
        );
    }

    #[test]
    fn the_policy_pins_bucket_key_type_size_and_signer() {
        let doc = policy_document(&target(), &SIGNER, now(), Duration::minutes(10));
        assert_eq!(doc["expiration"], "2026-11-23T12:44:56.000Z");
        assert_eq!(
            doc["conditions"],
            json!([
                {"bucket": "media-bucket"},
                {"key": "users/u1/uploads/01JABCDEF"},
                {"Content-Type": "image/png"},
                {"tagging": STAGING_TAGGING},
                ["content-length-range", 1, 5000],
                {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
                {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20261123/eu-central-1/s3/aws4_request"},
                {"x-amz-date": "20261123T123456Z"},
                {"x-amz-security-token": "session-token"},
            ])
        );
    }

    #[test]
    fn the_policy_never_lives_longer_than_ten_minutes() {
        let doc = policy_document(&target(), &SIGNER, now(), Duration::hours(2));
        assert_eq!(doc["expiration"], "2026-11-23T12:44:56.000Z");
        let post = sign_post(&target(), &SIGNER, now(), Duration::hours(2));
        assert_eq!(post.expires_at, now() + Duration::minutes(10));
    }

    #[test]
    fn the_form_carries_the_signed_policy_and_matches_its_conditions() {
        let post = sign_post(&target(), &SIGNER, now(), Duration::minutes(5));
        let f = &post.fields;
        let policy = base64::engine::general_purpose::STANDARD.decode(&f["policy"]).unwrap();
        let doc: Value = serde_json::from_slice(&policy).unwrap();
        assert_eq!(doc, policy_document(&target(), &SIGNER, now(), Duration::minutes(5)));
        // Every exact-match condition names a form field with that value (S3 refuses otherwise).
        for c in doc["conditions"].as_array().unwrap() {
            if let Some(obj) = c.as_object() {
                for (k, v) in obj {
                    if k != "bucket" {
                        assert_eq!(f[k], v.as_str().unwrap(), "{k}");
                    }
                }
            }
        }
        assert_eq!(
            f["x-amz-signature"],
            policy_signature(&f["policy"], SIGNER.secret_access_key, now(), "eu-central-1")
        );
        assert_eq!(f["x-amz-signature"].len(), 64);
    }

    #[test]
    fn without_a_session_token_no_token_is_sent_or_required() {
        let signer = Signer {
            session_token: None,
            ..SIGNER
        };
        let post = sign_post(&target(), &signer, now(), Duration::minutes(5));
        assert!(!post.fields.contains_key("x-amz-security-token"));
        let doc = policy_document(&target(), &signer, now(), Duration::minutes(5));
        assert!(!doc.to_string().contains("x-amz-security-token"));
    }

    #[test]
    fn debug_output_hides_the_secret_and_token() {
        let s = format!("{SIGNER:?}");
        assert!(!s.contains("EXAMPLEKEY") && !s.contains("session-token"), "{s}");
    }
}
