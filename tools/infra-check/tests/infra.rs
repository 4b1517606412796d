//! `cargo test -p infra-check`: infra/ (Terraform) checked against functions/ and routes.json,
//! plus mutation tests proving that each kind of drift is caught.

use infra_check::check_repo;
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

#[test]
fn infra_matches_functions_and_routes() {
    let errors = check_repo(&repo_root());
    assert!(errors.is_empty(), "infra/ drifted from the workspace:\n{}", errors.join("\n"));
}

#[test]
fn every_tf_file_parses_and_each_concern_has_its_file() {
    let infra = repo_root().join("infra");
    for f in [
        "api",
        "functions",
        "queue",
        "data",
        "storage",
        "cdn",
        "auth",
        "secrets",
        "monitoring",
        "variables",
        "outputs",
        "versions",
    ] {
        let p = infra.join(format!("{f}.tf"));
        let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
}

#[test]
fn terraform_reads_the_shared_route_table_and_tables_file() {
    let infra = repo_root().join("infra");
    let functions = fs::read_to_string(infra.join("functions.tf")).unwrap();
    assert!(functions.contains(r#"jsondecode(file("${path.module}/../routes.json"))"#));
    let data = fs::read_to_string(infra.join("data.tf")).unwrap();
    assert!(data.contains(r#"jsondecode(file("${path.module}/tables.json"))"#));
}

// ---------------------------------------------------------------- mutation tests

/// A throwaway copy of what the checks read: infra/*.tf, infra/tables.json, routes.json and
/// one empty crate per function directory.
struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let src = repo_root();
        let root = std::env::temp_dir().join(format!("infra-check-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("infra")).unwrap();
        for e in fs::read_dir(src.join("infra")).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.ends_with(".tf") || name == "tables.json" {
                fs::copy(&p, root.join("infra").join(&name)).unwrap();
            }
        }
        fs::copy(src.join("routes.json"), root.join("routes.json")).unwrap();
        for d in infra_check::function_dirs(&src).unwrap() {
            fs::create_dir_all(root.join("functions").join(&d)).unwrap();
            fs::write(root.join("functions").join(&d).join("Cargo.toml"), "").unwrap();
        }
        Fixture { root }
    }

    fn edit(&self, rel: &str, from: &str, to: &str) -> &Self {
        let p = self.root.join(rel);
        let text = fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{rel} no longer contains {from:?}: update this test");
        fs::write(&p, text.replacen(from, to, 1)).unwrap();
        self
    }

    fn errors(&self) -> Vec<String> {
        check_repo(&self.root)
    }

    fn assert_error(&self, needle: &str) {
        let errors = self.errors();
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "expected an error containing {needle:?}, got:\n{}",
            errors.join("\n")
        );
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

#[test]
fn unchanged_copy_passes() {
    let f = Fixture::new("unchanged");
    assert_eq!(f.errors(), Vec::<String>::new());
}

#[test]
fn new_function_directory_without_infra_fails() {
    let f = Fixture::new("newdir");
    fs::create_dir_all(f.root.join("functions/images-upscale")).unwrap();
    fs::write(f.root.join("functions/images-upscale/Cargo.toml"), "").unwrap();
    f.assert_error("functions/images-upscale is not in routes.json");
    f.assert_error("function images-upscale has no aws_lambda_function");
}

#[test]
fn function_without_log_group_fails() {
    let f = Fixture::new("nolog");
    f.edit(
        "infra/functions.tf",
        "resource \"aws_cloudwatch_log_group\" \"function\" {\n  for_each = local.functions",
        "resource \"aws_cloudwatch_log_group\" \"function\" {\n  for_each = { for k, v in local.functions : k => v if k != \"worker\" }",
    );
    f.assert_error("function worker has no aws_cloudwatch_log_group");
}

#[test]
fn function_without_role_fails() {
    let f = Fixture::new("norole");
    f.edit(
        "infra/functions.tf",
        "resource \"aws_iam_role\" \"function\" {\n  for_each = local.functions",
        "resource \"aws_iam_role\" \"function\" {\n  for_each = { for k, v in local.functions : k => v if k != \"health\" }",
    );
    f.assert_error("function health has no aws_iam_role");
}

#[test]
fn shared_role_fails() {
    let f = Fixture::new("sharedrole");
    f.edit(
        "infra/functions.tf",
        "role          = aws_iam_role.function[each.key].arn",
        "role          = aws_iam_role.function[\"reconciler\"].arn",
    );
    f.assert_error("role must be its own role");
}

#[test]
fn wrong_architecture_fails() {
    let f = Fixture::new("x86");
    f.edit("infra/functions.tf", "architectures = [\"arm64\"]", "architectures = [\"x86_64\"]");
    f.assert_error("architectures must be");
}

#[test]
fn route_with_unknown_function_fails() {
    let f = Fixture::new("badroute");
    f.edit("routes.json", r#""function": "jobs-get""#, r#""function": "jobs-fetch""#);
    f.assert_error("function jobs-fetch is not in routes.json functions");
}

#[test]
fn route_without_api_route_fails() {
    let f = Fixture::new("noroute");
    f.edit(
        "infra/api.tf",
        "for_each = local.routes",
        "for_each = { for k, v in local.routes : k => v if k != \"GET /api/me\" }",
    );
    f.assert_error("route GET /api/me has no aws_apigatewayv2_route");
}

#[test]
fn route_without_integration_fails() {
    let f = Fixture::new("nointegration");
    f.edit(
        "infra/api.tf",
        "resource \"aws_apigatewayv2_integration\" \"function\" {\n  for_each = local.http_functions",
        "resource \"aws_apigatewayv2_integration\" \"function\" {\n  for_each = { for k, v in local.http_functions : k => v if k != \"models-list\" }",
    );
    f.assert_error("function models-list has no aws_apigatewayv2_integration");
}

#[test]
fn public_route_that_should_be_authorized_fails() {
    let f = Fixture::new("noauth");
    f.edit("infra/api.tf", "each.value.auth ? \"JWT\" : \"NONE\"", "\"NONE\"");
    f.assert_error("authorization_type must be JWT");
}

#[test]
fn read_only_function_granted_writes_fails() {
    let f = Fixture::new("readwrite");
    f.edit(
        "infra/functions.tf",
        "read  = [\"s3:GetObject\"]",
        "read  = [\"s3:GetObject\", \"s3:PutObject\"]",
    );
    f.assert_error("policy of assets-get grants s3:PutObject");
}

#[test]
fn secret_not_declared_in_access_fails() {
    let f = Fixture::new("secrets");
    f.edit(
        "infra/functions.tf",
        "Resource = [for s in secrets : aws_secretsmanager_secret.secret[s].arn]",
        "Resource = [for s in keys(local.secrets) : aws_secretsmanager_secret.secret[s].arn]",
    );
    f.assert_error("grants secretsmanager:GetSecretValue on aws_secretsmanager_secret.secret[\"media_signing_key\"].arn");
}

#[test]
fn missing_table_grant_fails() {
    let f = Fixture::new("notable");
    f.edit("routes.json", r#""me-get":            { "trigger": "http",     "memory_mb": 128, "timeout_s": 5,  "access": { "tables": { "usage": "read" } } }"#,
        r#""me-get":            { "trigger": "http",     "memory_mb": 128, "timeout_s": 5,  "access": { "tables": { "usage": "read", "jobs": "read" } } }"#);
    // The policy is generated from routes.json, so it follows: no error. Break the generator instead.
    assert_eq!(f.errors(), Vec::<String>::new());
    f.edit(
        "infra/functions.tf",
        "read  = [\"dynamodb:GetItem\", \"dynamodb:Query\", \"dynamodb:BatchGetItem\"]",
        "read  = [\"dynamodb:GetItem\"]",
    );
    f.assert_error("policy of me-get lacks dynamodb:Query");
}
