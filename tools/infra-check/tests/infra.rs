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

/// A throwaway copy of what the checks read: infra/*.tf, infra/tables.json,
/// infra/environment.json, routes.json,
/// shared/src and each function crate's src (with an empty Cargo.toml).
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
            if name.ends_with(".tf") || name == "tables.json" || name == "environment.json" {
                fs::copy(&p, root.join("infra").join(&name)).unwrap();
            }
        }
        fs::copy(src.join("routes.json"), root.join("routes.json")).unwrap();
        for d in infra_check::function_dirs(&src).unwrap() {
            fs::create_dir_all(root.join("functions").join(&d)).unwrap();
            fs::write(root.join("functions").join(&d).join("Cargo.toml"), "").unwrap();
            copy_dir(
                &src.join("functions").join(&d).join("src"),
                &root.join("functions").join(&d).join("src"),
            );
        }
        copy_dir(&src.join("shared/src"), &root.join("shared/src"));
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

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            fs::copy(&p, &dest).unwrap();
        }
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
    fs::create_dir_all(f.root.join("functions/images-upscale/src")).unwrap();
    fs::write(f.root.join("functions/images-upscale/Cargo.toml"), "").unwrap();
    fs::write(f.root.join("functions/images-upscale/src/lib.rs"), "").unwrap();
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

/// Issue 19: the names of the functions' environment are infra/environment.json's. A name the
/// list gives Terraform without a value in functions.tf fails, and so does a value whose name
/// the list lacks (the stale MEDIA_KEY_PAIR_ID of issue 20).
#[test]
fn environment_names_follow_the_list() {
    let f = Fixture::new("envmissing");
    f.edit("infra/functions.tf", "    METRICS                     = \"emf\"\n", "");
    f.assert_error("environment variable METRICS missing");
    let f = Fixture::new("envlisted");
    f.edit(
        "infra/environment.json",
        "\"variables\": {",
        "\"variables\": {\n    \"NEW_SETTING\": { \"read_by\": \"config\", \"set_by\": [\"terraform\"], \"about\": \"x\" },",
    );
    f.assert_error("environment variable NEW_SETTING missing");
    // The environment built around the list, as it was before it.
    let f = Fixture::new("envstale");
    f.edit(
        "infra/functions.tf",
        "variables = { for name in local.environment_names : name => lookup(merge(local.function_environment, { VN_HANDLER = each.key }), name, \"\") }",
        "variables = merge(local.function_environment, { VN_HANDLER = each.key, MEDIA_KEY_PAIR_ID = \"K1\" })",
    );
    f.assert_error("environment variable MEDIA_KEY_PAIR_ID is not Terraform's to set");
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
fn policy_granting_more_than_access_fails() {
    let f = Fixture::new("readwrite");
    f.edit(
        "infra/functions.tf",
        "Action   = [for a in actions : \"s3:${a}\"]",
        "Action   = concat([for a in actions : \"s3:${a}\"], [\"s3:PutObject\"])",
    );
    f.assert_error("policy of assets-save grants s3:PutObject");
}

#[test]
fn secret_not_declared_in_access_fails() {
    let f = Fixture::new("secrets");
    f.edit(
        "infra/functions.tf",
        "Resource = [for s in secrets : aws_secretsmanager_secret.secret[s].arn]",
        "Resource = [for s in keys(local.secrets) : aws_secretsmanager_secret.secret[s].arn]",
    );
    f.assert_error("policy of worker grants secretsmanager:GetSecretValue on aws_secretsmanager_secret.secret[\"webhook_secret\"].arn");
}

#[test]
fn policy_missing_an_access_action_fails() {
    let f = Fixture::new("notable");
    f.edit(
        "infra/functions.tf",
        "Action   = [for a in actions : \"dynamodb:${a}\"]",
        "Action   = [for a in actions : \"dynamodb:${a}\" if a != \"Query\"]",
    );
    f.assert_error("policy of jobs-list lacks dynamodb:Query");
}

// ---- IAM follows the code (issue #7, items 1 and 2)

/// The defect of issue #7 item 1: the reconciler re-queues lost messages (Queue::send) but its
/// role had no sqs:SendMessage.
#[test]
fn call_without_grant_fails_reconciler_requeue() {
    let f = Fixture::new("requeue");
    f.edit(
        "routes.json",
        r#""media": ["DeleteObject"], "queue": ["SendMessage"], "secrets": ["replicate_token"]"#,
        r#""media": ["DeleteObject"], "secrets": ["replicate_token"]"#,
    );
    f.assert_error("reconciler calls sqs:SendMessage on queue (Queue::send in shared/src/queue.rs)");
}

/// Every request of an authenticated route passes the account gate (shared/src/gate.rs) before
/// its handler, which no function crate calls: its GetItem on usage is each such function's
/// call all the same, and a public function (health) is not walked from it.
#[test]
fn the_account_gate_is_a_call_of_every_authenticated_function() {
    let f = Fixture::new("gate");
    f.edit(
        "routes.json",
        r#""jobs-list":         { "trigger": "http",     "memory_mb": 128, "timeout_s": 5,  "access": { "tables": { "jobs": ["Query"], "usage": ["GetItem"] } } },"#,
        r#""jobs-list":         { "trigger": "http",     "memory_mb": 128, "timeout_s": 5,  "access": { "tables": { "jobs": ["Query"] } } },"#,
    );
    f.assert_error("jobs-list calls dynamodb:GetItem on table:usage (Store::account_state in shared/src/store/account.rs)");
    let f = Fixture::new("gatepublic");
    f.edit(
        "routes.json",
        r#""health":            { "trigger": "http",     "memory_mb": 128, "timeout_s": 3,  "access": {} },"#,
        r#""health":            { "trigger": "http",     "memory_mb": 128, "timeout_s": 3,  "access": { "tables": { "usage": ["GetItem"] } } },"#,
    );
    f.assert_error("health: routes.json access grants dynamodb:GetItem on table:usage, but no code path of health calls it");
}

/// The provider audit writes its report under reports/provider-audit/ (Media::put_report's key
/// is `report_key(..)`): a grant on users/* instead is both a call without its grant and a
/// grant without a call.
#[test]
fn the_audit_report_needs_the_reports_grant_not_media() {
    let f = Fixture::new("reports");
    f.edit(
        "routes.json",
        r#""reports": ["PutObject"], "queue": ["SendMessage"]"#,
        r#""media": ["PutObject"], "queue": ["SendMessage"]"#,
    );
    f.assert_error("provider-audit calls s3:PutObject on reports");
}

/// Item 2: a grant the worker's code never needs (it signs, copies and discards media, never lists).
#[test]
fn grant_without_call_fails_worker_media() {
    let f = Fixture::new("workermedia");
    f.edit(
        "routes.json",
        r#""assets": ["GetItem", "PutItem", "DeleteItem", "BatchGetItem", "UpdateItem", "Query"] }, "media": ["GetObject", "PutObject""#,
        r#""assets": ["GetItem", "PutItem", "DeleteItem", "BatchGetItem", "UpdateItem", "Query"] }, "media": ["GetObject", "ListBucket", "PutObject""#,
    );
    f.assert_error("worker: routes.json access grants s3:ListBucket on media, but no code path of worker calls it");
}

/// Item 2: media writers were also granted GetObject (and DeleteObject, which the webhook now
/// needs: it discards outputs of a job canceled while they were copied; assets-save never does).
#[test]
fn grant_without_call_fails_media_write_extras() {
    let f = Fixture::new("mediawrite");
    f.edit(
        "routes.json",
        r#""media": ["DeleteObject"], "queue": ["SendMessage"]"#,
        r#""media": ["GetObject", "DeleteObject"], "queue": ["SendMessage"]"#,
    );
    f.edit(
        "routes.json",
        r#""media": ["PutObjectTagging"], "secrets": ["media_signing_key"] } },"#,
        r#""media": ["PutObjectTagging", "DeleteObject"], "secrets": ["media_signing_key"] } },"#,
    );
    f.assert_error("reconciler: routes.json access grants s3:GetObject on media");
    f.assert_error("assets-save: routes.json access grants s3:DeleteObject on media");
}

/// A presigned URL is a call made with the signer's role: dropping GetObject from a function
/// that signs URLs (the worker, for Replicate's source images) must fail.
#[test]
fn presigning_counts_as_get_object() {
    let f = Fixture::new("presign");
    f.edit(
        "routes.json",
        r#""media": ["GetObject", "PutObject", "PutObjectTagging", "DeleteObject", "AbortMultipartUpload"]"#,
        r#""media": ["PutObject", "PutObjectTagging", "DeleteObject", "AbortMultipartUpload"]"#,
    );
    f.assert_error(
        "worker calls s3:GetObject on media (Media::get_stream in shared/src/media/mod.rs, Media::signed_url in shared/src/media/mod.rs)",
    );
}

/// Functions that return assets sign CloudFront media URLs with the key from Secrets Manager:
/// dropping that secret from one must fail, and so must keeping GetObject once it no longer
/// presigns S3 GETs.
#[test]
fn media_url_signing_needs_the_key_secret_and_no_get_object() {
    let f = Fixture::new("mediasign");
    f.edit(
        "routes.json",
        r#""assets": ["BatchGetItem"], "usage": ["GetItem"] }, "secrets": ["media_signing_key"] } },"#,
        r#""assets": ["BatchGetItem"], "usage": ["GetItem"] }, "media": ["GetObject"] } },"#,
    );
    f.assert_error("jobs-get calls secretsmanager:GetSecretValue on secret:media_signing_key");
    f.assert_error("jobs-get: routes.json access grants s3:GetObject on media");
}

/// A presigned POST form is no SDK call, but S3 authorizes the upload as the signer's
/// PutObject; and CopyObject reads its source: both need their grants.
#[test]
fn presigned_post_counts_as_put_object_and_copy_as_get_and_put() {
    let f = Fixture::new("presignpost");
    f.edit(
        "routes.json",
        r#""usage": ["GetItem", "PutItem", "UpdateItem", "DeleteItem"] }, "media": ["PutObject", "PutObjectTagging"]"#,
        r#""usage": ["GetItem", "PutItem", "UpdateItem", "DeleteItem"] }"#,
    );
    f.assert_error("uploads-create calls s3:PutObject on media (create_upload in shared/src/service/uploads.rs)");
    f.assert_error("uploads-create calls s3:PutObjectTagging on media (create_upload in shared/src/service/uploads.rs)");
    let f = Fixture::new("copyobject");
    f.edit(
        "routes.json",
        r#""usage": ["GetItem", "UpdateItem", "DeleteItem"] }, "media": ["GetObject", "PutObject", "DeleteObject"]"#,
        r#""usage": ["GetItem", "UpdateItem", "DeleteItem"] }, "media": ["PutObject", "DeleteObject"]"#,
    );
    f.assert_error("uploads-complete calls s3:GetObject on media (Media::copy_if_match in shared/src/media/uploads.rs");
}

/// A new SDK call in the code, reachable from a function, without a grant.
#[test]
fn new_sdk_call_without_grant_fails() {
    let f = Fixture::new("newcall");
    f.edit(
        "shared/src/media/mod.rs",
        "            .tagging(\"unsaved=true\")",
        "            .tagging(\"unsaved=true\")\n            .acl(aws_sdk_s3::types::ObjectCannedAcl::Private)",
    );
    assert!(f.errors().is_empty(), "an extra builder call is no new operation");
    f.edit(
        "shared/src/media/mod.rs",
        "    pub async fn get_bytes(",
        "    pub async fn purge(&self, key: &str) -> Result<(), MediaError> {\n        self.s3.delete_object().bucket(&self.bucket).key(key).send().await.map_err(aws(\"delete\"))?;\n        Ok(())\n    }\n\n    pub async fn get_bytes(",
    );
    // Not called from any function yet: nothing to grant.
    assert_eq!(f.errors(), Vec::<String>::new());
    f.edit(
        "functions/jobs-list/src/lib.rs",
        "    let me = caller(&req)?;",
        "    let me = caller(&req)?;\n    app.media.purge(\"users/x\").await.ok();",
    );
    f.assert_error("jobs-list calls s3:DeleteObject on media (Media::purge in shared/src/media/mod.rs)");
}

/// An SDK call through a local binding of the client is still a call.
#[test]
fn sdk_call_through_a_binding_counts() {
    let f = Fixture::new("binding");
    f.edit(
        "shared/src/store/idempotency.rs",
        "        let req = self\n            .ddb\n            .delete_item()",
        "        let client = self.ddb.clone();\n        let req = client\n            .clone()\n            .delete_item()",
    );
    assert_eq!(f.errors(), Vec::<String>::new());
    f.edit(
        "routes.json",
        r#""idempotency": ["PutItem", "DeleteItem"]"#,
        r#""idempotency": ["PutItem"]"#,
    );
    f.assert_error(
        "webhook-replicate calls dynamodb:DeleteItem on table:idempotency (Store::forget_webhook in shared/src/store/idempotency.rs)",
    );
}

/// A call inside a macro (here json!) is still a call.
#[test]
fn calls_inside_macros_count() {
    let f = Fixture::new("macro");
    f.edit(
        "routes.json",
        r#""assets": ["GetItem"], "usage": ["GetItem"] }, "secrets": ["media_signing_key"]"#,
        r#""assets": ["GetItem"], "usage": ["GetItem"] }"#,
    );
    f.assert_error("assets-get calls secretsmanager:GetSecretValue on secret:media_signing_key");
}

/// Untagged puts no longer need s3:PutObjectTagging: the grant must go too.
#[test]
fn dropped_tagging_leaves_an_unused_grant() {
    let f = Fixture::new("tagging");
    // Media::put and Media::start_multipart (the worker's copies) both tag new results.
    f.edit("shared/src/media/mod.rs", "            .tagging(\"unsaved=true\")\n", "");
    f.edit("shared/src/media/mod.rs", "            .tagging(\"unsaved=true\")\n", "");
    f.edit("shared/src/media/zipped.rs", "            .tagging(\"export=true\")\n", "");
    f.assert_error("worker: routes.json access grants s3:PutObjectTagging on media, but no code path of worker calls it");
}

/// A table write through a transaction item counts as that item's action on that table.
#[test]
fn transaction_items_count_per_table() {
    let f = Fixture::new("transact");
    f.edit(
        "routes.json",
        r#""idempotency": ["GetItem", "PutItem", "UpdateItem"] }, "queue": ["SendMessage"]"#,
        r#""idempotency": ["GetItem", "UpdateItem"] }, "queue": ["SendMessage"]"#,
    );
    f.assert_error(
        "images-generate calls dynamodb:PutItem on table:idempotency (Store::claim_key_item in shared/src/store/idempotency.rs)",
    );
}

/// Which secret a function reads follows the config field it passes.
#[test]
fn secret_read_follows_the_config_field() {
    let f = Fixture::new("secretfield");
    f.edit(
        "shared/src/app.rs",
        "self.secrets.get(&self.config.replicate_token_secret_id)",
        "self.secrets.get(&self.config.webhook_secret_id)",
    );
    f.assert_error("worker calls secretsmanager:GetSecretValue on secret:webhook_secret");
    f.assert_error("worker: routes.json access grants secretsmanager:GetSecretValue on secret:replicate_token");
}

/// An unknown SDK operation must be classified before it is used.
#[test]
fn unknown_sdk_operation_fails() {
    let f = Fixture::new("unknownop");
    f.edit("shared/src/queue.rs", ".send_message()", ".purge_queue()");
    f.assert_error("SDK call sqs.purge_queue() is not in tools/infra-check OPERATIONS");
}

// ---- CloudFront (issue #7, items 4 and 5)

/// Item 4: without the dependency, the first apply may create the distribution before the log
/// bucket's ACLs are on, and CloudFront rejects it.
#[test]
fn distribution_not_ordered_after_log_bucket_acls_fails() {
    let f = Fixture::new("logacl");
    f.edit("infra/cdn.tf", "  depends_on = [aws_s3_bucket_ownership_controls.logs]\n", "");
    f.assert_error("logging_config needs depends_on = [aws_s3_bucket_ownership_controls.logs]");
}

#[test]
fn log_bucket_without_acls_fails() {
    let f = Fixture::new("logowner");
    f.edit(
        "infra/storage.tf",
        "object_ownership = \"BucketOwnerPreferred\"",
        "object_ownership = \"BucketOwnerEnforced\"",
    );
    f.assert_error("CloudFront standard logging needs ACLs");
}

/// Item 5 / issue #10: a media behaviour without trusted key groups would serve any user's
/// object to whoever has its key; so would the default behaviour on the media origin.
#[test]
fn media_without_signed_urls_fails() {
    let f = Fixture::new("mediaorigin");
    f.edit(
        "infra/cdn.tf",
        "    trusted_key_groups         = [aws_cloudfront_key_group.media.id]\n",
        "",
    );
    f.assert_error("a behaviour serves the media bucket without trusted_key_groups");
    let g = Fixture::new("mediadefault");
    g.edit(
        "infra/cdn.tf",
        "    target_origin_id           = \"frontend\"",
        "    target_origin_id           = \"media\"",
    );
    g.assert_error("the default behaviour serves the media bucket");
}

// ---- a scheduled function's failed runs (issue #19): no retries, a failure destination

#[test]
fn scheduled_function_without_invoke_config_fails() {
    let f = Fixture::new("noinvokeconfig");
    f.edit("infra/functions.tf", "for_each = local.scheduled_functions", "for_each = {}");
    f.assert_error("scheduled function reconciler has no aws_lambda_function_event_invoke_config");
}

#[test]
fn scheduled_function_whose_failed_runs_are_retried_fails() {
    let f = Fixture::new("retriedrun");
    f.edit(
        "infra/functions.tf",
        "maximum_retry_attempts       = 0",
        "maximum_retry_attempts       = 2",
    );
    f.assert_error("maximum_retry_attempts must be 0");
}

#[test]
fn scheduled_function_that_cannot_send_to_its_failure_destination_fails() {
    let f = Fixture::new("nodestgrant");
    f.edit("infra/functions.tf", r#"} if trigger == "schedule""#, r#"} if trigger == "never""#);
    f.assert_error("policy of reconciler lacks sqs:SendMessage on aws_sqs_queue.scheduler_dlq.arn");
}

#[test]
fn failure_destination_grant_for_a_function_without_one_fails() {
    let f = Fixture::new("strayforward");
    f.edit("infra/functions.tf", r#"} if trigger == "schedule""#, r#"} if trigger != "http""#);
    f.assert_error("policy of worker grants sqs:SendMessage on aws_sqs_queue.scheduler_dlq.arn");
}

/// A bucket-level action (the trash's ListObjectVersions) is granted on the bucket itself,
/// through routes.json `media_bucket`: without it the call is reported; granting it on the
/// objects (`media`) instead does not count.
#[test]
fn a_bucket_level_call_needs_its_media_bucket_grant() {
    let f = Fixture::new("bucketlevel");
    f.edit(
        "routes.json",
        r#""media": ["DeleteObjectVersion"], "media_bucket": ["ListBucketVersions"], "queue""#,
        r#""media": ["DeleteObjectVersion", "ListBucketVersions"], "queue""#,
    );
    f.assert_error("trash-update calls s3:ListBucketVersions on media_bucket (Media::purge_versions in shared/src/media/purge.rs)");
}
