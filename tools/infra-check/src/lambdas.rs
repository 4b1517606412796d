//! Every function's own resources: its `aws_lambda_function` (provided.al2023, arm64, the
//! cargo-lambda zip, its own role and log group, its environment), `aws_iam_role`,
//! `aws_iam_role_policy` (attached to that role) and `aws_cloudwatch_log_group` (with a
//! retention).

use crate::environment::check_function_env;
use crate::infra::TfBlock;
use crate::model::{Model, stub_ref};
use hcl::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The resource kinds every function has one of, through a `for_each` over the functions.
const PER_FUNCTION: [&str; 4] = [
    "aws_lambda_function",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_cloudwatch_log_group",
];

/// kind -> function name -> the block whose `for_each` covers the function.
pub(crate) type Covering<'m> = BTreeMap<&'static str, BTreeMap<String, &'m TfBlock>>;

/// The block of each per-function kind that covers each function.
pub(crate) fn covering(model: &Model) -> Covering<'_> {
    let mut covering: Covering = BTreeMap::new();
    for kind in PER_FUNCTION {
        let mut map = BTreeMap::new();
        for r in model.resources(kind) {
            if let Some(keys) = model.keys_of(r) {
                for k in keys {
                    map.entry(k.clone()).or_insert(r);
                }
            }
        }
        covering.insert(kind, map);
    }
    covering
}

fn as_strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => vec![],
    }
}

/// Checks each function's resources; returns the resource each environment variable names
/// (the same for every function), for the IAM checks.
pub(crate) fn check_lambdas(
    model: &Model,
    dirs: &BTreeSet<String>,
    covering: &Covering,
    required_env: &BTreeSet<String>,
    errors: &mut Vec<String>,
) -> BTreeMap<String, String> {
    for name in dirs {
        for kind in PER_FUNCTION {
            if !covering[kind].contains_key(name) {
                errors.push(format!("function {name} has no {kind}"));
            }
        }
    }

    let mut env_addresses: BTreeMap<String, String> = BTreeMap::new();
    for name in dirs {
        let Some(lambda) = covering["aws_lambda_function"].get(name) else {
            continue;
        };
        let role = covering["aws_iam_role"].get(name);
        let log_group = covering["aws_cloudwatch_log_group"].get(name);
        let policy = covering["aws_iam_role_policy"].get(name);
        let ev = |r: &TfBlock, path: &[&str]| model.eval_attr_each(r, name, path);
        let fq = format!("{}.{}[\"{name}\"]", lambda.kind, lambda.name);

        match ev(lambda, &["runtime"]) {
            Ok(v) if v.as_str() == Some("provided.al2023") => {}
            other => errors.push(format!("{fq}: runtime must be provided.al2023, got {other:?}")),
        }
        match ev(lambda, &["architectures"]) {
            Ok(v) if as_strings(&v) == ["arm64"] => {}
            other => errors.push(format!("{fq}: architectures must be [\"arm64\"], got {other:?}")),
        }
        match ev(lambda, &["filename"]) {
            Ok(v)
                if v.as_str()
                    .is_some_and(|s| s.ends_with(&format!("/../target/lambda/{name}/bootstrap.zip"))) => {}
            other => errors.push(format!(
                "{fq}: filename must be <repo>/target/lambda/{name}/bootstrap.zip, got {other:?}"
            )),
        }
        if let Some(role) = role {
            let want = stub_ref(&role.kind, &role.name, Some(name), "arn");
            match ev(lambda, &["role"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("{fq}: role must be its own role {want}, got {other:?}")),
            }
        }
        if let (Some(policy), Some(role)) = (policy, role) {
            let want = stub_ref(&role.kind, &role.name, Some(name), "id");
            match ev(policy, &["role"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!("aws_iam_role_policy for {name}: must attach to {want}, got {other:?}")),
            }
        }
        if let Some(lg) = log_group {
            let want = stub_ref(&lg.kind, &lg.name, Some(name), "name");
            match ev(lambda, &["logging_config", "log_group"]) {
                Ok(v) if v.as_str() == Some(want.as_str()) => {}
                other => errors.push(format!(
                    "{fq}: logging_config.log_group must be its own log group {want}, got {other:?}"
                )),
            }
            match ev(lg, &["retention_in_days"]) {
                Ok(v) if v.as_f64().is_some_and(|d| d > 0.0) => {}
                other => errors.push(format!("log group of {name}: retention_in_days missing ({other:?})")),
            }
        }
        check_function_env(
            ev(lambda, &["environment", "variables"]),
            name,
            &fq,
            required_env,
            &mut env_addresses,
            errors,
        );
    }
    env_addresses
}
