# Issue #20: the settings a first deploy, a tear-down and a redeploy depend on, planned against
# the mocked provider (tests/mocks). What only AWS can show is in docs/deploy.md.

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
  media_signing_key_active = "k1"
}

# ---- an idle deployment pays for the alarms an operator acts on, not two per function
run "default_alarms_are_what_an_operator_acts_on" {
  # apply: the API's id and the topic's ARN are known only then (mocked).
  command = apply

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.function_errors) == 0 && length(aws_cloudwatch_metric_alarm.function_throttles) == 0
    error_message = "per-function alarms must be off by default (per_function_alarms = false): two per function cost about $7 a month before anyone uses the studio"
  }
  assert {
    # Account-wide: no dimensions, so every function's errors and throttles count.
    condition = (
      aws_cloudwatch_metric_alarm.lambda_errors.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.lambda_errors.metric_name == "Errors" &&
      aws_cloudwatch_metric_alarm.lambda_throttles.namespace == "AWS/Lambda" && aws_cloudwatch_metric_alarm.lambda_throttles.metric_name == "Throttles" &&
      length(coalesce(aws_cloudwatch_metric_alarm.lambda_errors.dimensions, {})) == 0 &&
      length(coalesce(aws_cloudwatch_metric_alarm.lambda_throttles.dimensions, {})) == 0
    )
    error_message = "the Lambda errors and throttles alarms must watch every function (no FunctionName dimension)"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.api_5xx.namespace == "AWS/ApiGateway" && aws_cloudwatch_metric_alarm.api_5xx.metric_name == "5xx" && aws_cloudwatch_metric_alarm.api_5xx.dimensions == tomap({ ApiId = aws_apigatewayv2_api.http.id })
    error_message = "the API 5xx alarm must watch this stack's HTTP API"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.dlq_depth)) == toset(["generation_dlq", "scheduler_dlq"])
    error_message = "both dead-letter queues need their alarm"
  }
  assert {
    condition = alltrue([for a in concat(
      [aws_cloudwatch_metric_alarm.lambda_errors, aws_cloudwatch_metric_alarm.lambda_throttles, aws_cloudwatch_metric_alarm.api_5xx, aws_cloudwatch_metric_alarm.daily_spend, aws_cloudwatch_metric_alarm.stray_prediction, aws_cloudwatch_metric_alarm.underpriced, aws_cloudwatch_metric_alarm.provider_orphans],
      values(aws_cloudwatch_metric_alarm.dlq_depth),
    ) : a.alarm_actions == toset([aws_sns_topic.alarms.arn]) && a.treat_missing_data == "notBreaching"])
    error_message = "every default alarm must notify the alarm topic and stay quiet without data"
  }
}

run "per_function_alarms_on_request" {
  command = plan
  variables {
    per_function_alarms = true
  }
  assert {
    condition = (
      toset(keys(aws_cloudwatch_metric_alarm.function_errors)) == toset(keys(local.functions)) &&
      toset(keys(aws_cloudwatch_metric_alarm.function_throttles)) == toset(keys(local.functions)) &&
      alltrue([for k, a in aws_cloudwatch_metric_alarm.function_errors : a.dimensions["FunctionName"] == aws_lambda_function.function[k].function_name])
    )
    error_message = "per_function_alarms = true must give every function its errors and throttles alarm"
  }
}

# ---- tear-down and redeploy: secrets deleted with a recovery window keep their names taken
run "protected_secrets_stay_recoverable" {
  command = plan
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.secret : s.recovery_window_in_days == 7])
    error_message = "with deletion_protection on, a deleted secret must stay recoverable for 7 days"
  }
}

run "teardown_setting_frees_the_secret_names" {
  command = plan
  variables {
    deletion_protection = false
  }
  assert {
    condition     = alltrue([for s in aws_secretsmanager_secret.secret : s.recovery_window_in_days == 0])
    error_message = "with deletion_protection off, secrets must be deleted at once (recovery window 0), or a redeploy with the same name_prefix fails for a week"
  }
  assert {
    condition     = aws_cognito_user_pool.main.deletion_protection == "INACTIVE" && alltrue([for t in aws_dynamodb_table.table : !t.deletion_protection_enabled])
    error_message = "deletion_protection = false must let terraform destroy remove the tables and the user pool"
  }
}

# ---- a custom domain needs its certificate: the plan says so, not CloudFront mid-apply
run "domain_without_certificate_is_refused" {
  command = plan
  variables {
    domain_name = "studio.example.com"
  }
  expect_failures = [aws_cloudfront_distribution.main]
}

# ---- sign-out: API Gateway accepts a token until it expires, so tokens live 15 minutes
run "tokens_the_api_accepts_expire_within_15_minutes" {
  command = plan
  assert {
    condition = (
      aws_cognito_user_pool_client.spa.id_token_validity <= 15 && aws_cognito_user_pool_client.spa.token_validity_units[0].id_token == "minutes" &&
      aws_cognito_user_pool_client.spa.access_token_validity <= 15 && aws_cognito_user_pool_client.spa.token_validity_units[0].access_token == "minutes" &&
      aws_cognito_user_pool_client.spa.enable_token_revocation
    )
    error_message = "ID and access tokens (both accepted by the API's JWT authorizer) must expire within 15 minutes, and sign-out must revoke the refresh token"
  }
}
