//! The fuzz targets build without the AWS SDK: `shared` without its `aws` feature pulls in no
//! aws-sdk-*, aws-config or aws-smithy-* crate. (A new SDK import in a pure module fails to
//! compile here; a new SDK dependency made non-optional fails this test.)
use std::process::Command;

fn deps(args: &[&str]) -> Vec<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "-e", "normal", "--prefix", "none", "--format", "{p}"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn aws_sdk(crates: &[String]) -> Vec<&String> {
    crates
        .iter()
        .filter(|c| c.starts_with("aws-sdk-") || c.starts_with("aws-smithy-") || *c == "aws-config" || c.starts_with("aws-types"))
        .collect()
}

#[test]
fn the_fuzz_crate_has_no_aws_sdk_in_its_graph() {
    let fuzz = deps(&["-p", "vn-fuzz"]);
    assert!(fuzz.iter().any(|c| c == "shared"), "vn-fuzz depends on shared: {fuzz:?}");
    assert!(fuzz.iter().any(|c| c == "serde_json"));
    assert_eq!(aws_sdk(&fuzz), Vec::<&String>::new(), "AWS SDK crates in vn-fuzz's graph");
    // The check can fail: shared with its default features does pull the SDK in.
    let full = deps(&["-p", "shared"]);
    assert!(aws_sdk(&full).iter().any(|c| *c == "aws-sdk-dynamodb"), "{full:?}");
}
