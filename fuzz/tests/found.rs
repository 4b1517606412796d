//! Inputs the fuzz targets found or that pin a property down, as regular named tests. Each is
//! also a file in `fuzz/corpus/<target>/` (named after its test), so the loop starts from it.
use vn_fuzz::targets::find;

fn run(target: &str, input: &[u8]) -> String {
    (find(target).expect("a target").run)(input)
}

#[test]
fn a_json_array_is_not_a_request_body() {
    // serde reads a struct from a sequence too: `["imagen-4", "a cat"]` was a valid generation
    // request. Every body is an object (api.md, openapi.yaml); json_body now refuses the rest.
    let out = run("request", b"generate\n\n\n[\"imagen-4\", \"a cat\"]");
    assert!(out.contains("400"), "{out}");
    let out = run("request", b"upload\n\n\n[\"image/png\", 100]");
    assert!(out.contains("400"), "{out}");
}

#[test]
fn a_key_whose_text_is_inside_the_redacted_debug_text_is_no_leak() {
    // libFuzzer (cargo fuzz, -s none) found `WebhookSecre`: valid base64, so a valid key whose
    // text is a substring of `WebhookSecret(<redacted>)`. The harness's old check ("Debug does not
    // contain the key text") was wrong there, not the verifier; Debug is exactly the redacted text.
    let out = run("webhook", b"WebhookSecre");
    assert!(out.starts_with("secret:true"), "{out}");
}

#[test]
fn a_128_character_owner_has_another_user_to_compare_with() {
    // libFuzzer found an owner id of 128 characters, for which the harness's "other user"
    // (`{owner}-other` cut to 128) was the owner again; the cursor code was right.
    let mut input = b"alice-".to_vec();
    input.extend(std::iter::repeat_n(b'Y', 122));
    input.extend_from_slice(b"\nabc\n\nk");
    assert_eq!(input.iter().position(|&b| b == b'\n'), Some(128));
    let out = run("cursor", &input);
    assert!(out.contains("request:limit"), "{out}");
}
