# Secrets Manager holds the values the functions fetch once per container. Terraform creates the
# secrets only: their values are put out of band (docs/deploy.md), so they never enter the state.
# Names are the keys used in routes.json "access.secrets".

locals {
  secrets = {
    replicate_token = "Replicate API token (r8_...)"
    webhook_secret  = "Replicate webhook signing secret (whsec_..., GET /v1/webhooks/default/secret)"
    # One JSON object, {"key_pair_id": ..., "private_key": ...}: the CloudFront id of one of
    # var.media_signing_public_keys (output media_public_key_ids) and its private half (PEM), so
    # the id a URL names and the key that signs it change together (docs/deploy.md).
    media_signing_key = "JSON {key_pair_id, private_key}: the CloudFront public key id and private key (PEM) that sign /media/* URLs"
  }
}

resource "aws_secretsmanager_secret" "secret" {
  for_each = local.secrets
  #checkov:skip=CKV2_AWS_57:The Replicate token and webhook secret are issued by Replicate, and the media signing key's public half must be registered with CloudFront (Terraform) before it signs; none can be rotated by a Lambda. Rotate them by hand (docs/deploy.md).

  name        = "${var.name_prefix}/${each.key}"
  description = each.value
  kms_key_id  = aws_kms_key.main.arn
  # With deletion_protection on, a deleted secret stays recoverable for 7 days (and its name
  # stays taken: a deploy with the same name_prefix fails until then, docs/deploy.md "Tear
  # down"). Off (the tear-down setting, applied before `terraform destroy`), the secrets go at
  # once, so the same prefix can be deployed again straight away.
  recovery_window_in_days = var.deletion_protection ? 7 : 0
}

# ---- the stack's customer managed key --------------------------------------------------------
# One key encrypts tables, media and frontend objects, queues, secrets, log groups, the alarm
# topic and the functions' environment. Services that use it on their own behalf (CloudWatch
# Logs, CloudFront OAC for the frontend bucket, CloudWatch alarms) are allowed in the key
# policy, narrowed to this stack.

resource "aws_kms_key" "main" {
  description             = "${var.name_prefix}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.main.key_id
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:This is a KMS key policy: Resource "*" means this key only, and the account-root statement is the AWS default that lets IAM policies grant use of the key.
  #checkov:skip=CKV_AWS_111:This is a KMS key policy: Resource "*" means this key only; service principals are narrowed by SourceAccount/SourceArn/encryption-context conditions.
  #checkov:skip=CKV_AWS_356:This is a KMS key policy: Resource "*" means this key only (a key policy cannot name other resources).
  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/*/${var.name_prefix}-*"]
    }
  }

  statement {
    # CloudFront origin access control reads the frontend and media buckets' SSE-KMS objects.
    sid       = "CloudFrontOriginAccess"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      # Naming the distribution's ARN here would make the key (and so every table, queue and
      # log group) wait for the distribution, which takes minutes to create; the key policy
      # still limits CloudFront to distributions of this account, and each bucket policy
      # (storage.tf) to this stack's distribution.
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudfront::${local.account_id}:distribution/*"]
    }
  }

  statement {
    # Alarms publish to the encrypted SNS topic.
    sid       = "CloudWatchAlarms"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}
