//! Each function's environment: exactly the variables `infra/environment.json` gives Terraform to
//! set, each with a value (`VN_HANDLER`: the function's name). The resources those values name
//! (tables, bucket, queue, secrets) are what the IAM checks resolve `access` against.

use hcl::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The environment variables every function must get from Terraform: the names of
/// `infra/environment.json` whose `set_by` has `terraform` (the same set for all).
pub fn terraform_env(root: &Path) -> Result<BTreeSet<String>, String> {
    let text = fs::read_to_string(root.join("infra/environment.json")).map_err(|e| format!("infra/environment.json: {e}"))?;
    let list: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("infra/environment.json: {e}"))?;
    let vars = list["variables"]
        .as_object()
        .ok_or("infra/environment.json: no \"variables\" object")?;
    Ok(vars
        .iter()
        .filter(|(_, v)| v["set_by"].as_array().is_some_and(|s| s.iter().any(|p| p == "terraform")))
        .map(|(k, _)| k.clone())
        .collect())
}

/// Strips the trailing `.attr` of a placeholder value: the resource's address.
fn address_of(v: &str) -> &str {
    v.rsplit_once('.').map(|(a, _)| a).unwrap_or(v)
}

/// Checks the evaluated `environment.variables` of the function `name` (its Lambda is `fq`)
/// against `required`, and records the resource each variable names in `addresses`.
pub(crate) fn check_function_env(
    variables: Result<Value, String>,
    name: &str,
    fq: &str,
    required: &BTreeSet<String>,
    addresses: &mut BTreeMap<String, String>,
    errors: &mut Vec<String>,
) {
    match variables {
        Ok(Value::Object(env)) => {
            for k in required {
                match env.get(k) {
                    Some(Value::String(s)) if !s.is_empty() => {
                        addresses.insert(k.to_string(), address_of(s).to_string());
                    }
                    Some(Value::Number(_) | Value::Bool(_)) => {}
                    _ => errors.push(format!("{fq}: environment variable {k} missing")),
                }
            }
            for k in env.keys().filter(|k| !required.contains(*k)) {
                errors.push(format!(
                    "{fq}: environment variable {k} is not Terraform's to set (infra/environment.json)"
                ));
            }
            if env.get("VN_HANDLER").and_then(Value::as_str) != Some(name) {
                errors.push(format!("{fq}: VN_HANDLER must be {name}"));
            }
        }
        other => errors.push(format!("{fq}: environment.variables not evaluable: {other:?}")),
    }
}

/// The secret (routes.json name) each `*_SECRET_ID` variable names: Terraform sets it to
/// `aws_secretsmanager_secret.<x>["<name>"]`'s ARN.
pub(crate) fn secret_of_env(addresses: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    addresses
        .iter()
        .filter(|(var, addr)| var.ends_with("_SECRET_ID") && addr.starts_with("aws_secretsmanager_secret."))
        .filter_map(|(var, addr)| {
            let key = addr.rsplit_once("[\"")?.1.strip_suffix("\"]")?;
            Some((var.clone(), key.to_string()))
        })
        .collect()
}
