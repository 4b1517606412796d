# CloudFront: one origin for everything the browser sees (same origin, see api.md).
#   /            frontend bucket (OAC), cached
#   /api/*       API Gateway, never cached, all viewer headers but Host (Authorization included)
#   /webhooks/*  API Gateway, same as /api/*
# Media is not served here. No code signs CloudFront URLs yet, so a /media/* behaviour would
# serve any object under users/ to whoever has its key. Media is reachable only through the
# short-lived presigned S3 URLs the API hands to the object's owner (the media bucket's
# regional endpoint, allowed by the CSP below). Serving media through CloudFront with signed
# URLs comes with the gallery; tools/infra-check fails if a distribution gets a media origin.

locals {
  api_origin_domain = replace(aws_apigatewayv2_api.http.api_endpoint, "https://", "")
  # Presigned media URLs point at the bucket's regional endpoint.
  media_origin_domain = aws_s3_bucket.media.bucket_regional_domain_name
  cognito_endpoint    = "https://cognito-idp.${local.region}.amazonaws.com"

  content_security_policy = join("; ", [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob: https://${local.media_origin_domain}",
    "media-src 'self' blob: https://${local.media_origin_domain}",
    "connect-src 'self' ${local.cognito_endpoint} https://${local.media_origin_domain}",
    "font-src 'self'",
    "manifest-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "upgrade-insecure-requests",
  ])
}

data "aws_cloudfront_cache_policy" "caching_disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_cache_policy" "caching_optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_origin_request_policy" "all_viewer_except_host" {
  name = "Managed-AllViewerExceptHostHeader"
}

resource "aws_cloudfront_origin_access_control" "s3" {
  name                              = "${var.name_prefix}-s3"
  description                       = "CloudFront reads the private frontend bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name_prefix}-security-headers"
  comment = "Strict CSP, HSTS, no framing"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    content_type_options {
      override = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}

resource "aws_cloudfront_distribution" "main" {
  #checkov:skip=CKV_AWS_68:No WAF by default (fixed monthly cost for a small studio); every API route but health and the signed webhook needs a Cognito JWT and is throttled by API Gateway. Attach a web ACL with web_acl_id if needed.
  #checkov:skip=CKV2_AWS_47:See CKV_AWS_68: no WAF web ACL is attached, so there is no Log4j rule set to enable (the backend is Rust, not Java).
  #checkov:skip=CKV_AWS_310:Each path has exactly one origin in one region; there is no second origin to fail over to.
  #checkov:skip=CKV_AWS_374:The studio is not restricted to any country.
  #checkov:skip=CKV_AWS_174:With var.domain_name set, the policy is TLSv1.2_2021. Without a custom domain CloudFront serves *.cloudfront.net with its default certificate, whose security policy is fixed at TLSv1 and cannot be raised.
  #checkov:skip=CKV2_AWS_42:A custom domain and certificate are optional (var.domain_name, var.acm_certificate_arn); without them the *.cloudfront.net certificate is used.
  enabled             = true
  comment             = "${var.name_prefix}: frontend, /api, /webhooks"
  aliases             = var.domain_name != "" ? [var.domain_name] : []
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.cloudfront_price_class

  # Standard logging writes through the log bucket's ACL: CloudFront rejects the distribution
  # while the bucket still has ACLs disabled (the default for a new bucket), so the ownership
  # controls that enable them must be in place first.
  depends_on = [aws_s3_bucket_ownership_controls.logs]

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  origin {
    origin_id                = "frontend"
    domain_name              = aws_s3_bucket.frontend.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.s3.id
  }

  origin {
    origin_id   = "api"
    domain_name = local.api_origin_domain
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id           = "frontend"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_optimized.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  dynamic "ordered_cache_behavior" {
    for_each = ["/api/*", "/webhooks/*"]
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = "api"
      viewer_protocol_policy     = "https-only"
      allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
      origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.domain_name == ""
    acm_certificate_arn            = var.domain_name != "" ? var.acm_certificate_arn : null
    ssl_support_method             = var.domain_name != "" ? "sni-only" : null
    minimum_protocol_version       = var.domain_name != "" ? "TLSv1.2_2021" : "TLSv1"
  }
}
