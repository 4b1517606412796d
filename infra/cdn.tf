# CloudFront: one origin for everything the browser sees (same origin, see api.md).
#   /            frontend bucket (OAC), cached
#   /api/*       API Gateway, never cached, all viewer headers but Host (Authorization included)
#   /webhooks/*  API Gateway, same as /api/*
#   /media/*     media bucket (OAC, users/* only), cached, and only for CloudFront signed URLs
#                (canned policy) that the media key group verifies: the API signs one per
#                object for its owner (shared/src/media/cdn.rs, docs/deploy.md for the keys).
#                A CloudFront Function strips the /media prefix: the object key is users/...
#   /upload      the upload form's POST (the presigned POST of /api/uploads), passed to the media
#                bucket's endpoint WITHOUT origin access control: S3 sees an anonymous request
#                that only the form's own signed policy authorizes (one key, one type, a size
#                range, ten minutes). A CloudFront Function turns /upload into /, S3's POST
#                Object path. So the page talks only to its own origin: the CSP names no S3 host.
# tools/infra-check fails if a media origin is served by a behaviour without trusted key groups.

locals {
  api_origin_domain   = replace(aws_apigatewayv2_api.http.api_endpoint, "https://", "")
  media_origin_domain = aws_s3_bucket.media.bucket_regional_domain_name
  cognito_endpoint    = "https://cognito-idp.${local.region}.amazonaws.com"

  # The security headers come from one file that the local gateway reads too.
  security_headers = jsondecode(file("${path.module}/security-headers.json"))
  content_security_policy = join("; ", concat(
    [for d in local.security_headers.content_security_policy :
      replace(d, "{cognito}", local.cognito_endpoint)
    ],
    local.security_headers.content_security_policy_https_only,
  ))
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

# ---- /media/*: signed URLs -------------------------------------------------------------------
# Every public key of var.media_signing_public_keys is in the key group (two while a key is
# rotated, docs/deploy.md), and CloudFront accepts a URL signed by any of them. Which one the
# functions sign with is the media_signing_key secret's business (secrets.tf): it holds the key's
# id and its private half together, so Terraform never sees a private key nor picks the signer.
resource "aws_cloudfront_public_key" "media" {
  for_each    = var.media_signing_public_keys
  name        = "${var.name_prefix}-media-${each.key}"
  comment     = "Verifies ${var.name_prefix} /media/* signed URLs"
  encoded_key = each.value
}

resource "aws_cloudfront_key_group" "media" {
  name    = "${var.name_prefix}-media"
  comment = "Signers of ${var.name_prefix} /media/* URLs"
  items   = [for k in aws_cloudfront_public_key.media : k.id]
}

# The cache key is the object and the download name: the signing parameters (Expires,
# Signature, Key-Pair-Id, Hash-Algorithm) are left out, so every signed URL of an object shares
# one cached copy. response-content-disposition goes to S3, which honours it on the request that
# OAC signs: downloads keep their file name.
resource "aws_cloudfront_cache_policy" "media" {
  name        = "${var.name_prefix}-media"
  comment     = "Media objects by key and download name"
  min_ttl     = 0
  default_ttl = 86400
  max_ttl     = 31536000
  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = false
    enable_accept_encoding_brotli = false
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "whitelist"
      query_strings {
        items = ["response-content-disposition"]
      }
    }
  }
}

# /media/users/... -> users/... (the object key). Runs on viewer requests of /media/* only.
resource "aws_cloudfront_function" "media_path" {
  name    = "${var.name_prefix}-media-path"
  runtime = "cloudfront-js-2.0"
  comment = "Strips the /media prefix: the media bucket's keys start at users/"
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      request.uri = request.uri.replace(/^\/media\//, "/");
      return request;
    }
  JS
}

# /upload -> / (S3's POST Object on the bucket endpoint). Runs on viewer requests of /upload only.
resource "aws_cloudfront_function" "upload_path" {
  name    = "${var.name_prefix}-upload-path"
  runtime = "cloudfront-js-2.0"
  comment = "The upload form posts to /upload; S3 takes POST Object at the bucket root"
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      request.uri = "/";
      return request;
    }
  JS
}

resource "aws_cloudfront_response_headers_policy" "security" {
  #checkov:skip=CKV_AWS_259:The HSTS values come from security-headers.json (shared with the local gateway), which checkov does not evaluate; infra/tests/stack.tftest.hcl asserts the rendered policy (max-age at least a year, includeSubDomains, preload, override) instead.
  name    = "${var.name_prefix}-security-headers"
  comment = "Strict CSP, HSTS, no framing"

  security_headers_config {
    content_security_policy {
      content_security_policy = local.content_security_policy
      override                = true
    }
    strict_transport_security {
      access_control_max_age_sec = local.security_headers.strict_transport_security.max_age_s
      include_subdomains         = local.security_headers.strict_transport_security.include_subdomains
      preload                    = local.security_headers.strict_transport_security.preload
      override                   = true
    }
    frame_options {
      frame_option = local.security_headers.frame_options
      override     = true
    }
    # X-Content-Type-Options: nosniff (CloudFront's only value; security-headers.json says so).
    content_type_options {
      override = true
    }
    referrer_policy {
      referrer_policy = local.security_headers.referrer_policy
      override        = true
    }
    xss_protection {
      protection = local.security_headers.xss_protection.protection
      mode_block = local.security_headers.xss_protection.mode_block
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
  comment             = "${var.name_prefix}: frontend, /api, /webhooks, /media"
  aliases             = var.domain_name != "" ? [var.domain_name] : []
  default_root_object = "index.html"
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.cloudfront_price_class

  # Standard logging writes through the log bucket's ACL: CloudFront rejects the distribution
  # while the bucket still has ACLs disabled (the default for a new bucket), so the ownership
  # controls that enable them must be in place first.
  depends_on = [aws_s3_bucket_ownership_controls.logs]

  lifecycle {
    precondition {
      # Without it the apply gets as far as the distribution, and CloudFront refuses a viewer
      # certificate with no ACM certificate in it (minutes in, half the stack created).
      condition     = var.domain_name == "" || var.acm_certificate_arn != ""
      error_message = "domain_name is set but acm_certificate_arn is empty: CloudFront needs an ACM certificate from us-east-1 that covers ${var.domain_name} (docs/deploy.md §2a)."
    }
  }

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
    origin_id                = "media"
    domain_name              = local.media_origin_domain
    origin_access_control_id = aws_cloudfront_origin_access_control.s3.id
  }

  # The upload form's POST: no origin access control, so CloudFront adds no credentials and S3
  # authorizes the request by the form's signed policy alone.
  origin {
    origin_id   = "uploads"
    domain_name = local.media_origin_domain
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
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

  ordered_cache_behavior {
    path_pattern               = "/media/*"
    target_origin_id           = "media"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = false
    cache_policy_id            = aws_cloudfront_cache_policy.media.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    trusted_key_groups         = [aws_cloudfront_key_group.media.id]
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.media_path.arn
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/upload"
    target_origin_id           = "uploads"
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = false
    cache_policy_id            = data.aws_cloudfront_cache_policy.caching_disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.upload_path.arn
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
