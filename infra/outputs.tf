# What the frontend's config.json needs (scripts/deploy.sh renders it from these), and what an
# operator looks for.

output "region" {
  value = local.region
}

output "user_pool_id" {
  value = aws_cognito_user_pool.main.id
}

output "client_id" {
  value = aws_cognito_user_pool_client.spa.id
}

output "cognito_endpoint" {
  description = "Cognito's JSON API endpoint used by the browser (InitiateAuth, RespondToAuthChallenge)."
  value       = "${local.cognito_endpoint}/"
}

output "public_base_url" {
  value = local.public_base_url
}

output "cloudfront_domain" {
  value = aws_cloudfront_distribution.main.domain_name
}

output "cloudfront_distribution_id" {
  value = aws_cloudfront_distribution.main.id
}

output "api_endpoint" {
  description = "API Gateway's own endpoint (the browser uses /api on the CloudFront domain)."
  value       = aws_apigatewayv2_api.http.api_endpoint
}

output "media_bucket" {
  value = aws_s3_bucket.media.id
}

output "frontend_bucket" {
  value = aws_s3_bucket.frontend.id
}

output "generation_queue_url" {
  value = aws_sqs_queue.generation.url
}

output "secret_ids" {
  description = "Secrets whose values are set out of band (docs/deploy.md)."
  value       = { for k, s in aws_secretsmanager_secret.secret : k => s.name }
}

output "media_public_key_ids" {
  description = "CloudFront id of each media_signing_public_keys entry: the key_pair_id to put, with its private key, into the media_signing_key secret (docs/deploy.md)."
  value       = { for k, key in aws_cloudfront_public_key.media : k => key.id }
}

output "webhook_url" {
  value = "${local.public_base_url}/webhooks/replicate"
}

output "frontend_config" {
  description = "The frontend's config.json (api.md: GET /config.json)."
  value = {
    region = local.region
    cognito = {
      endpoint     = "${local.cognito_endpoint}/"
      user_pool_id = aws_cognito_user_pool.main.id
      client_id    = aws_cognito_user_pool_client.spa.id
    }
    api_base = "/api"
    provider = "replicate"
  }
}

output "assets_table" {
  description = "The assets table (make backfill-aws ASSETS_TABLE=…, docs/deploy.md)."
  value       = aws_dynamodb_table.table["assets"].name
}

output "usage_table" {
  description = "The usage table: per-user limits and counts, and the operator's ledger (make backfill-aws USAGE_TABLE=…, make ledger-aws USAGE_TABLE=…, a user's own limits; docs/deploy.md)."
  value       = aws_dynamodb_table.table["usage"].name
}
