# Plans and applies the whole stack against a mocked AWS provider (offline: terraform init
# -plugin-dir=<mirror>; scripts/terraform-test.sh) and asserts what a first deploy depends on.
# The mocks (tests/mocks/aws.tfmock.hcl) give ARNs and endpoints fixed, AWS-shaped values, so the
# assertions compare real wiring: this resource's attribute feeds that one.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  region = "us-east-1"
  # A test public key (its private half was discarded): CloudFront verifies /media/* with it.
  media_signing_public_keys = {
    k1 = <<-PEM
      -----BEGIN PUBLIC KEY-----
      MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtnxgU3uP2zDbeopODbzPmonDvMkb
      INC+vYGAtHvsiedh0RjSDBqyDRPkPkzIrtDEA7z+66yEv9lfL5L7ghjwiQ==
      -----END PUBLIC KEY-----
    PEM
  }
}

run "whole_stack_applies" {
  command = apply

  # ---- money: what Replicate billed against what users paid (EMF from every settling function),
  # on the dashboard per model and in total, and two alarms whatever the number of models
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.underpriced.namespace == "VisualNeurons" &&
      aws_cloudwatch_metric_alarm.underpriced.metric_name == "UnderpricedModels" &&
      length(coalesce(aws_cloudwatch_metric_alarm.underpriced.dimensions, {})) == 0 &&
      aws_cloudwatch_metric_alarm.underpriced.statistic == "Maximum" &&
      aws_cloudwatch_metric_alarm.underpriced.threshold == 0 &&
      aws_cloudwatch_metric_alarm.underpriced.comparison_operator == "GreaterThanThreshold" &&
      contains(aws_cloudwatch_metric_alarm.underpriced.alarm_actions, aws_sns_topic.alarms.arn)
    )
    error_message = "one underpriced alarm for all models: UnderpricedModels (no Model dimension) above 0 must notify the alarm topic"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.stray_prediction.namespace == "VisualNeurons" &&
      aws_cloudwatch_metric_alarm.stray_prediction.metric_name == "StrayRuns" &&
      length(coalesce(aws_cloudwatch_metric_alarm.stray_prediction.dimensions, {})) == 0 &&
      aws_cloudwatch_metric_alarm.stray_prediction.statistic == "Sum" &&
      contains(aws_cloudwatch_metric_alarm.stray_prediction.alarm_actions, aws_sns_topic.alarms.arn)
    )
    error_message = "a billed stray prediction (StrayRuns, any model) must raise the stray-prediction alarm"
  }
  assert {
    condition = (
      alltrue([for m in ["CostMicros", "ProviderCostMicros", "OperatorLossMicros", "MarginMicros", "UnderpricedRuns"] :
      strcontains(aws_cloudwatch_dashboard.main.dashboard_body, m)]) &&
      strcontains(aws_cloudwatch_dashboard.main.dashboard_body, "(charged_micros - provider_micros) / 1000000")
    )
    error_message = "the dashboard must show what users were charged against what Replicate billed, the margin and the operator's loss"
  }
  assert {
    condition = alltrue([for m in ["ProviderOrphans", "ForeignPredictions", "StatusDisagreements", "ProviderCostDrifts"] :
    strcontains(aws_cloudwatch_dashboard.main.dashboard_body, m)])
    error_message = "the dashboard must show what the provider audit found: predictions no job knows (ours and others'), status disagreements and cost drifts"
  }

  # ---- expiry: the app's sweep deletes unsaved results; the bucket rule is only a later safety net
  assert {
    condition     = alltrue([for k, f in aws_lambda_function.function : f.environment[0].variables["UNSAVED_EXPIRATION_DAYS"] == tostring(var.unsaved_expiration_days)]) && one([for r in aws_s3_bucket_lifecycle_configuration.media.rule : r.expiration[0].days if r.id == "expire-unsaved-results"]) > var.unsaved_expiration_days
    error_message = "every function must get UNSAVED_EXPIRATION_DAYS, and the unsaved lifecycle rule must run after the app's expiry, never before"
  }

  # ---- zips to take home: the bucket deletes them a day after they were written (by their tag)
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.media.rule : r.expiration[0].days if r.id == "expire-exports"]) == 1 && one([for r in aws_s3_bucket_lifecycle_configuration.media.rule : r.filter[0].tag[0].key if r.id == "expire-exports"]) == "export"
    error_message = "the bucket must delete zips (tagged export=true) one day after they were written: the app keeps them 24 hours"
  }

  # ---- the trash: purged after trash_retention_days, with every version, by a role that may list versions
  assert {
    condition = (
      alltrue([for k, f in aws_lambda_function.function : f.environment[0].variables["TRASH_RETENTION_DAYS"] == tostring(var.trash_retention_days)]) &&
      one([for s in jsondecode(aws_iam_role_policy.function["trash-sweep"].policy).Statement : s.Resource if s.Sid == "MediaBucket"]) == [aws_s3_bucket.media.arn] &&
      one([for s in jsondecode(aws_iam_role_policy.function["trash-sweep"].policy).Statement : s.Action if s.Sid == "MediaBucket"]) == ["s3:ListBucketVersions"] &&
      length([for s in jsondecode(aws_iam_role_policy.function["assets-delete"].policy).Statement : s if s.Sid == "MediaBucket"]) == 0
    )
    error_message = "every function must get TRASH_RETENTION_DAYS; the trash sweep lists versions on the bucket's ARN itself, and only the functions that purge may"
  }

  # ---- account erasure: only its role may delete users, on the pool's ARN; it runs every 2 minutes
  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.function["account-erase"].policy).Statement : s.Resource if s.Sid == "UserPool"]) == [aws_cognito_user_pool.main.arn] &&
      one([for s in jsondecode(aws_iam_role_policy.function["account-erase"].policy).Statement : s.Action if s.Sid == "UserPool"]) == ["cognito-idp:AdminDeleteUser"] &&
      length(flatten([for k, p in aws_iam_role_policy.function : [for s in jsondecode(p.policy).Statement : s if s.Sid == "UserPool"] if k != "account-erase"])) == 0 &&
      aws_scheduler_schedule.scheduled["account-erase"].schedule_expression == "rate(2 minutes)" &&
      alltrue([for k, f in aws_lambda_function.function : f.environment[0].variables["USER_POOL_ID"] == aws_cognito_user_pool.main.id])
    )
    error_message = "only the account erasure may call AdminDeleteUser, on the user pool's ARN, every 2 minutes; every function gets USER_POOL_ID"
  }

  # ---- functions: each its own Lambda, role, log group and zip path
  assert {
    condition     = toset(keys(aws_lambda_function.function)) == toset(keys(local.functions)) && toset(keys(aws_iam_role.function)) == toset(keys(local.functions)) && toset(keys(aws_cloudwatch_log_group.function)) == toset(keys(local.functions))
    error_message = "every function of routes.json needs its own Lambda, role and log group"
  }
  assert {
    condition = alltrue([for k, f in aws_lambda_function.function :
      f.role == aws_iam_role.function[k].arn &&
      aws_iam_role_policy.function[k].role == aws_iam_role.function[k].id &&
      f.logging_config[0].log_group == aws_cloudwatch_log_group.function[k].name &&
      aws_cloudwatch_log_group.function[k].name == "/aws/lambda/${f.function_name}" &&
      endswith(f.filename, "/target/lambda/${k}/bootstrap.zip") &&
      f.environment[0].variables["VN_HANDLER"] == k
    ])
    error_message = "a function does not have its own role, policy, log group, zip path or VN_HANDLER"
  }
  assert {
    condition     = length(distinct([for f in aws_lambda_function.function : f.role])) == length(local.functions) && length(distinct([for f in aws_lambda_function.function : f.filename])) == length(local.functions)
    error_message = "two functions share a role or a zip"
  }
  assert {
    condition = alltrue([for k, f in aws_lambda_function.function :
      f.runtime == "provided.al2023" && f.architectures == tolist(["arm64"]) && f.handler == "bootstrap" &&
      f.memory_size == local.functions[k].memory_mb && f.timeout == local.functions[k].timeout_s
    ])
    error_message = "runtime, architecture, memory or timeout differ from routes.json"
  }

  # ---- API: each route targets its own function; JWT on all but health and the webhook
  assert {
    condition = alltrue([for key, r in local.routes :
      aws_apigatewayv2_route.route[key].route_key == key &&
      aws_apigatewayv2_route.route[key].target == "integrations/${aws_apigatewayv2_integration.function[r.function].id}" &&
      aws_apigatewayv2_integration.function[r.function].integration_uri == aws_lambda_function.function[r.function].invoke_arn
    ])
    error_message = "a route does not target its own function's integration"
  }
  assert {
    condition = alltrue([for key, r in aws_apigatewayv2_route.route :
      contains(["GET /api/health", "POST /webhooks/replicate", "POST /api/shared"], key) ? r.authorization_type == "NONE" : (r.authorization_type == "JWT" && r.authorizer_id == aws_apigatewayv2_authorizer.cognito.id)
    ])
    error_message = "every route except GET /api/health, POST /webhooks/replicate and POST /api/shared (the share page) needs the JWT authorizer"
  }
  assert {
    condition = anytrue([for s in aws_apigatewayv2_stage.default.route_settings :
      s.route_key == "POST /api/shared" && s.throttling_rate_limit <= 20 && s.throttling_burst_limit <= 40
    ])
    error_message = "the public share read must have its own API Gateway throttle (a ceiling for all sources together)"
  }
  assert {
    condition     = aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].issuer == "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.main.id}"
    error_message = "the authorizer's issuer is not the user pool's"
  }
  assert {
    condition     = tolist(aws_apigatewayv2_authorizer.cognito.jwt_configuration[0].audience) == tolist([aws_cognito_user_pool_client.spa.id]) && aws_cognito_user_pool_client.spa.user_pool_id == aws_cognito_user_pool.main.id
    error_message = "the authorizer's audience is not the SPA client of the pool"
  }
  assert {
    condition     = aws_cognito_user_pool_client.spa.generate_secret == false && toset(aws_cognito_user_pool_client.spa.explicit_auth_flows) == toset(["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    error_message = "the browser's client must have no secret and allow only USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH"
  }

  # ---- worker and queue
  assert {
    condition = (
      aws_lambda_event_source_mapping.worker.function_name == aws_lambda_function.function["worker"].arn &&
      aws_lambda_event_source_mapping.worker.event_source_arn == aws_sqs_queue.generation.arn &&
      tolist(aws_lambda_event_source_mapping.worker.function_response_types) == tolist(["ReportBatchItemFailures"]) &&
      aws_lambda_event_source_mapping.worker.scaling_config[0].maximum_concurrency >= 2
    )
    error_message = "the worker's event source mapping needs partial batch responses and a maximum concurrency"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.generation.redrive_policy).deadLetterTargetArn == aws_sqs_queue.generation_dlq.arn
    error_message = "the generation queue must redrive to its DLQ"
  }
  assert {
    condition     = aws_sqs_queue.generation.visibility_timeout_seconds >= 6 * aws_lambda_function.function["worker"].timeout
    error_message = "visibility timeout must be at least 6x the worker timeout"
  }

  # ---- reconciler: a failed run is not retried (it would overlap the next) and reaches its DLQ
  assert {
    condition = (
      toset(keys(aws_lambda_function_event_invoke_config.scheduled)) == toset(["reconciler", "provider-audit", "trash-sweep", "account-erase"]) &&
      aws_lambda_function_event_invoke_config.scheduled["reconciler"].function_name == aws_lambda_function.function["reconciler"].function_name &&
      aws_lambda_function_event_invoke_config.scheduled["reconciler"].maximum_retry_attempts == 0 &&
      aws_lambda_function_event_invoke_config.scheduled["reconciler"].destination_config[0].on_failure[0].destination == aws_sqs_queue.scheduler_dlq.arn &&
      aws_cloudwatch_metric_alarm.dlq_depth["scheduler_dlq"].dimensions.QueueName == aws_sqs_queue.scheduler_dlq.name
    )
    error_message = "a failed reconciler run must not be retried (it would overlap the next run) and must reach the alarmed scheduler DLQ"
  }
  assert {
    condition = (
      length([for s in jsondecode(aws_iam_role_policy.function["reconciler"].policy).Statement : s
      if contains(s.Action, "sqs:SendMessage") && contains(s.Resource, aws_sqs_queue.scheduler_dlq.arn)]) == 1 &&
      length([for s in jsondecode(aws_iam_role_policy.function["reconciler"].policy).Statement : s
      if contains(s.Action, "kms:GenerateDataKey") && contains(try(s.Condition.StringEquals["kms:ViaService"], []), "sqs.${var.region}.amazonaws.com")]) == 1
    )
    error_message = "Lambda sends the reconciler's failed runs with the reconciler's role: it needs sqs:SendMessage on the scheduler DLQ and the key through SQS"
  }
  assert {
    condition = (
      aws_scheduler_schedule.scheduled["reconciler"].schedule_expression == "rate(5 minutes)" &&
      aws_lambda_function_event_invoke_config.scheduled["reconciler"].maximum_event_age_in_seconds + aws_lambda_function.function["reconciler"].timeout <= 300
    )
    error_message = "a reconciler run that waited in Lambda's queue must still end before the next run starts"
  }

  # ---- provider audit: its own schedule, no retries, the same DLQ; writes only its reports
  assert {
    condition = (
      aws_scheduler_schedule.scheduled["provider-audit"].schedule_expression == "rate(15 minutes)" &&
      aws_scheduler_schedule.scheduled["provider-audit"].target[0].arn == aws_lambda_function.function["provider-audit"].arn &&
      aws_lambda_function_event_invoke_config.scheduled["provider-audit"].maximum_retry_attempts == 0 &&
      aws_lambda_function_event_invoke_config.scheduled["provider-audit"].destination_config[0].on_failure[0].destination == aws_sqs_queue.scheduler_dlq.arn &&
      aws_lambda_function_event_invoke_config.scheduled["provider-audit"].maximum_event_age_in_seconds + aws_lambda_function.function["provider-audit"].timeout <= 900 &&
      contains(jsondecode(aws_iam_role_policy.scheduler.policy).Statement[0].Resource, aws_lambda_function.function["provider-audit"].arn)
    )
    error_message = "the provider audit runs every 15 minutes through the scheduler, is never retried, and its failed runs reach the alarmed scheduler DLQ"
  }
  assert {
    condition = (
      length([for s in jsondecode(aws_iam_role_policy.function["provider-audit"].policy).Statement : s
      if contains(s.Action, "s3:PutObject") && s.Resource == ["${aws_s3_bucket.media.arn}/reports/provider-audit/*"]]) == 1 &&
      length([for s in jsondecode(aws_iam_role_policy.function["provider-audit"].policy).Statement : s
      if anytrue([for r in s.Resource : strcontains(r, "/users/")])]) == 0
    )
    error_message = "the provider audit writes its reports under reports/provider-audit/ only, and no user's media"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.provider_orphans.namespace == "VisualNeurons" &&
      aws_cloudwatch_metric_alarm.provider_orphans.metric_name == "ProviderOrphans" &&
      aws_cloudwatch_metric_alarm.provider_orphans.threshold == 0 &&
      aws_cloudwatch_metric_alarm.provider_orphans.comparison_operator == "GreaterThanThreshold" &&
      length(coalesce(aws_cloudwatch_metric_alarm.provider_orphans.dimensions, {})) == 0
    )
    error_message = "an orphan of this deployment found by the provider audit (EMF ProviderOrphans, no dimension) must raise the alarm"
  }

  # ---- data at rest
  assert {
    condition = alltrue([for k, t in aws_dynamodb_table.table :
      t.point_in_time_recovery[0].enabled && t.server_side_encryption[0].enabled && t.server_side_encryption[0].kms_key_arn == aws_kms_key.main.arn
    ])
    error_message = "every table needs PITR and SSE with the stack's key"
  }
  assert {
    condition = alltrue([for k, t in local.tables :
      t.ttl_attribute == null ? true : (aws_dynamodb_table.table[k].ttl[0].enabled && aws_dynamodb_table.table[k].ttl[0].attribute_name == t.ttl_attribute)
    ])
    error_message = "a table with a ttl_attribute in tables.json has no TTL"
  }
  assert {
    condition = alltrue([for b in [aws_s3_bucket_public_access_block.media, aws_s3_bucket_public_access_block.frontend, aws_s3_bucket_public_access_block.logs] :
      b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets
    ])
    error_message = "all three buckets must block public access"
  }
  assert {
    condition = (
      aws_s3_bucket_public_access_block.media.bucket == aws_s3_bucket.media.id &&
      aws_s3_bucket_public_access_block.frontend.bucket == aws_s3_bucket.frontend.id &&
      aws_s3_bucket_public_access_block.logs.bucket == aws_s3_bucket.logs.id
    )
    error_message = "a public access block is on the wrong bucket"
  }

  # ---- CloudFront
  assert {
    condition = alltrue([for p in ["/api/*", "/webhooks/*"] : anytrue([for b in aws_cloudfront_distribution.main.ordered_cache_behavior :
      b.path_pattern == p && b.target_origin_id == "api" &&
      b.cache_policy_id == data.aws_cloudfront_cache_policy.caching_disabled.id &&
      b.origin_request_policy_id == data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id &&
      contains(b.allowed_methods, "POST")
    ])])
    error_message = "/api/* and /webhooks/* must go to the API uncached, with all viewer headers but Host"
  }
  assert {
    condition     = data.aws_cloudfront_cache_policy.caching_disabled.name == "Managed-CachingDisabled" && data.aws_cloudfront_origin_request_policy.all_viewer_except_host.name == "Managed-AllViewerExceptHostHeader"
    error_message = "the API behaviours must use Managed-CachingDisabled and Managed-AllViewerExceptHostHeader"
  }
  assert {
    condition = alltrue([for o in aws_cloudfront_distribution.main.origin :
      o.origin_id == "api" ? o.domain_name == trimprefix(aws_apigatewayv2_api.http.api_endpoint, "https://") : (
        o.origin_id == "uploads" ? o.domain_name == aws_s3_bucket.media.bucket_regional_domain_name && (o.origin_access_control_id == null || o.origin_access_control_id == "") :
        o.origin_access_control_id == aws_cloudfront_origin_access_control.s3.id
      )
    ])
    error_message = "every S3 origin that reads needs origin access control (the uploads origin, which only passes the upload form on, must have none), and the api origin must be the API's host"
  }
  assert {
    # The upload form posts to the site's own /upload, which reaches S3's POST Object at the
    # bucket root through a function and nothing else targets the credential-less origin.
    condition = (
      length([for b in aws_cloudfront_distribution.main.ordered_cache_behavior : b if b.target_origin_id == "uploads"]) == 1 &&
      alltrue([for b in aws_cloudfront_distribution.main.ordered_cache_behavior : b.path_pattern == "/upload" && contains(b.allowed_methods, "POST") && length(coalesce(b.trusted_key_groups, [])) == 0 && one([for f in b.function_association : f.function_arn]) == aws_cloudfront_function.upload_path.arn if b.target_origin_id == "uploads"]) &&
      strcontains(aws_cloudfront_function.upload_path.code, "request.uri = \"/\"") &&
      !strcontains(aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy[0].content_security_policy, aws_s3_bucket.media.bucket_regional_domain_name)
    )
    error_message = "uploads go through /upload (no origin access control, rewritten to /), and the CSP names no S3 host"
  }
  assert {
    # Issue #10: media through CloudFront, but only for URLs the API signed. Every behaviour on
    # the media origin requires the media key group (with every public key in it), the
    # default behaviour never serves media, and the bucket lets only this distribution read users/*.
    condition = (
      length([for b in aws_cloudfront_distribution.main.ordered_cache_behavior : b if b.path_pattern == "/media/*" && b.target_origin_id == "media"]) == 1 &&
      alltrue([for b in aws_cloudfront_distribution.main.ordered_cache_behavior : b.trusted_key_groups == tolist([aws_cloudfront_key_group.media.id]) if b.target_origin_id == "media"]) &&
      aws_cloudfront_distribution.main.default_cache_behavior[0].target_origin_id != "media" &&
      toset(aws_cloudfront_key_group.media.items) == toset([for k in aws_cloudfront_public_key.media : k.id]) &&
      anytrue([for o in aws_cloudfront_distribution.main.origin : o.origin_id == "media" && o.domain_name == aws_s3_bucket.media.bucket_regional_domain_name])
    )
    error_message = "CloudFront serves the media bucket only on /media/* with signed URLs (trusted_key_groups = the media key group)"
  }
  assert {
    # Issue 20: the key's id comes with the key, from the secret; an id in the environment would
    # go stale the moment the secret is rotated.
    condition     = alltrue([for f in aws_lambda_function.function : !contains(keys(f.environment[0].variables), "MEDIA_KEY_PAIR_ID") && f.environment[0].variables["MEDIA_SIGNING_KEY_SECRET_ID"] == aws_secretsmanager_secret.secret["media_signing_key"].arn])
    error_message = "every function reads the media signing key's id and private key together from the media_signing_key secret, and no key id from its environment"
  }
  assert {
    # Issue #13: CloudFront sends what infra/security-headers.json says (the local gateway reads
    # the same file), with this stack's Cognito host and no S3 host at all.
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy[0].content_security_policy == join("; ", concat([for d in jsondecode(file("security-headers.json")).content_security_policy : replace(d, "{cognito}", "https://cognito-idp.us-east-1.amazonaws.com")], ["upgrade-insecure-requests"])) &&
      strcontains(aws_cloudfront_response_headers_policy.security.security_headers_config[0].content_security_policy[0].content_security_policy, "img-src 'self' data: blob:;") &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].access_control_max_age_sec == jsondecode(file("security-headers.json")).strict_transport_security.max_age_s &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].frame_options[0].frame_option == jsondecode(file("security-headers.json")).frame_options &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].referrer_policy[0].referrer_policy == jsondecode(file("security-headers.json")).referrer_policy
    )
    error_message = "the response headers policy must send what infra/security-headers.json says"
  }
  assert {
    # What checkov's CKV_AWS_259 would check, on the rendered values (checkov cannot read the file).
    condition = (
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].access_control_max_age_sec >= 31536000 &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].include_subdomains &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].preload &&
      aws_cloudfront_response_headers_policy.security.security_headers_config[0].strict_transport_security[0].override
    )
    error_message = "HSTS must last at least a year, cover subdomains, allow preload and override the origin"
  }
  assert {
    condition     = aws_cloudfront_distribution.main.default_cache_behavior[0].target_origin_id == "frontend" && anytrue([for o in aws_cloudfront_distribution.main.origin : o.origin_id == "frontend" && o.domain_name == aws_s3_bucket.frontend.bucket_regional_domain_name])
    error_message = "the default behaviour must serve the frontend bucket"
  }
  assert {
    condition     = aws_cloudfront_distribution.main.logging_config[0].bucket == aws_s3_bucket.logs.bucket_domain_name && aws_s3_bucket_ownership_controls.logs.rule[0].object_ownership != "BucketOwnerEnforced"
    error_message = "CloudFront logs need the log bucket with ACLs enabled"
  }

  # ---- the stack's KMS key lets CloudFront (OAC), CloudWatch Logs and alarms use it
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.kms.statement : [for p in s.principals : p.identifiers]]), "cloudfront.amazonaws.com")
    error_message = "the key policy must allow CloudFront (OAC reads the SSE-KMS frontend)"
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.kms.statement : [for p in s.principals : p.identifiers]]), "logs.${var.region}.amazonaws.com")
    error_message = "the key policy must allow CloudWatch Logs in the stack's region"
  }
  assert {
    condition     = contains(flatten([for s in data.aws_iam_policy_document.kms.statement : [for p in s.principals : p.identifiers]]), "cloudwatch.amazonaws.com")
    error_message = "the key policy must allow CloudWatch alarms (encrypted SNS topic)"
  }
  assert {
    condition     = aws_kms_key.main.policy == data.aws_iam_policy_document.kms.json
    error_message = "the key must use the policy document"
  }

  # ---- the webhook URL handed to Replicate reaches POST /webhooks/replicate
  assert {
    condition = alltrue([for f in aws_lambda_function.function :
      f.environment[0].variables["PUBLIC_BASE_URL"] == "https://${aws_cloudfront_distribution.main.domain_name}"
    ])
    error_message = "PUBLIC_BASE_URL must be the distribution's URL"
  }
  assert {
    condition = (
      output.webhook_url == "https://${aws_cloudfront_distribution.main.domain_name}/webhooks/replicate" &&
      aws_apigatewayv2_route.route["POST /webhooks/replicate"].target == "integrations/${aws_apigatewayv2_integration.function["webhook-replicate"].id}" &&
      aws_apigatewayv2_stage.default.name == "$default"
    )
    error_message = "PUBLIC_BASE_URL/webhooks/replicate must reach the webhook function through /webhooks/* and the $default stage"
  }

  # ---- IAM (the full comparison with the code is tools/infra-check): issue #7 item 1
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.function["reconciler"].policy).Statement : s if contains(s.Action, "sqs:SendMessage") && contains(s.Resource, aws_sqs_queue.generation.arn)]) == 1
    error_message = "the reconciler re-queues lost messages: its role needs sqs:SendMessage on the generation queue"
  }
  assert {
    # Issue #11: the worker copies outputs (multipart) and signs GET URLs of sources, only under
    # users/*; the webhook only records and queues, so it touches no object at all.
    condition = (
      length(setsubtract(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], flatten([for s in jsondecode(aws_iam_role_policy.function["worker"].policy).Statement : s.Action]))) == 0 &&
      alltrue([for s in jsondecode(aws_iam_role_policy.function["worker"].policy).Statement : alltrue([for r in s.Resource : endswith(r, "/users/*")]) if s.Sid == "Media"]) &&
      length([for a in flatten([for s in jsondecode(aws_iam_role_policy.function["webhook-replicate"].policy).Statement : s.Action]) : a if startswith(a, "s3:")]) == 0 &&
      contains(flatten([for s in jsondecode(aws_iam_role_policy.function["webhook-replicate"].policy).Statement : s.Action]), "sqs:SendMessage")
    )
    error_message = "the worker copies outputs under users/* (Get/Put/AbortMultipartUpload); the webhook writes no object and queues the copy"
  }
}

run "custom_domain" {
  command = plan

  variables {
    domain_name         = "studio.example.com"
    acm_certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition     = alltrue([for f in aws_lambda_function.function : f.environment[0].variables["PUBLIC_BASE_URL"] == "https://studio.example.com"]) && output.webhook_url == "https://studio.example.com/webhooks/replicate"
    error_message = "with a custom domain, PUBLIC_BASE_URL and the webhook URL use it"
  }
  assert {
    condition     = aws_cloudfront_distribution.main.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" && toset(aws_cloudfront_distribution.main.aliases) == toset(["studio.example.com"])
    error_message = "a custom domain needs its alias and TLS 1.2"
  }
}

# Issue 20: a rotation has two public keys in the key group at once. CloudFront accepts a URL
# signed by either, so URLs signed before the secret switched keys and after it both load; the
# output gives each key's id for the secret's key_pair_id.
run "key_rotation_trusts_both_keys" {
  command = apply

  variables {
    media_signing_public_keys = {
      k1 = <<-PEM
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtnxgU3uP2zDbeopODbzPmonDvMkb
        INC+vYGAtHvsiedh0RjSDBqyDRPkPkzIrtDEA7z+66yEv9lfL5L7ghjwiQ==
        -----END PUBLIC KEY-----
      PEM
      k2 = <<-PEM
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEhx1zXMObQekidY0f+xBKpGFkJ9b8
        ZBnLLTZOgEeJSKbWCNVneuZiydG58zdSW391z6IyJydccgPRBdASiXZ/cg==
        -----END PUBLIC KEY-----
      PEM
    }
  }

  assert {
    condition = (
      length(aws_cloudfront_key_group.media.items) == 2 &&
      toset(aws_cloudfront_key_group.media.items) == toset([aws_cloudfront_public_key.media["k1"].id, aws_cloudfront_public_key.media["k2"].id]) &&
      output.media_public_key_ids == { k1 = aws_cloudfront_public_key.media["k1"].id, k2 = aws_cloudfront_public_key.media["k2"].id }
    )
    error_message = "during a rotation the media key group trusts both public keys, and media_public_key_ids names both"
  }
}
