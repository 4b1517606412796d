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

# Each function's role and Lambda get their own ARNs in functions.tfmock.hcl, which
# scripts/terraform-test.sh writes from routes.json (so a new function needs no edit here).
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
mock_resource "aws_cloudfront_function" {
  defaults = {
    arn = "arn:aws:cloudfront::123456789012:function/mock-media-path"
  }
}
