# Three private buckets: media (users/<sub>/... objects; operator reports under reports/),
# frontend (static site) and logs (S3 server access logs and CloudFront standard logs). Nothing
# is public: CloudFront reads the frontend and media through origin access control; media only
# on its /media/* behaviour, which requires a URL signed by the API for the object's owner
# (cdn.tf, shared/src/media/cdn.rs).

locals {
  bucket_suffix = "${local.account_id}-${local.region}"
  # At most 63 characters (S3): var.name_prefix and var.region are validated so that the longest,
  # the frontend bucket's, fits; each bucket also checks its own name at plan time.
  bucket_names = {
    media    = "${var.name_prefix}-media-${local.bucket_suffix}"
    frontend = "${var.name_prefix}-frontend-${local.bucket_suffix}"
    logs     = "${var.name_prefix}-logs-${local.bucket_suffix}"
  }
}

# ---------------------------------------------------------------- media
resource "aws_s3_bucket" "media" {
  #checkov:skip=CKV_AWS_144:Single-region application; cross-region replication doubles storage cost and is not required. Versioning is the recovery path for deleted or overwritten objects.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 events: the functions that write media record it in DynamoDB themselves.
  bucket = local.bucket_names.media

  lifecycle {
    precondition {
      condition     = length(local.bucket_names.media) <= 63
      error_message = "S3 bucket name ${local.bucket_names.media} is longer than 63 characters: shorten name_prefix."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "media" {
  bucket                  = aws_s3_bucket.media.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "media" {
  bucket = aws_s3_bucket.media.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "media" {
  bucket        = aws_s3_bucket.media.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/media/"
}

# The studio page loads media (CloudFront /media/*) and posts uploads (/upload) through its own
# origin. CloudFront passes the viewer's Origin header on to S3 with the upload, so the rule
# for the site's origin stays.
resource "aws_s3_bucket_cors_configuration" "media" {
  bucket = aws_s3_bucket.media.id
  cors_rule {
    # POST: the upload form (the presigned POST of /api/uploads), through /upload.
    allowed_methods = ["GET", "HEAD", "POST"]
    allowed_origins = [local.public_base_url]
    allowed_headers = ["*"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3000
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "media" {
  bucket = aws_s3_bucket.media.id

  # Unsaved results expire through the app, not this rule: the reconciler's sweep deletes the
  # record and the object together var.unsaved_expiration_days after creation or the last
  # unsave (docs/data-model.md "Expiry"). Objects are written tagged unsaved=true and re-tagged
  # unsaved=false for good when saved or pinned; so this rule only ever sees never-saved
  # objects, whose record expired var.unsaved_expiration_days after creation. It is a safety net
  # for an object whose record the sweep deleted but whose DeleteObject failed, and it runs
  # var.unsaved_orphan_grace_days later so it never takes an object the app still lists.
  rule {
    id     = "expire-unsaved-results"
    status = "Enabled"
    filter {
      tag {
        key   = "unsaved"
        value = "true"
      }
    }
    expiration {
      days = var.unsaved_expiration_days + var.unsaved_orphan_grace_days
    }
  }

  # Browser uploads land tagged staging=true (the presigned POST policy pins it); `complete`
  # copies the checked bytes to the asset key without tags. A staging object left behind (an
  # upload never completed) is deleted after a day.
  rule {
    id     = "expire-upload-staging"
    status = "Enabled"
    filter {
      tag {
        key   = "staging"
        value = "true"
      }
    }
    expiration {
      days = 1
    }
  }

  # Zips to take home (selection zips and exports, users/<sub>/exports/<id>.zip) are written
  # tagged export=true and kept a day (the app's record says 24 hours and stops signing links
  # then); the versioned bucket's delete marker and the old version go by expire-old-versions.
  rule {
    id     = "expire-exports"
    status = "Enabled"
    filter {
      tag {
        key   = "export"
        value = "true"
      }
    }
    expiration {
      days = 1
    }
  }

  # Operator reports (reports/<function>/, the provider audit's every 15 minutes): kept 90 days.
  rule {
    id     = "expire-reports"
    status = "Enabled"
    filter {
      prefix = "reports/"
    }
    expiration {
      days = 90
    }
  }

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  depends_on = [aws_s3_bucket_versioning.media]
}

data "aws_iam_policy_document" "media" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.media.arn, "${aws_s3_bucket.media.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # CloudFront's /media/* behaviour (cdn.tf) reads users' objects through origin access
  # control; it serves only requests whose signed URL its trusted key group verifies.
  statement {
    sid       = "CloudFrontReadsMedia"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.media.arn}/users/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.main.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "media" {
  bucket     = aws_s3_bucket.media.id
  policy     = data.aws_iam_policy_document.media.json
  depends_on = [aws_s3_bucket_public_access_block.media]
}

# ---------------------------------------------------------------- frontend
resource "aws_s3_bucket" "frontend" {
  #checkov:skip=CKV_AWS_144:The frontend is rebuilt from git by make deploy; replication adds nothing.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 events for static files.
  bucket = local.bucket_names.frontend

  lifecycle {
    precondition {
      condition     = length(local.bucket_names.frontend) <= 63
      error_message = "S3 bucket name ${local.bucket_names.frontend} is longer than 63 characters: shorten name_prefix."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "frontend" {
  bucket                  = aws_s3_bucket.frontend.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "frontend" {
  bucket = aws_s3_bucket.frontend.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.main.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "frontend" {
  bucket        = aws_s3_bucket.frontend.id
  target_bucket = aws_s3_bucket.logs.id
  target_prefix = "s3/frontend/"
}

resource "aws_s3_bucket_lifecycle_configuration" "frontend" {
  bucket = aws_s3_bucket.frontend.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  rule {
    id     = "expire-old-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.frontend]
}

data "aws_iam_policy_document" "frontend" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.frontend.arn, "${aws_s3_bucket.frontend.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "CloudFrontReadsFrontend"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.frontend.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.main.arn]
    }
  }
}

resource "aws_s3_bucket_policy" "frontend" {
  bucket     = aws_s3_bucket.frontend.id
  policy     = data.aws_iam_policy_document.frontend.json
  depends_on = [aws_s3_bucket_public_access_block.frontend]
}

# ---------------------------------------------------------------- logs
resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log target bucket; logging it into itself would loop.
  #checkov:skip=CKV_AWS_144:Logs are not replicated; they expire after var.log_retention_days.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 events for log files.
  #checkov:skip=CKV_AWS_145:S3 server access logging only delivers to target buckets encrypted with SSE-S3, not SSE-KMS.
  bucket = local.bucket_names.logs

  lifecycle {
    precondition {
      condition     = length(local.bucket_names.logs) <= 63
      error_message = "S3 bucket name ${local.bucket_names.logs} is longer than 63 characters: shorten name_prefix."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  #checkov:skip=CKV2_AWS_65:CloudFront standard logging delivers through the bucket ACL (awslogsdelivery grant), so ACLs must stay enabled on the log bucket.
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerPreferred"
  }
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = var.log_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.logs.arn, "${aws_s3_bucket.logs.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/s3/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket     = aws_s3_bucket.logs.id
  policy     = data.aws_iam_policy_document.logs.json
  depends_on = [aws_s3_bucket_public_access_block.logs]
}
