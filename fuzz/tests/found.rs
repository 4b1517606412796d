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
