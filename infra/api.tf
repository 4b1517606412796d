# HTTP API whose routes come from routes.json (the file the local gateway serves), keyed
# "METHOD /path". Every route with "auth": true gets the Cognito JWT authorizer; the others
# (health and the Replicate webhook, which checks its Standard-Webhooks signature) are public.

locals {
  http_functions = { for name, f in local.functions : name => f if f.trigger == "http" }
}

resource "aws_apigatewayv2_api" "http" {
  name          = "${var.name_prefix}-http-api"
  protocol_type = "HTTP"
  description   = "Visual Neurons API, reached through CloudFront (/api/*, /webhooks/*)"
}

resource "aws_apigatewayv2_authorizer" "cognito" {
  api_id           = aws_apigatewayv2_api.http.id
  name             = "cognito"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    # ID tokens carry aud = client id, access tokens client_id: API Gateway accepts both.
    audience = [aws_cognito_user_pool_client.spa.id]
    issuer   = "https://${aws_cognito_user_pool.main.endpoint}"
  }
}

resource "aws_apigatewayv2_integration" "function" {
  for_each = local.http_functions

  api_id                 = aws_apigatewayv2_api.http.id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = aws_lambda_function.function[each.key].invoke_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = min(29000, each.value.timeout_s * 1000 + 1000)
}

resource "aws_apigatewayv2_route" "route" {
  for_each = local.routes
  #checkov:skip=CKV_AWS_309:Routes with "auth": true in routes.json use the JWT authorizer; the public ones are GET /api/health, POST /webhooks/replicate (verified by its Standard-Webhooks signature), as api.md requires, and POST /api/shared (the share page: a 256-bit token in the body, rate-limited per source IP; docs/decisions/0005-share-links.md).

  api_id             = aws_apigatewayv2_api.http.id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.function[each.value.function].id}"
  authorization_type = each.value.auth ? "JWT" : "NONE"
  authorizer_id      = each.value.auth ? aws_apigatewayv2_authorizer.cognito.id : null
}

resource "aws_lambda_permission" "api" {
  for_each = local.http_functions

  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function[each.key].function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.http.execution_arn}/*/*"
}

resource "aws_cloudwatch_log_group" "api_access" {
  name              = "/aws/apigateway/${var.name_prefix}-http-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_apigatewayv2_stage" "default" {
  api_id      = aws_apigatewayv2_api.http.id
  name        = "$default"
  auto_deploy = true

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api_access.arn
    format = jsonencode({
      requestId          = "$context.requestId"
      ip                 = "$context.identity.sourceIp"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLength     = "$context.responseLength"
      latencyMs          = "$context.responseLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      userSub            = "$context.authorizer.claims.sub"
      userAgent          = "$context.identity.userAgent"
      integrationLatency = "$context.integrationLatency"
    })
  }

  default_route_settings {
    throttling_rate_limit  = var.api_throttle_rate_limit
    throttling_burst_limit = var.api_throttle_burst_limit
  }

  dynamic "route_settings" {
    for_each = { for key, t in var.route_throttle_overrides : key => t if contains(keys(local.routes), key) }
    content {
      route_key              = route_settings.key
      throttling_rate_limit  = route_settings.value.rate_limit
      throttling_burst_limit = route_settings.value.burst_limit
    }
  }

  depends_on = [aws_apigatewayv2_route.route]
}
