use super::*;

const ORIGIN: &str = "https://studio.example.com";
const NOW: u64 = 1_800_000_000;

fn pair(kind: KeyKind) -> (UrlSigner, UrlVerifier) {
    let (private, public) = generate_key_pair(kind).unwrap();
    let signer = UrlSigner::from_pem(&private, "K2JCJMDEHXQW5F").unwrap();
    let verifier = UrlVerifier::new().with_key("K2JCJMDEHXQW5F", &public).unwrap();
    (signer, verifier)
}

fn split(url: &str) -> (&str, &str) {
    let rest = url.strip_prefix(ORIGIN).unwrap();
    rest.split_once('?').unwrap_or((rest, ""))
}

fn check(v: &UrlVerifier, url: &str, now: u64) -> Result<(), VerifyError> {
    let (path, query) = split(url);
    v.verify(ORIGIN, path, query, now)
}

#[test]
fn canned_policy_is_cloudfronts_exact_bytes() {
    assert_eq!(
        canned_policy("https://d111111abcdef8.cloudfront.net/image.jpg", 1357034400),
        r#"{"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}"#
    );
}

#[test]
fn base64_is_cloudfronts_url_safe_alphabet() {
    // 0xfb 0xff → "+/8=" in standard base64.
    assert_eq!(cf_base64(&[0xfb, 0xff]), "-~8_");
    assert_eq!(cf_unbase64("-~8_").unwrap(), vec![0xfb, 0xff]);
}

#[test]
fn signed_urls_carry_the_four_parameters() {
    let (s, _) = pair(KeyKind::EcdsaP256);
    let url = s.sign(&format!("{ORIGIN}/media/users/u1/assets/a.png"), NOW + 60).unwrap();
    assert!(
        url.starts_with(&format!("{ORIGIN}/media/users/u1/assets/a.png?Expires={}&Signature=", NOW + 60)),
        "{url}"
    );
    assert!(url.ends_with("&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256"), "{url}");
}

fn valid_expired_altered(kind: KeyKind) {
    let (s, v) = pair(kind);
    let res = format!("{ORIGIN}/media/users/u1/assets/a.png");
    let url = s.sign(&res, NOW + 600).unwrap();
    assert_eq!(check(&v, &url, NOW), Ok(()));
    // Expired: at and after Expires.
    assert_eq!(check(&v, &url, NOW + 600), Err(VerifyError::Expired));
    // Altered path: another user's object with this signature.
    let other = url.replace("/users/u1/", "/users/u2/");
    assert_eq!(check(&v, &other, NOW), Err(VerifyError::BadSignature));
    // Altered Expires: a later expiry is not what was signed.
    let later = url.replace(&format!("Expires={}", NOW + 600), &format!("Expires={}", NOW + 6000));
    assert_eq!(check(&v, &later, NOW + 700), Err(VerifyError::BadSignature));
    // Missing signature.
    let (path, _) = split(&url);
    assert_eq!(v.verify(ORIGIN, path, "", NOW), Err(VerifyError::Unsigned));
    // Another origin than the one signed.
    let (path, query) = split(&url);
    assert_eq!(v.verify("https://evil.example", path, query, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn ecdsa_valid_expired_and_altered() {
    valid_expired_altered(KeyKind::EcdsaP256);
}

#[test]
fn rsa_valid_expired_and_altered() {
    valid_expired_altered(KeyKind::Rsa2048);
}

#[test]
fn a_signature_from_another_key_is_refused() {
    let (s, _) = pair(KeyKind::EcdsaP256);
    let (_, v) = pair(KeyKind::EcdsaP256);
    let url = s.sign(&format!("{ORIGIN}/media/users/u1/assets/a.png"), NOW + 600).unwrap();
    assert_eq!(check(&v, &url, NOW), Err(VerifyError::BadSignature));
    // An unknown key pair id.
    let unknown = url.replace("Key-Pair-Id=K2JCJMDEHXQW5F", "Key-Pair-Id=KOTHER");
    assert_eq!(check(&v, &unknown, NOW), Err(VerifyError::UnknownKey));
}

#[test]
fn the_resources_own_query_is_signed() {
    let (s, v) = pair(KeyKind::Rsa2048);
    let res = format!("{ORIGIN}/media/users/u1/assets/a.png?response-content-disposition=attachment%3B%20filename%3D%22a.png%22");
    let url = s.sign(&res, NOW + 600).unwrap();
    assert_eq!(check(&v, &url, NOW), Ok(()));
    let renamed = url.replace("a.png%22", "evil.html%22");
    assert_eq!(check(&v, &renamed, NOW), Err(VerifyError::BadSignature));
    let dropped = url.replace("response-content-disposition=attachment%3B%20filename%3D%22a.png%22&", "");
    assert_eq!(check(&v, &dropped, NOW), Err(VerifyError::BadSignature));
}

#[test]
fn rsa_signatures_are_deterministic_and_ecdsa_ones_are_not() {
    let res = format!("{ORIGIN}/media/x.png");
    let (r, _) = pair(KeyKind::Rsa2048);
    assert_eq!(r.sign(&res, NOW).unwrap(), r.sign(&res, NOW).unwrap());
    let (e, _) = pair(KeyKind::EcdsaP256);
    assert_ne!(e.sign(&res, NOW).unwrap(), e.sign(&res, NOW).unwrap());
}

#[test]
fn keys_in_openssl_formats_load_and_others_do_not() {
    let (private, _) = generate_key_pair(KeyKind::EcdsaP256).unwrap();
    assert!(UrlSigner::from_pem(&private, "K").is_ok());
    assert_eq!(UrlSigner::from_pem("not a key", "K").unwrap_err(), KeyError::NotPem);
    let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_eq!(UrlSigner::from_pem(cert, "K").unwrap_err(), KeyError::Unsupported);
}

#[test]
fn expiry_is_rounded_to_the_window_and_within_the_lifetime() {
    let e = rounded_expiry(NOW + 17, 3600, 900);
    assert_eq!(e % 900, 0);
    assert!(e > NOW + 17 + 3600 - 900 && e <= NOW + 17 + 3600);
    assert_eq!(rounded_expiry(NOW + 17, 3600, 900), rounded_expiry(NOW + 18, 3600, 900));
}
