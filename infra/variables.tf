variable "region" {
  description = "AWS region for everything except CloudFront's certificate (which must live in us-east-1)."
  type        = string
  default     = "us-east-1"

  validation {
    # Region codes are at most 14 characters today (ap-southeast-1, cn-northwest-1); bucket
    # names (storage.tf) are sized for that.
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region)) && length(var.region) <= 14
    error_message = "region: an AWS region code such as eu-west-1 (at most 14 characters)."
  }

  validation {
    # CloudFront's standard logging (legacy), which writes to the log bucket (storage.tf) in this
    # region, does not deliver to buckets in opt-in Regions. AWS lists them in the CloudFront
    # Developer Guide, "Configure standard logging (legacy)", "Choose an Amazon S3 bucket for
    # standard logs" (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/standard-logging-legacy-s3.html#access-logs-choosing-s3-bucket;
    # the guide's June 2023 text named af-south-1, ap-east-1, ap-southeast-3, eu-south-1 and
    # me-south-1, and its "Configure standard logging (v2)" page names "send logs to opt-in AWS
    # Regions" as what only v2 can do). So every opt-in Region is refused, the ones opened since
    # included: a plan fails here instead of a deploy whose CDN logs never arrive.
    # docs/deploy.md §2 says so; infra/tests/region.tftest.hcl plans each one.
    condition = !contains([
      "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4",
      "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2",
      "eu-south-1", "eu-south-2", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
    ], var.region)
    error_message = "region: ${var.region} is an opt-in Region, and CloudFront's standard logs (legacy) are not delivered to S3 buckets there, so the distribution's log bucket cannot live in it. Choose a Region that is enabled by default (e.g. eu-west-1, eu-central-1, us-east-1, ap-southeast-1); docs/deploy.md §2."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (tables are <prefix>-<key>, functions <prefix>-<function>)."
  type        = string
  default     = "visual-neurons"

  validation {
    # 26 = 63 (S3's bucket name limit) - len("-frontend-<12-digit account>-<14-char region>"):
    # the longest bucket name, <prefix>-frontend-<account>-<region>, fits in every region.
    # infra/tests/ plans a 26-character prefix in every region and expects 27 to be refused.
    condition     = can(regex("^[a-z][a-z0-9-]{1,24}[a-z0-9]$", var.name_prefix)) && !can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.name_prefix))
    error_message = "name_prefix: 3-26 chars, lowercase letters, digits and '-', starting with a letter and ending with a letter or digit (S3 bucket names built from it must stay within 63 characters)."
  }
}

# ---------------------------------------------------------------- domain / CDN
variable "domain_name" {
  description = "Optional custom domain (e.g. studio.example.com). Empty: the CloudFront domain is used."
  type        = string
  default     = ""
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 covering domain_name. Required when domain_name is set (the distribution's precondition refuses a plan without it)."
  type        = string
  default     = ""

  validation {
    condition     = var.acm_certificate_arn == "" || can(regex("^arn:aws[a-z-]*:acm:us-east-1:", var.acm_certificate_arn))
    error_message = "CloudFront only accepts ACM certificates from us-east-1."
  }
}

variable "cloudfront_price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_100"
}

# ---------------------------------------------------------------- auth
variable "media_signing_public_keys" {
  description = "CloudFront public keys (PEM, RSA-2048 or ECDSA P-256) that verify /media/* signed URLs, by a name of your choice: all of them are in the key group. Two while a key is rotated (docs/deploy.md). The private keys never go to Terraform: the signing one is in the media_signing_key secret, with its id (output media_public_key_ids)."
  type        = map(string)
  # Required: the empty default only lets tools read the configuration; a plan refuses it.
  default = {}
  validation {
    condition     = length(var.media_signing_public_keys) >= 1 && length(var.media_signing_public_keys) <= 5 && alltrue([for k, v in var.media_signing_public_keys : can(regex("^-----BEGIN PUBLIC KEY-----", trimspace(v))) && can(regex("^[A-Za-z0-9_-]{1,40}$", k))])
    error_message = "media_signing_public_keys: 1 to 5 PEM public keys (-----BEGIN PUBLIC KEY-----), named [A-Za-z0-9_-]."
  }
}

variable "allow_self_signup" {
  description = "false (default): only an admin can create users (the Cognito console or `aws cognito-idp admin-create-user`, docs/deploy.md §7)."
  type        = bool
  default     = false
}

# ---------------------------------------------------------------- storage
variable "unsaved_expiration_days" {
  description = "Days an unsaved generated result lives after its creation or its last unsave (UNSAVED_EXPIRATION_DAYS): the reconciler's sweep then deletes its record and object."
  type        = number
  default     = 30

  validation {
    condition     = var.unsaved_expiration_days >= 1
    error_message = "unsaved_expiration_days must be at least 1."
  }
}

variable "trash_retention_days" {
  description = "Days a deleted asset waits in the trash (TRASH_RETENTION_DAYS), restorable and still counted in its user's storage; then the hourly trash-sweep purges it for good: record, media object and every noncurrent version of it."
  type        = number
  default     = 30

  validation {
    condition     = var.trash_retention_days >= 1
    error_message = "trash_retention_days must be at least 1."
  }
}

variable "unsaved_orphan_grace_days" {
  description = "The bucket's safety-net lifecycle rule removes never-saved objects (tagged unsaved=true) this many days after unsaved_expiration_days: only objects whose record the sweep already deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.unsaved_orphan_grace_days >= 7
    error_message = "unsaved_orphan_grace_days must be at least 7 (the sweep needs time to run first)."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a deleted or overwritten object version is kept (buckets are versioned)."
  type        = number
  default     = 30
}

variable "deletion_protection" {
  description = "Deletion protection on the DynamoDB tables and the Cognito user pool, and a 7-day recovery window on the secrets (0 when false: they are deleted at once). Set false and apply before `terraform destroy`."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------- functions
variable "log_retention_days" {
  description = "CloudWatch Logs retention of every log group."
  type        = number
  default     = 365
}

variable "monthly_limit_usd" {
  description = "Per-user monthly spend limit (MONTHLY_LIMIT_USD)."
  type        = string
  default     = "20"
}

variable "storage_limit_mb" {
  description = "Per-user storage limit in MB of 1,000,000 bytes, uploads and results together (STORAGE_LIMIT_MB)."
  type        = string
  default     = "5000"

  validation {
    condition     = can(regex("^[0-9]+(\\.[0-9]{1,6})?$", var.storage_limit_mb))
    error_message = "storage_limit_mb must be a number of MB such as 5000 or 0.5."
  }
}

variable "daily_spend_alarm_usd" {
  description = "Alarm when the users' charges in one day (all users, all models) pass this many dollars."
  type        = number
  default     = 50

  validation {
    condition     = var.daily_spend_alarm_usd > 0
    error_message = "daily_spend_alarm_usd must be positive."
  }
}

variable "job_starts_per_minute" {
  description = "How many jobs one user may start per minute (JOB_STARTS_PER_MINUTE). Replicate allows the whole account 600 creates a minute; this keeps one user from taking them all."
  type        = string
  default     = "30"
}

variable "public_reads_per_minute" {
  description = "How many share-page reads (POST /api/shared) one source IP may make per minute (PUBLIC_READS_PER_MINUTE), counted in the shares table (docs/decisions/0005-share-links.md)."
  type        = string
  default     = "60"
}

variable "reconcile_after_s" {
  description = "A job running longer than this is polled by the reconciler (RECONCILE_AFTER_S)."
  type        = string
  default     = "600"
}

variable "log_level" {
  description = "LOG_LEVEL of every function."
  type        = string
  default     = "info"
  validation {
    # Lambda takes 4 KB of environment per function (docs/aws-limits.md).
    condition     = length(var.log_level) > 0 && length(var.log_level) <= 256
    error_message = "log_level is a tracing filter of 1 to 256 characters (e.g. info, or info,shared=debug)."
  }
}

variable "worker_batch_size" {
  description = "SQS messages per worker invocation. The worker creates predictions one after another within a batch. A larger batch does not raise the worker's memory: at most 5 outputs are copied at once per process (service::copy, MAX_PARALLEL_COPIES)."
  type        = number
  default     = 5
}

variable "worker_max_concurrency" {
  description = <<-EOT
    Maximum concurrent worker invocations (SQS event source maximum_concurrency, 2..1000).
    Replicate allows 600 prediction creates a minute (10/s). The worker creates one prediction
    at a time, and a create is an HTTPS round trip to Replicate (>= 200 ms), so at most
    worker_max_concurrency / 0.2 s = 10/s with the default 2. Raise it only together with a
    higher Replicate limit.
  EOT
  type        = number
  default     = 2

  validation {
    condition     = var.worker_max_concurrency >= 2 && var.worker_max_concurrency <= 1000
    error_message = "worker_max_concurrency must be between 2 and 1000 (an AWS limit)."
  }
}

# ---------------------------------------------------------------- API
variable "api_throttle_rate_limit" {
  description = "Steady-state requests per second for every API route."
  type        = number
  default     = 50
}

variable "api_throttle_burst_limit" {
  description = "Burst for every API route."
  type        = number
  default     = 100
}

variable "route_throttle_overrides" {
  description = "Per-route throttling, keyed \"METHOD /path\" as in routes.json."
  type = map(object({
    rate_limit  = number
    burst_limit = number
  }))
  default = {
    "POST /api/images/generate" = { rate_limit = 5, burst_limit = 10 }
    "POST /webhooks/replicate"  = { rate_limit = 20, burst_limit = 40 }
    # The public share read: a ceiling for all sources together, before any Lambda runs; the
    # per-source limit is PUBLIC_READS_PER_MINUTE, counted in the shares table.
    "POST /api/shared" = { rate_limit = 20, burst_limit = 40 }
  }
}

# ---------------------------------------------------------------- monitoring
variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic (confirm the subscription mail)."
  type        = string
  default     = ""
}

variable "per_function_alarms" {
  description = "Also alarm on each function's errors and throttles: two alarms per function of routes.json, about $0.10 each a month whether anything happens or not (docs/deploy.md, \"What an idle deployment costs\"). Off: the account-wide Lambda errors and throttles alarms cover them, and the log groups say which function."
  type        = bool
  default     = false
}

variable "budget_email" {
  description = "Optional e-mail for the AWS Budgets alert. The budget is created only when this and budget_amount_usd are set."
  type        = string
  default     = ""
}

variable "budget_amount_usd" {
  description = "Monthly AWS cost budget in USD (0 = no budget)."
  type        = number
  default     = 0
}
