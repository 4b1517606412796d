//! The AWS calls each function's code can make, derived from the Rust sources.
//!
//! IAM must follow the code: a call without a permission fails in AWS (AccessDenied, while the
//! emulator, which checks no IAM, stays green), and a permission without a call is a grant an
//! attacker could use. This module reads `shared/src` and `functions/<name>/src` with `syn`:
//!
//! 1. **SDK operations.** A method call on an SDK client field (`self.ddb`, `self.s3`,
//!    `self.sqs`, `self.client`) whose name is a known operation (`get_item`, `put_object`,
//!    `send_message`, ...) is a call; the rest of its builder chain says on what (`table_name`,
//!    `request_items`, `.tagging(..)` = `s3:PutObjectTagging` too). A presigned request
//!    (`get_object()...presigned(..)`) counts as the call the URL makes: the role that signs it
//!    must hold `s3:GetObject`, or the URL fails in AWS. Likewise a presigned POST form
//!    (`media.presigned_post(..)`) counts as `s3:PutObject` and `s3:PutObjectTagging` (the form
//!    pins the staging tag), and `copy_object` as `s3:PutObject`
//!    on the target plus `s3:GetObject` on the source. DynamoDB transaction items
//!    (`Put::builder()`, `Update::builder()`, `Delete::builder()`, `ConditionCheck::builder()`)
//!    count as the item actions IAM checks for them.
//! 2. **Secrets.** `Secrets::get(id)` reads whichever secret its caller names; the call site's
//!    `config.<field>_secret_id` says which one: Terraform sets `<FIELD>_SECRET_ID` to the ARN of
//!    `aws_secretsmanager_secret.secret["<name>"]`, and `<name>` is what `access.secrets` lists.
//! 3. **Reachability.** From every fn of `functions/<name>/src`, calls and fn references are
//!    followed through `shared/src` (by name; methods on `store`, `media`, `queue`, `secrets`
//!    and `usage()` resolve to that adapter's impl only). This over-approximates (a name shared
//!    by two fns reaches both), which can only ask for more permissions, never hide a call.
//!
//! `#[cfg(test)]` modules and `#[test]` fns are not deployed code and are skipped.
//!
//! `source` reads the fns, `body` finds each one's calls and edges (with the SDK operation table
//! of `operations`), `reach` walks from each function's fns.

mod body;
mod operations;
mod reach;
mod source;

pub use reach::function_calls;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One AWS permission a call needs: (`service:Action`, resource), where the resource is
/// `table:<key>`, `media` (users/*), `media_bucket` (the media bucket itself: bucket-level
/// actions such as `s3:ListBucketVersions`), `reports` (the function's reports/<function>/*), `queue` or
/// `secret:<name>`.
pub type Call = (String, String);

/// Each call a function can make, with the fns that make it.
pub type FunctionCalls = BTreeMap<Call, BTreeSet<Origin>>;

/// Where a call was found, for messages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub func: String,
    pub file: String,
}

/// The calls a function's routes.json `access` grants, in the same form as [`function_calls`].
pub fn access_calls(access: &serde_json::Value) -> Result<BTreeSet<Call>, String> {
    let mut out = BTreeSet::new();
    let strings = |v: &serde_json::Value, what: &str| -> Result<Vec<String>, String> {
        v.as_array()
            .ok_or_else(|| format!("access.{what} must be a list of actions"))?
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| format!("access.{what}: not a string")))
            .collect()
    };
    if let Some(obj) = access.as_object() {
        for k in obj.keys() {
            if !["tables", "media", "media_bucket", "reports", "queue", "secrets"].contains(&k.as_str()) {
                return Err(format!(
                    "access.{k} is not a kind of access (tables, media, media_bucket, reports, queue, secrets)"
                ));
            }
        }
    }
    if let Some(tables) = access.get("tables") {
        for (t, acts) in tables.as_object().ok_or("access.tables must be an object")? {
            for a in strings(acts, &format!("tables.{t}"))? {
                out.insert((format!("dynamodb:{a}"), format!("table:{t}")));
            }
        }
    }
    if let Some(m) = access.get("media") {
        for a in strings(m, "media")? {
            out.insert((format!("s3:{a}"), "media".into()));
        }
    }
    if let Some(m) = access.get("media_bucket") {
        for a in strings(m, "media_bucket")? {
            out.insert((format!("s3:{a}"), "media_bucket".into()));
        }
    }
    if let Some(m) = access.get("reports") {
        for a in strings(m, "reports")? {
            out.insert((format!("s3:{a}"), "reports".into()));
        }
    }
    if let Some(q) = access.get("queue") {
        for a in strings(q, "queue")? {
            out.insert((format!("sqs:{a}"), "queue".into()));
        }
    }
    if let Some(s) = access.get("secrets") {
        for n in strings(s, "secrets")? {
            out.insert(("secretsmanager:GetSecretValue".into(), format!("secret:{n}")));
        }
    }
    Ok(out)
}

/// Compares each function's code with its routes.json access, both ways.
/// `secret_of_env` maps a `*_SECRET_ID` environment variable to the secret (routes.json name)
/// Terraform sets it to.
pub fn check_calls(
    root: &Path,
    functions: &serde_json::Map<String, serde_json::Value>,
    secret_of_env: &BTreeMap<String, String>,
) -> Vec<String> {
    let names: BTreeSet<String> = functions.keys().cloned().collect();
    let code = match function_calls(root, &names) {
        Ok(c) => c,
        Err(e) => return e,
    };
    let mut errors = Vec::new();
    for (name, f) in functions {
        let granted = match access_calls(&f["access"]) {
            Ok(g) => g,
            Err(e) => {
                errors.push(format!("routes.json {name}: {e}"));
                continue;
            }
        };
        let mut called = FunctionCalls::new();
        for (call, origins) in &code[name] {
            let call = match call.1.strip_prefix("secret-env:") {
                None => call.clone(),
                Some(env) => match secret_of_env.get(env) {
                    Some(s) => (call.0.clone(), format!("secret:{s}")),
                    None => {
                        errors.push(format!(
                            "{name} reads the secret named by {env}, which Terraform does not set to a secret"
                        ));
                        continue;
                    }
                },
            };
            called.entry(call).or_default().extend(origins.iter().cloned());
        }
        for (call, origins) in &called {
            if !granted.contains(call) {
                let at: Vec<String> = origins.iter().map(|o| format!("{} in {}", o.func, o.file)).collect();
                errors.push(format!(
                    "{name} calls {} on {} ({}), but its routes.json access does not grant it",
                    call.0,
                    call.1,
                    at.join(", ")
                ));
            }
        }
        for call in &granted {
            if !called.contains_key(call) {
                errors.push(format!(
                    "{name}: routes.json access grants {} on {}, but no code path of {name} calls it",
                    call.0, call.1
                ));
            }
        }
    }
    errors
}
