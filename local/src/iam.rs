//! Each function's own identity, locally (docs/decisions/0002-local-iam.md): an access key per
//! function and the identity policy Terraform renders for it from `routes.json` (the same
//! JSON; `infra/functions.tf`, `function_policy_statements`), registered with the emulator's
//! launcher (`local/emulator/iam.py`), which refuses every call outside it the way AWS does.
//!
//! Rendered here: the statements of the `access` block and the SQS trigger's event-source
//! statement. Not rendered: logs, X-Ray and KMS (the emulator has no such calls: the tables,
//! bucket and queue are not encrypted with a key locally).
use crate::BoxError;
use crate::bootstrap::Resources;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// moto's default account: every ARN of the emulator's resources carries it.
pub const ACCOUNT: &str = "123456789012";

/// A function's `access` block of routes.json.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Access {
    #[serde(default)]
    pub tables: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub media: Vec<String>,
    /// Bucket-level actions on the media bucket itself (`s3:ListBucketVersions`): their
    /// resource is the bucket's ARN, not an object's.
    #[serde(default)]
    pub media_bucket: Vec<String>,
    /// Actions on the function's own `reports/<function>/` of the media bucket.
    #[serde(default)]
    pub reports: Vec<String>,
    #[serde(default)]
    pub queue: Vec<String>,
    #[serde(default)]
    pub secrets: Vec<String>,
}

/// What the SQS event source mapping needs of the function's role (infra/functions.tf
/// `event_source_actions`).
const EVENT_SOURCE_ACTIONS: [&str; 3] = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

/// The access key id a stack's function signs with: unique per stack (its prefix) and
/// function, so one emulator can hold many stacks' identities.
pub fn access_key_id(prefix: &str, function: &str) -> String {
    format!("VN.{prefix}.{function}")
}

pub fn queue_arn(region: &str, queue_url: &str) -> String {
    let name = queue_url.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    format!("arn:aws:sqs:{region}:{ACCOUNT}:{name}")
}

fn table_arn(region: &str, name: &str) -> String {
    format!("arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}")
}

/// The identity policy of the function `name`, as Terraform renders it, with this stack's ARNs.
/// `secrets` maps the names of routes.json (`replicate_token`, ...) to the secrets' ARNs.
pub fn policy(
    name: &str,
    access: &Access,
    trigger: &str,
    res: &Resources,
    region: &str,
    secrets: &BTreeMap<&str, String>,
) -> Result<Value, BoxError> {
    let mut statements = Vec::new();
    for (table, actions) in &access.tables {
        let name = match table.as_str() {
            "jobs" => &res.tables.jobs,
            "assets" => &res.tables.assets,
            "usage" => &res.tables.usage,
            "idempotency" => &res.tables.idempotency,
            "shares" => &res.tables.shares,
            other => return Err(format!("routes.json names an unknown table {other}").into()),
        };
        let arn = table_arn(region, name);
        statements.push(json!({
            "Sid": format!("Table{table}"), "Effect": "Allow",
            "Action": actions.iter().map(|a| format!("dynamodb:{a}")).collect::<Vec<_>>(),
            "Resource": [arn],
        }));
        if actions.iter().any(|a| a == "Query") {
            statements.push(json!({
                "Sid": format!("Table{table}Indexes"), "Effect": "Allow",
                "Action": ["dynamodb:Query"], "Resource": [format!("{arn}/index/*")],
            }));
        }
    }
    if !access.media.is_empty() {
        statements.push(json!({
            "Sid": "Media", "Effect": "Allow",
            "Action": access.media.iter().map(|a| format!("s3:{a}")).collect::<Vec<_>>(),
            "Resource": [format!("arn:aws:s3:::{}/users/*", res.media_bucket)],
        }));
    }
    if !access.media_bucket.is_empty() {
        statements.push(json!({
            "Sid": "MediaBucket", "Effect": "Allow",
            "Action": access.media_bucket.iter().map(|a| format!("s3:{a}")).collect::<Vec<_>>(),
            "Resource": [format!("arn:aws:s3:::{}", res.media_bucket)],
        }));
    }
    if !access.reports.is_empty() {
        statements.push(json!({
            "Sid": "Reports", "Effect": "Allow",
            "Action": access.reports.iter().map(|a| format!("s3:{a}")).collect::<Vec<_>>(),
            "Resource": [format!("arn:aws:s3:::{}/reports/{name}/*", res.media_bucket)],
        }));
    }
    let queue = queue_arn(region, &res.queue_url);
    if !access.queue.is_empty() {
        statements.push(json!({
            "Sid": "Queue", "Effect": "Allow",
            "Action": access.queue.iter().map(|a| format!("sqs:{a}")).collect::<Vec<_>>(),
            "Resource": [queue],
        }));
    }
    if trigger == "sqs" {
        statements.push(json!({ "Sid": "EventSource", "Effect": "Allow", "Action": EVENT_SOURCE_ACTIONS, "Resource": [queue] }));
    }
    if !access.secrets.is_empty() {
        let arns = access
            .secrets
            .iter()
            .map(|s| {
                secrets
                    .get(s.as_str())
                    .cloned()
                    .ok_or_else(|| format!("routes.json names an unknown secret {s}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        statements.push(json!({ "Sid": "Secrets", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": arns }));
    }
    Ok(json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// The local CloudFront's identity towards the media bucket: what the bucket policy of
/// infra/storage.tf grants the distribution (origin access control), GetObject on users/*.
pub const CLOUDFRONT: &str = "cloudfront";

/// Renders and registers the identity of every function of `routes` (and of the local
/// CloudFront) for one stack; returns how many functions.
pub async fn register_stack(
    http: &reqwest::Client,
    moto_url: &str,
    prefix: &str,
    region: &str,
    routes: &crate::routes::RouteTable,
    res: &Resources,
) -> Result<usize, BoxError> {
    let secrets = BTreeMap::from([
        ("replicate_token", res.replicate_token_secret_id.clone()),
        ("webhook_secret", res.webhook_secret_id.clone()),
        ("media_signing_key", res.media_signing_key_secret_id.clone()),
    ]);
    let mut principals = BTreeMap::new();
    for (name, f) in &routes.functions {
        let p = policy(name, &f.access, &f.trigger, res, region, &secrets).map_err(|e| format!("{name}: {e}"))?;
        principals.insert(access_key_id(prefix, name), (name.clone(), p));
    }
    let oac = json!({ "Version": "2012-10-17", "Statement": [{
        "Sid": "OriginAccess", "Effect": "Allow", "Action": ["s3:GetObject"],
        "Resource": [format!("arn:aws:s3:::{}/users/*", res.media_bucket)],
    }]});
    principals.insert(access_key_id(prefix, CLOUDFRONT), (CLOUDFRONT.to_string(), oac));
    register(http, moto_url, &principals).await?;
    Ok(routes.functions.len())
}

/// Registers every function's access key and policy with the emulator's launcher.
pub async fn register(http: &reqwest::Client, moto_url: &str, principals: &BTreeMap<String, (String, Value)>) -> Result<(), BoxError> {
    let body: serde_json::Map<String, Value> = principals
        .iter()
        .map(|(key, (name, policy))| (key.clone(), json!({ "name": name, "policy": policy })))
        .collect();
    let resp = http
        .post(format!("{}/_vn/iam/principals", moto_url.trim_end_matches('/')))
        .json(&json!({ "principals": body }))
        .send()
        .await?;
    if !resp.status().is_success() {
        return Err(format!(
            "the emulator did not take the functions' policies ({}): start it through local/emulator/moto_server.py",
            resp.status()
        )
        .into());
    }
    Ok(())
}

/// Tests: every AWS call signed with a key starting with `key_prefix` takes `delay` longer.
pub async fn set_latency(http: &reqwest::Client, moto_url: &str, key_prefix: &str, delay: std::time::Duration) -> Result<(), BoxError> {
    http.post(format!("{}/_vn/iam/latency", moto_url.trim_end_matches('/')))
        .json(&json!({ "key": key_prefix, "ms": delay.as_millis() as u64 }))
        .send()
        .await?
        .error_for_status()?;
    Ok(())
}

/// One refusal the emulator recorded.
#[derive(Debug, Clone, Deserialize)]
pub struct Denial {
    pub name: String,
    pub action: String,
    pub resource: String,
}

/// The refusals of one stack's identities (those whose key starts with `key_prefix`).
pub async fn denials(http: &reqwest::Client, moto_url: &str, key_prefix: &str) -> Result<Vec<Denial>, BoxError> {
    #[derive(Deserialize)]
    struct Out {
        denials: Vec<Denial>,
    }
    let out: Out = http
        .get(format!("{}/_vn/iam/denials", moto_url.trim_end_matches('/')))
        .query(&[("key", key_prefix)])
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    Ok(out.denials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::config::Tables;

    fn resources() -> Resources {
        Resources {
            tables: Tables {
                jobs: "p-jobs".into(),
                assets: "p-assets".into(),
                usage: "p-usage".into(),
                idempotency: "p-idempotency".into(),
                shares: "p-shares".into(),
            },
            media_bucket: "p-media".into(),
            queue_url: "http://127.0.0.1:5000/123456789012/p-generation".into(),
            dlq_url: String::new(),
            replicate_token_secret_id: String::new(),
            webhook_secret_id: String::new(),
            media_signing_key_secret_id: String::new(),
            media_keys: Default::default(),
        }
    }

    /// The statements Terraform renders (infra/functions.tf): the table, its indexes only for
    /// Query, objects under users/ only, the queue, the trigger's actions, the named secrets.
    #[test]
    fn a_policy_is_rendered_from_the_access_block_as_terraform_does() {
        let access: Access = serde_json::from_value(json!({
            "tables": { "jobs": ["GetItem", "Query"], "usage": ["UpdateItem"] },
            "media": ["GetObject"], "media_bucket": ["ListBucketVersions"], "queue": ["ChangeMessageVisibility"], "secrets": ["replicate_token"]
        }))
        .unwrap();
        let secrets = BTreeMap::from([(
            "replicate_token",
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:p/t-AbCdEf".to_string(),
        )]);
        let p = policy("worker", &access, "sqs", &resources(), "us-east-1", &secrets).unwrap();
        let s = p["Statement"].as_array().unwrap();
        let find = |sid: &str| s.iter().find(|x| x["Sid"] == sid).unwrap_or_else(|| panic!("{sid} in {p}"));
        assert_eq!(
            find("Tablejobs")["Resource"][0],
            "arn:aws:dynamodb:us-east-1:123456789012:table/p-jobs"
        );
        assert_eq!(
            find("TablejobsIndexes")["Resource"][0],
            "arn:aws:dynamodb:us-east-1:123456789012:table/p-jobs/index/*"
        );
        assert!(s.iter().all(|x| x["Sid"] != "TableusageIndexes"), "no index grant without Query");
        assert_eq!(find("Media")["Resource"][0], "arn:aws:s3:::p-media/users/*");
        assert_eq!(
            find("MediaBucket")["Resource"][0],
            "arn:aws:s3:::p-media",
            "a bucket-level action is on the bucket"
        );
        assert_eq!(find("MediaBucket")["Action"][0], "s3:ListBucketVersions");
        assert_eq!(find("Queue")["Resource"][0], "arn:aws:sqs:us-east-1:123456789012:p-generation");
        assert_eq!(find("EventSource")["Action"].as_array().unwrap().len(), 3);
        assert_eq!(find("Secrets")["Resource"][0], secrets["replicate_token"]);
        let bad: Result<Access, _> = serde_json::from_value(json!({ "buckets": {} }));
        assert!(bad.is_err(), "an unknown kind of grant is refused, not ignored");
    }

    /// IAM's quota on a role's inline policies: 10,240 characters in all, whitespace not
    /// counted. Every function's policy, rendered with the longest names the variables allow
    /// (a 26-character prefix, a bucket name of 63) plus Terraform's statements that are not
    /// rendered locally (log group, X-Ray, KMS with conditions), stays well under it.
    #[test]
    fn every_rendered_policy_fits_iams_10240_characters() {
        let prefix = "a".repeat(26);
        let region = "ap-southeast-4";
        let res = Resources {
            tables: Tables {
                jobs: format!("{prefix}-jobs"),
                assets: format!("{prefix}-assets"),
                usage: format!("{prefix}-usage"),
                idempotency: format!("{prefix}-idempotency"),
                shares: format!("{prefix}-shares"),
            },
            media_bucket: "b".repeat(63),
            queue_url: format!("https://sqs.{region}.amazonaws.com/{ACCOUNT}/{prefix}-generation"),
            ..resources()
        };
        let secret = |n: &str| format!("arn:aws:secretsmanager:{region}:{ACCOUNT}:secret:{prefix}/{n}-AbCdEf");
        let secrets = BTreeMap::from([
            ("replicate_token", secret("replicate-api-token")),
            ("webhook_secret", secret("replicate-webhook-secret")),
            ("media_signing_key", secret("media-signing-key")),
        ]);
        let key = format!("arn:aws:kms:{region}:{ACCOUNT}:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        let via: Vec<String> = ["dynamodb", "s3", "sqs", "secretsmanager"]
            .iter()
            .map(|s| format!("{s}.{region}.amazonaws.com"))
            .collect();
        let terraform_only = json!([
            { "Sid": "OwnLogGroup", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
              "Resource": [format!("arn:aws:logs:{region}:{ACCOUNT}:log-group:/aws/lambda/{prefix}-webhook-replicate:*")] },
            { "Sid": "Tracing", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": ["*"] },
            { "Sid": "EnvironmentKey", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [key],
              "Condition": { "StringEquals": { "kms:ViaService": [format!("lambda.{region}.amazonaws.com")] } } },
            { "Sid": "DataKey", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"], "Resource": [key],
              "Condition": { "StringEquals": { "kms:ViaService": via } } },
        ]);
        let routes = crate::routes::table();
        let mut largest = (0, String::new());
        for (name, f) in &routes.functions {
            let mut p = policy(name, &f.access, &f.trigger, &res, region, &secrets).unwrap();
            let statements = p["Statement"].as_array_mut().unwrap();
            statements.extend(terraform_only.as_array().unwrap().iter().cloned());
            let size = p.to_string().chars().filter(|c| !c.is_whitespace()).count();
            if size > largest.0 {
                largest = (size, name.clone());
            }
        }
        println!("the largest role policy: {} ({} characters)", largest.1, largest.0);
        assert!(largest.0 < 10_240 / 2, "{} is {} characters of IAM's 10,240", largest.1, largest.0);
    }

    /// The renderer above mirrors infra/functions.tf; if Terraform's resource patterns change,
    /// this fails until the local policy follows.
    #[test]
    fn terraform_renders_the_same_resource_patterns() {
        let tf = include_str!("../../infra/functions.tf");
        for needle in [
            r#"Resource = [aws_dynamodb_table.table[table].arn]"#,
            r#"Resource = ["${aws_dynamodb_table.table[table].arn}/index/*"]"#,
            r#"} if contains(actions, "Query")"#,
            r#"Resource = ["${aws_s3_bucket.media.arn}/users/*"]"#,
            r#"Resource = ["${aws_s3_bucket.media.arn}/reports/${name}/*"]"#,
            r#"Resource = [aws_sqs_queue.generation.arn]"#,
            r#"event_source_actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]"#,
            r#"Action   = ["secretsmanager:GetSecretValue"]"#,
        ] {
            assert!(
                tf.contains(needle),
                "infra/functions.tf no longer renders `{needle}`: update local/src/iam.rs"
            );
        }
    }
}
