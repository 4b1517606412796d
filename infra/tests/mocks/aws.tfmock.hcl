# Mocked AWS for infra/tests/*.tftest.hcl (mock_provider "aws" { source = "./tests/mocks" }).
# What the mock cannot know (ARNs, endpoints) gets fixed, AWS-shaped values, so the tests compare
# real wiring, and the provider's own ARN validation passes.

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
  target = aws_iam_role.function["assets-list"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-assets-list-role" }
}
override_resource {
  target = aws_iam_role.function["assets-save"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-assets-save-role" }
}
override_resource {
  target = aws_iam_role.function["assets-delete"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-assets-delete-role" }
}
override_resource {
  target = aws_iam_role.function["assets-batch"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-assets-batch-role" }
}
override_resource {
  target = aws_iam_role.function["usage-get"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-usage-get-role" }
}
override_resource {
  target = aws_iam_role.function["jobs-cancel"]
  values = { arn = "arn:aws:iam::123456789012:role/mock-jobs-cancel-role" }
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
  target = aws_lambda_function.function["assets-list"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-assets-list"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-assets-list/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["assets-save"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-assets-save"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-assets-save/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["assets-delete"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-assets-delete"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-assets-delete/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["assets-batch"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-assets-batch"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-assets-batch/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["usage-get"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-usage-get"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-usage-get/invocations"
  }
}
override_resource {
  target = aws_lambda_function.function["jobs-cancel"]
  values = {
    arn        = "arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-cancel"
    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:mock-jobs-cancel/invocations"
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
