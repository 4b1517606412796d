//! AWS quotas a plan can't show, read off infra/ (docs/aws-limits.md).
use infra_check::parse_infra;
use std::path::Path;

/// CloudFront Functions: at most 10 KB of code each (CloudFront developer guide, "Quotas on
/// functions"). A plan accepts more; the apply fails.
#[test]
fn cloudfront_functions_fit_their_10_kb() {
    let infra = parse_infra(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra")).unwrap();
    let functions: Vec<_> = infra.resources.iter().filter(|r| r.kind == "aws_cloudfront_function").collect();
    assert!(!functions.is_empty(), "infra/ has CloudFront functions");
    for f in functions {
        let code = f
            .body
            .attributes()
            .find(|a| a.key() == "code")
            .unwrap_or_else(|| panic!("{} has no code", f.name));
        let hcl::Expression::TemplateExpr(t) = code.expr() else {
            panic!("{}: code is not a literal template: its size can't be read", f.name)
        };
        let len = t.to_string().len();
        assert!(
            len <= 10 * 1024,
            "{}: {len} bytes of code, over CloudFront Functions' 10 KB",
            f.name
        );
        assert!(len > 20, "{}: read {len} bytes of code", f.name);
    }
}
