//! Least privilege: each function's role policy grants exactly what its routes.json `access`
//! (and its trigger) needs: table, media, queue and secret actions on the resources its
//! environment names, what an SQS trigger needs, a scheduled function's failure destination,
//! its own log group, the stack's KMS key; no wildcard action, nothing else.

use crate::infra::TfBlock;
use crate::lambdas::Covering;
use crate::model::{Model, stub_ref};
use crate::{calls, schedule};
use hcl::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the Lambda event source mapping needs from an SQS-triggered function's role.
const EVENT_SOURCE: &[&str] = &["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];
/// Actions that write new ciphertext under the stack's key (kms:GenerateDataKey).
const WRITE_ACTIONS: &[&str] = &[
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "s3:PutObject",
    "sqs:SendMessage",
];

/// Checks every function's role policy against what its access allows and requires;
/// `env_addresses` is the resource each environment variable names.
pub(crate) fn check_policies(
    model: &Model,
    functions: &serde_json::Map<String, serde_json::Value>,
    covering: &Covering,
    env_addresses: &BTreeMap<String, String>,
    errors: &mut Vec<String>,
) {
    for (name, f) in functions {
        let (Some(policy), Some(lg)) = (
            covering["aws_iam_role_policy"].get(name),
            covering["aws_cloudwatch_log_group"].get(name),
        ) else {
            continue;
        };
        let doc = match model.eval_attr_each(policy, name, &["policy"]) {
            Ok(Value::String(s)) => s,
            other => {
                errors.push(format!("policy of {name} not evaluable: {other:?}"));
                continue;
            }
        };
        let doc: serde_json::Value = match serde_json::from_str(&doc) {
            Ok(d) => d,
            Err(e) => {
                errors.push(format!("policy of {name}: {e}"));
                continue;
            }
        };
        let destination = match covering["aws_lambda_function"].get(name) {
            Some(lambda) if f["trigger"] == "schedule" => match schedule::failure_destination(model, name, lambda) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(e);
                    None
                }
            },
            _ => None,
        };
        let allowed = allowed_grants(name, f, env_addresses, lg, destination.as_deref());
        let allowed = match allowed {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut granted: BTreeSet<(String, String)> = BTreeSet::new();
        for st in doc["Statement"].as_array().cloned().unwrap_or_default() {
            if st["Effect"] != "Allow" {
                continue;
            }
            let list = |v: &serde_json::Value| -> Vec<String> {
                match v {
                    serde_json::Value::String(s) => vec![s.clone()],
                    serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                    _ => vec![],
                }
            };
            for a in list(&st["Action"]) {
                for r in list(&st["Resource"]) {
                    if a.contains('*') {
                        errors.push(format!("policy of {name}: wildcard action {a}"));
                    }
                    granted.insert((a.clone(), r));
                }
            }
        }
        for (a, r) in &granted {
            if !allowed.may.contains(&(a.clone(), r.clone())) {
                errors.push(format!(
                    "policy of {name} grants {a} on {r}, which its routes.json access does not allow"
                ));
            }
        }
        for (a, r) in &allowed.must {
            if !granted.contains(&(a.clone(), r.clone())) {
                errors.push(format!("policy of {name} lacks {a} on {r} (needed by its access)"));
            }
        }
    }
}

/// What a function's policy may grant (`may`) and must grant (`must`), as (action, resource).
pub struct Allowed {
    pub may: BTreeSet<(String, String)>,
    pub must: BTreeSet<(String, String)>,
}

fn allowed_grants(
    name: &str,
    function: &serde_json::Value,
    env: &BTreeMap<String, String>,
    log_group: &TfBlock,
    failure_destination: Option<&str>,
) -> Result<Allowed, String> {
    let mut may = BTreeSet::new();
    let mut must = BTreeSet::new();
    let mut both = |a: &str, r: &str, required: bool| {
        may.insert((a.to_string(), r.to_string()));
        if required {
            must.insert((a.to_string(), r.to_string()));
        }
    };
    let lg = format!("{}:*", stub_ref(&log_group.kind, &log_group.name, Some(name), "arn"));
    both("logs:CreateLogStream", &lg, true);
    both("logs:PutLogEvents", &lg, true);
    both("xray:PutTraceSegments", "*", false);
    both("xray:PutTelemetryRecords", "*", false);

    let env_addr = |var: &str| -> Result<String, String> {
        env.get(var)
            .cloned()
            .ok_or_else(|| format!("cannot resolve {var} to a resource (environment missing)"))
    };
    let calls = calls::access_calls(&function["access"]).map_err(|e| format!("routes.json {name}: {e}"))?;
    let mut writes = false;
    let mut uses_data = false;
    for (action, resource) in &calls {
        uses_data = true;
        writes |= WRITE_ACTIONS.contains(&action.as_str());
        let arns: Vec<String> = if let Some(t) = resource.strip_prefix("table:") {
            let arn = format!("{}.arn", env_addr(&format!("{}_TABLE", t.to_uppercase()))?);
            if action == "dynamodb:Query" {
                vec![format!("{arn}/index/*"), arn]
            } else {
                vec![arn]
            }
        } else if resource == "media" {
            vec![format!("{}.arn/users/*", env_addr("MEDIA_BUCKET")?)]
        } else if resource == "media_bucket" {
            vec![format!("{}.arn", env_addr("MEDIA_BUCKET")?)]
        } else if resource == "reports" {
            vec![format!("{}.arn/reports/{name}/*", env_addr("MEDIA_BUCKET")?)]
        } else if resource == "queue" {
            vec![format!("{}.arn", env_addr("GENERATION_QUEUE_URL")?)]
        } else if let Some(s) = resource.strip_prefix("secret:") {
            let addr = env
                .values()
                .find(|a| a.ends_with(&format!("[\"{s}\"]")) && a.contains("secret"))
                .cloned()
                .ok_or_else(|| format!("{name}: secret {s} (routes.json) is not a secret resource wired into the environment"))?;
            vec![format!("{addr}.arn")]
        } else {
            return Err(format!("{name}: unknown resource {resource}"));
        };
        for arn in arns {
            both(action, &arn, true);
        }
    }
    if function["trigger"] == "sqs" {
        uses_data = true;
        let arn = format!("{}.arn", env_addr("GENERATION_QUEUE_URL")?);
        for a in EVENT_SOURCE {
            both(a, &arn, true);
        }
    }
    // A scheduled function's failed runs: Lambda sends them to its failure destination with the
    // function's role (schedule::failure_destination).
    if let Some(queue) = failure_destination {
        uses_data = true;
        writes = true;
        both("sqs:SendMessage", queue, true);
    }
    // The stack's KMS key, as the environment's encryption key and through the data services.
    let kms = "aws_kms_key.main.arn";
    both("kms:Decrypt", kms, true);
    if uses_data {
        both("kms:DescribeKey", kms, false);
    }
    if writes {
        both("kms:GenerateDataKey", kms, true);
    }
    Ok(Allowed { may, must })
}
