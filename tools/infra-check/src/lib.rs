//! Structural checks of `infra/` (Terraform) against the workspace.
//!
//! The Terraform builds functions, roles, log groups, routes and integrations with `for_each`
//! over `routes.json` and `infra/tables.json`. This crate parses every `infra/*.tf` with
//! `hcl-rs`, evaluates the `locals` and the `for_each`/attribute expressions it needs (with a
//! small set of Terraform functions and placeholder values for resource attributes, e.g.
//! `aws_iam_role.function["health"].arn`), and checks that:
//!
//! - every directory in `functions/` is a function of `routes.json` and vice versa;
//! - every function has its `aws_lambda_function` (provided.al2023, arm64, the cargo-lambda zip,
//!   its own role and its own log group), `aws_iam_role`, `aws_iam_role_policy` and
//!   `aws_cloudwatch_log_group`, and exactly the environment variables `infra/environment.json`
//!   gives Terraform to set, each with a value (`VN_HANDLER`: the function's name);
//! - every route has an HTTP function, an `aws_apigatewayv2_route` with the right key, target
//!   and authorization, an integration that invokes that function, and an invoke permission;
//! - every role policy grants exactly what the function's `access` block lists (table, media,
//!   queue and secret actions, what an SQS trigger needs, its own log group) and nothing else;
//! - every scheduled function retries no failed run and sends it to an SQS failure destination,
//!   which its role may send to ([`schedule`]);
//! - every function's `access` lists exactly the AWS calls its code makes ([`calls`]: derived
//!   from `shared/src` and `functions/<name>/src`, presigned URLs included), so a call without
//!   a permission fails, and so does a permission without a call;
//! - CloudFront standard logging is ordered after the log bucket's ownership controls (ACLs
//!   on), and the media bucket is served only behind signed URLs ([`check_cdn`]);
//! - every table of `tables.json` has an `aws_dynamodb_table`.
//!
//! [`check_repo`] returns the list of problems (empty = fine).
//!
//! One module a concern: `infra` parses `infra/*.tf`, `tf_functions` and `model` evaluate it;
//! `lambdas` and `environment` check each function's resources and environment, `iam` its role
//! policy, `routes` the API routes, `cdn` CloudFront; [`calls`] reads the code.

pub mod calls;
mod cdn;
mod environment;
mod iam;
mod infra;
mod lambdas;
mod model;
mod routes;
pub mod schedule;
mod tf_functions;

pub use cdn::check_cdn;
pub use environment::terraform_env;
pub use iam::Allowed;
pub use infra::{Infra, TfBlock, parse_infra};
pub use model::{Model, stub_ref};

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// Function directories: `functions/<name>/Cargo.toml`.
pub fn function_dirs(root: &Path) -> Result<BTreeSet<String>, String> {
    let dir = root.join("functions");
    let mut out = BTreeSet::new();
    for e in fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let p = e.map_err(|e| e.to_string())?.path();
        if p.join("Cargo.toml").is_file() {
            out.insert(p.file_name().unwrap().to_string_lossy().to_string());
        }
    }
    Ok(out)
}

/// Runs every check on the repository at `root`; returns the problems found.
pub fn check_repo(root: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    let dirs = match function_dirs(root) {
        Ok(d) => d,
        Err(e) => return vec![e],
    };
    let route_table: serde_json::Value = match fs::read_to_string(root.join("routes.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![format!("routes.json: {e}")],
    };
    let tables_json: serde_json::Value = match fs::read_to_string(root.join("infra/tables.json"))
        .map_err(|e| e.to_string())
        .and_then(|s| serde_json::from_str(&s).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => return vec![format!("infra/tables.json: {e}")],
    };
    let required_env = match terraform_env(root) {
        Ok(e) => e,
        Err(e) => return vec![e],
    };
    let infra_dir = root.join("infra");
    let infra = match parse_infra(&infra_dir) {
        Ok(i) => i,
        Err(e) => return vec![e],
    };
    let model = Model::build(infra, &infra_dir);

    let empty = serde_json::Map::new();
    let functions = route_table["functions"].as_object().unwrap_or(&empty);
    let routes = route_table["routes"].as_array().cloned().unwrap_or_default();

    // ---- functions/ <-> routes.json
    for d in &dirs {
        if !functions.contains_key(d) {
            errors.push(format!(
                "functions/{d} is not in routes.json \"functions\": it has no Lambda, role or log group"
            ));
        }
    }
    for f in functions.keys() {
        if !dirs.contains(f) {
            errors.push(format!("routes.json function {f} has no functions/{f} crate"));
        }
    }

    // ---- per-function resources
    let covering = lambdas::covering(&model);
    let env_addresses = lambdas::check_lambdas(&model, &dirs, &covering, &required_env, &mut errors);

    // ---- IAM follows the code: each function's AWS calls (derived from shared/ and its crate)
    // are exactly what its routes.json access grants.
    let secret_of_env = environment::secret_of_env(&env_addresses);
    let gated: BTreeSet<String> = routes
        .iter()
        .filter(|r| r["auth"].as_bool() == Some(true))
        .filter_map(|r| r["function"].as_str().map(str::to_owned))
        .collect();
    errors.extend(calls::check_calls(root, functions, &gated, &secret_of_env));

    // ---- least privilege: each role grants exactly what its access (and trigger) needs
    iam::check_policies(&model, functions, &covering, &env_addresses, &mut errors);

    // ---- routes
    routes::check_routes(&model, &routes, functions, &dirs, &covering, &mut errors);

    errors.extend(check_cdn(&model));

    // ---- tables
    let table_keys: BTreeSet<String> = tables_json["tables"]
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let built: BTreeSet<String> = model
        .resources("aws_dynamodb_table")
        .iter()
        .filter_map(|r| model.keys_of(r))
        .flatten()
        .cloned()
        .collect();
    for t in &table_keys {
        if !built.contains(t) {
            errors.push(format!("tables.json table {t} has no aws_dynamodb_table"));
        }
    }

    if errors.is_empty() {
        return errors;
    }
    // Help diagnose: locals that could not be evaluated.
    for (l, e) in &model.local_errors {
        errors.push(format!("(note) local.{l} not evaluated: {e}"));
    }
    errors
}
