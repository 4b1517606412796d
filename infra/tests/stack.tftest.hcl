# Plans and applies the whole stack against a mocked AWS provider (offline: terraform init
# -plugin-dir=<mirror>; scripts/terraform-test.sh) and asserts what a first deploy depends on.
# What the mock cannot know (ARNs, endpoints) is given fixed, AWS-shaped values below, so the
# assertions compare real wiring: this resource's attribute feeds that one.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
      arn        = "arn:aws:iam::123456789012:user/operator"
      user_id    = "AIDAMOCKOPERATOR"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
  mock_data "aws_cloudfront_cache_policy" {
    defaults = {
      id = "mock-cache-policy"
    }
  }
  mock_resource "aws_cognito_user_pool" {
    defaults = {
      id       = "us-east-1_Mock"
      endpoint = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Mock"
      arn      = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Mock"
    }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "mockapi"
      api_endpoint  = "https://mockapi.execute-api.us-east-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:us-east-1:123456789012:mockapi"
    }
  }
  # ARNs the provider validates where another resource takes them as input.
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
      key_id = "00000000-0000-0000-0000-000000000000"
    }
  }
  mock_resource "aws_sns_topic" {
    defaults = {
      arn = "arn:aws:sns:us-east-1:123456789012:alarms"
    }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      domain_name = "d111111abcdef8.cloudfront.net"
      arn         = "arn:aws:cloudfront::123456789012:distribution/EMOCK"
    }
  }
}

# Each role gets its own ARN, so "each function has its own role" compares distinct values.
override_resource {
  target = aws_iam_role.function["health"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-health-role" }
}
override_resource {
  target = aws_iam_role.function["models-list"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-models-list-role" }
}
override_resource {
  target = aws_iam_role.function["me-get"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-me-get-role" }
}
override_resource {
  target = aws_iam_role.function["images-generate"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-images-generate-role" }
}
override_resource {
  target = aws_iam_role.function["jobs-get"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-jobs-get-role" }
}
override_resource {
  target = aws_iam_role.function["jobs-list"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-jobs-list-role" }
}
override_resource {
  target = aws_iam_role.function["assets-get"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-assets-get-role" }
}
override_resource {
  target = aws_iam_role.function["webhook-replicate"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-webhook-replicate-role" }
}
override_resource {
  target = aws_iam_role.function["worker"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-worker-role" }
}
override_resource {
  target = aws_iam_role.function["reconciler"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-reconciler-role" }
}

override_resource {
  target = aws_lambda_function.function["health"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-health"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-health/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["models-list"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-models-list"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-models-list/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["me-get"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-me-get"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-me-get/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["images-generate"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-images-generate"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-images-generate/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["jobs-get"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-get"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-get/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["jobs-list"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-list"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-list/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["assets-get"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-assets-get"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-assets-get/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["webhook-replicate"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-webhook-replicate"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-webhook-replicate/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["worker"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-worker"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-worker/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["reconciler"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-reconciler"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-reconciler/invocations"
  }
}
override_resource {
  target = aws_sqs_queue.generation
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:mock-generation"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock-generation"
  }
}
override_resource {
  target = aws_sqs_queue.generation_dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:mock-generation_dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock-generation_dlq"
  }
}
override_resource {
  target = aws_sqs_queue.scheduler_dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:mock-scheduler_dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock-scheduler_dlq"
  }
}
override_resource {
  target = aws_iam_role.scheduler
  values = { arn = "arn:aws:iam::123456789012:role/mock-scheduler-role" }
}
override_resource {
  target = aws_cloudwatch_log_group.api_access
  values = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/apigateway/mock-http-api" }
}

variables {
  region = "us-east-1"
}

run "whole_stack_applies" {
  command = apply

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
      contains(["GET /api/health", "POST /webhooks/replicate"], key) ? r.authorization_type == "NONE" : (r.authorization_type == "JWT" && r.authorizer_id == aws_apigatewayv2_authorizer.cognito.id)
    ])
    error_message = "every route except GET /api/health and POST /webhooks/replicate needs the JWT authorizer"
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
      o.origin_id == "api" ? o.domain_name == trimprefix(aws_apigatewayv2_api.http.api_endpoint, "https://") : o.origin_access_control_id == aws_cloudfront_origin_access_control.s3.id
    ])
    error_message = "every S3 origin needs origin access control, and the api origin must be the API's host"
  }
  assert {
    # Issue #7 item 5: no code signs CloudFront URLs, so CloudFront must not serve media.
    condition = (
      !anytrue([for b in aws_cloudfront_distribution.main.ordered_cache_behavior : startswith(b.path_pattern, "/media")]) &&
      !anytrue([for o in aws_cloudfront_distribution.main.origin : o.domain_name == aws_s3_bucket.media.bucket_regional_domain_name])
    )
    error_message = "CloudFront must not serve the media bucket: media is reachable only through the API's presigned URLs"
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
    condition     = contains(flatten([for s in jsondecode(aws_iam_role_policy.function["reconciler"].policy).Statement : s.Action]), "sqs:SendMessage")
    error_message = "the reconciler re-queues lost messages: its role needs sqs:SendMessage"
  }
  assert {
    condition     = !contains(flatten([for s in jsondecode(aws_iam_role_policy.function["worker"].policy).Statement : s.Action]), "s3:GetObject")
    error_message = "the worker does not touch S3"
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

# ---- issue #7 item 3: the longest allowed name_prefix (26 characters) plans in every region.
# Bucket names are <prefix>-<role>-<12-digit account>-<region> and S3 allows 63 characters; the
# provider refuses longer names at plan time. Region codes as of 2025 (commercial, GovCloud, China).

run "longest_name_prefix_is_refused_one_longer" {
  command = plan
  variables {
    name_prefix = "abcdefghij-klmnopqrst-uvwxy"
  }
  expect_failures = [var.name_prefix]
}

run "longest_name_prefix_us_east_1" {
  command = plan
  variables {
    region      = "us-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_east_2" {
  command = plan
  variables {
    region      = "us-east-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_west_1" {
  command = plan
  variables {
    region      = "us-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_west_2" {
  command = plan
  variables {
    region      = "us-west-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_af_south_1" {
  command = plan
  variables {
    region      = "af-south-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_east_1" {
  command = plan
  variables {
    region      = "ap-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_east_2" {
  command = plan
  variables {
    region      = "ap-east-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_south_1" {
  command = plan
  variables {
    region      = "ap-south-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_south_2" {
  command = plan
  variables {
    region      = "ap-south-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_1" {
  command = plan
  variables {
    region      = "ap-southeast-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_2" {
  command = plan
  variables {
    region      = "ap-southeast-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_3" {
  command = plan
  variables {
    region      = "ap-southeast-3"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_4" {
  command = plan
  variables {
    region      = "ap-southeast-4"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_5" {
  command = plan
  variables {
    region      = "ap-southeast-5"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_6" {
  command = plan
  variables {
    region      = "ap-southeast-6"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_southeast_7" {
  command = plan
  variables {
    region      = "ap-southeast-7"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_1" {
  command = plan
  variables {
    region      = "ap-northeast-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_2" {
  command = plan
  variables {
    region      = "ap-northeast-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ap_northeast_3" {
  command = plan
  variables {
    region      = "ap-northeast-3"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ca_central_1" {
  command = plan
  variables {
    region      = "ca-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_ca_west_1" {
  command = plan
  variables {
    region      = "ca-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_central_1" {
  command = plan
  variables {
    region      = "eu-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_central_2" {
  command = plan
  variables {
    region      = "eu-central-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_1" {
  command = plan
  variables {
    region      = "eu-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_2" {
  command = plan
  variables {
    region      = "eu-west-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_west_3" {
  command = plan
  variables {
    region      = "eu-west-3"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_south_1" {
  command = plan
  variables {
    region      = "eu-south-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_south_2" {
  command = plan
  variables {
    region      = "eu-south-2"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_eu_north_1" {
  command = plan
  variables {
    region      = "eu-north-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_il_central_1" {
  command = plan
  variables {
    region      = "il-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_me_south_1" {
  command = plan
  variables {
    region      = "me-south-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_me_central_1" {
  command = plan
  variables {
    region      = "me-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_mx_central_1" {
  command = plan
  variables {
    region      = "mx-central-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_sa_east_1" {
  command = plan
  variables {
    region      = "sa-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_gov_east_1" {
  command = plan
  variables {
    region      = "us-gov-east-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_us_gov_west_1" {
  command = plan
  variables {
    region      = "us-gov-west-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_cn_north_1" {
  command = plan
  variables {
    region      = "cn-north-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}

run "longest_name_prefix_cn_northwest_1" {
  command = plan
  variables {
    region      = "cn-northwest-1"
    name_prefix = "abcdefghij-klmnopqrst-uvwx"
  }
  assert {
    condition     = length(aws_s3_bucket.frontend.bucket) <= 63 && length(aws_s3_bucket.media.bucket) <= 63 && length(aws_s3_bucket.logs.bucket) <= 63
    error_message = "a bucket name is longer than 63 characters"
  }
}
