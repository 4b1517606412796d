# One Lambda per entry of routes.json "functions" (the same file the local gateway reads), each
# with its own log group and its own least-privilege role generated from its "access" block.
# tools/infra-check (cargo test -p infra-check) evaluates these blocks against functions/ and
# routes.json, so a function without Lambda, role or log group fails the build.

locals {
  route_table = jsondecode(file("${path.module}/../routes.json"))
  functions   = local.route_table.functions
  routes      = { for r in local.route_table.routes : "${r.method} ${r.path}" => r }

  function_names = { for name, f in local.functions : name => "${var.name_prefix}-${name}" }

  # PUBLIC_BASE_URL without a dependency cycle: the distribution depends on the API
  # (aws_apigatewayv2_api.http only, not on routes or integrations) and on the buckets, never on
  # a function, so the functions may depend on the distribution's domain. With a custom domain
  # the URL is known before anything is created.
  public_base_url = var.domain_name != "" ? "https://${var.domain_name}" : "https://${aws_cloudfront_distribution.main.domain_name}"

  # The environment: the names are infra/environment.json's (the one list the local stack and
  # the bench read too; shared/src/environment.rs holds it to the code), the values are these.
  # Every function gets each name whose set_by has "terraform" (VN_HANDLER: its own name); the
  # Lambdas' preconditions fail the plan on a name without a value here, or a value here whose
  # name is not Terraform's to set.
  environment_list  = jsondecode(file("${path.module}/environment.json")).variables
  environment_names = [for name, v in local.environment_list : name if contains(v.set_by, "terraform")]
  function_environment = {
    JOBS_TABLE                  = aws_dynamodb_table.table["jobs"].name
    ASSETS_TABLE                = aws_dynamodb_table.table["assets"].name
    USAGE_TABLE                 = aws_dynamodb_table.table["usage"].name
    IDEMPOTENCY_TABLE           = aws_dynamodb_table.table["idempotency"].name
    SHARES_TABLE                = aws_dynamodb_table.table["shares"].name
    MEDIA_BUCKET                = aws_s3_bucket.media.id
    GENERATION_QUEUE_URL        = aws_sqs_queue.generation.url
    REPLICATE_TOKEN_SECRET_ID   = aws_secretsmanager_secret.secret["replicate_token"].arn
    WEBHOOK_SECRET_ID           = aws_secretsmanager_secret.secret["webhook_secret"].arn
    MEDIA_SIGNING_KEY_SECRET_ID = aws_secretsmanager_secret.secret["media_signing_key"].arn
    MEDIA_BASE_URL              = "${local.public_base_url}/media"
    PUBLIC_BASE_URL             = local.public_base_url
    MONTHLY_LIMIT_USD           = var.monthly_limit_usd
    STORAGE_LIMIT_MB            = var.storage_limit_mb
    JOB_STARTS_PER_MINUTE       = var.job_starts_per_minute
    PUBLIC_READS_PER_MINUTE     = var.public_reads_per_minute
    METRICS                     = "emf"
    OUTPUT_HOST_ALLOWLIST       = "https://replicate.delivery,https://*.replicate.delivery"
    RECONCILE_AFTER_S           = var.reconcile_after_s
    UNSAVED_EXPIRATION_DAYS     = var.unsaved_expiration_days
    TRASH_RETENTION_DAYS        = var.trash_retention_days
    LOG_LEVEL                   = var.log_level
  }
  environment_without_value = [for name in local.environment_names : name if name != "VN_HANDLER" && try(trimspace(local.function_environment[name]), "") == ""]
  environment_not_listed    = [for name, v in local.function_environment : name if !contains(local.environment_names, name)]

  # ---- least privilege, generated from routes.json "access" --------------------------------
  # "access" lists the actions each function's code calls, per resource (tools/infra-check
  # derives the calls from the code and fails on a call without a grant or a grant without a
  # call). Presigning counts: a presigned GET is s3:GetObject made with the signer's role.
  # An SQS-triggered function also gets what the event source mapping needs (it polls with the
  # function's role): ReceiveMessage, DeleteMessage, GetQueueAttributes.
  event_source_actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
  # Actions that write new ciphertext under the stack's key (so need kms:GenerateDataKey).
  write_actions = ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "s3:PutObject", "sqs:SendMessage"]
  # KMS use through the services a function talks to (tables, bucket, queue and secrets share one CMK).
  kms_service = {
    tables       = "dynamodb"
    media        = "s3"
    media_bucket = "s3"
    reports      = "s3"
    queue        = "sqs"
    secrets      = "secretsmanager"
  }

  function_actions = {
    for name, f in local.functions : name => concat(
      flatten([for table, actions in lookup(f.access, "tables", {}) : [for a in actions : "dynamodb:${a}"]]),
      [for a in lookup(f.access, "media", []) : "s3:${a}"],
      [for a in lookup(f.access, "media_bucket", []) : "s3:${a}"],
      [for a in lookup(f.access, "reports", []) : "s3:${a}"],
      [for a in lookup(f.access, "queue", []) : "sqs:${a}"],
    )
  }
  # A scheduled function's failed run is sent to its failure destination, an SQS queue under
  # the stack's key, by Lambda with the function's role: a write through SQS.
  function_writes = {
    for name, f in local.functions : name => f.trigger == "schedule" || length([for a in local.function_actions[name] : a if contains(local.write_actions, a)]) > 0
  }
  function_kms_services = {
    for name, f in local.functions : name => distinct(concat(
      [for kind, svc in local.kms_service : svc if length(lookup(f.access, kind, [])) > 0],
      f.trigger == "sqs" || f.trigger == "schedule" ? ["sqs"] : [],
    ))
  }

  function_policy_statements = {
    for name, f in local.functions : name => concat(
      [
        {
          Sid      = "OwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.function[name].arn}:*"]
        },
        {
          # X-Ray's write actions have no resource-level permissions.
          Sid      = "Tracing"
          Effect   = "Allow"
          Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
          Resource = ["*"]
        },
        {
          Sid      = "EnvironmentKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt"]
          Resource = [aws_kms_key.main.arn]
          Condition = {
            StringEquals = { "kms:ViaService" = ["lambda.${local.region}.amazonaws.com"] }
          }
        },
      ],
      [
        for table, actions in lookup(f.access, "tables", {}) : {
          Sid      = "Table${replace(title(table), "-", "")}"
          Effect   = "Allow"
          Action   = [for a in actions : "dynamodb:${a}"]
          Resource = [aws_dynamodb_table.table[table].arn]
        }
      ],
      [
        # Of the actions, only Query reads an index.
        for table, actions in lookup(f.access, "tables", {}) : {
          Sid      = "Table${replace(title(table), "-", "")}Indexes"
          Effect   = "Allow"
          Action   = ["dynamodb:Query"]
          Resource = ["${aws_dynamodb_table.table[table].arn}/index/*"]
        } if contains(actions, "Query")
      ],
      [
        for actions in [lookup(f.access, "media", [])] : {
          Sid      = "Media"
          Effect   = "Allow"
          Action   = [for a in actions : "s3:${a}"]
          Resource = ["${aws_s3_bucket.media.arn}/users/*"]
        } if length(actions) > 0
      ],
      [
        # Bucket-level actions (s3:ListBucketVersions: the trash's purge lists an object's
        # versions) are authorized on the bucket's ARN, not on an object's.
        for actions in [lookup(f.access, "media_bucket", [])] : {
          Sid      = "MediaBucket"
          Effect   = "Allow"
          Action   = [for a in actions : "s3:${a}"]
          Resource = [aws_s3_bucket.media.arn]
        } if length(actions) > 0
      ],
      [
        # Operator reports: each function writes under its own reports/<function>/ only.
        for actions in [lookup(f.access, "reports", [])] : {
          Sid      = "Reports"
          Effect   = "Allow"
          Action   = [for a in actions : "s3:${a}"]
          Resource = ["${aws_s3_bucket.media.arn}/reports/${name}/*"]
        } if length(actions) > 0
      ],
      [
        for actions in [lookup(f.access, "queue", [])] : {
          Sid      = "Queue"
          Effect   = "Allow"
          Action   = [for a in actions : "sqs:${a}"]
          Resource = [aws_sqs_queue.generation.arn]
        } if length(actions) > 0
      ],
      [
        for trigger in [f.trigger] : {
          Sid      = "EventSource"
          Effect   = "Allow"
          Action   = local.event_source_actions
          Resource = [aws_sqs_queue.generation.arn]
        } if trigger == "sqs"
      ],
      [
        # Lambda sends a scheduled function's failed run to its failure destination
        # (aws_lambda_function_event_invoke_config.scheduled) with the function's own role.
        for trigger in [f.trigger] : {
          Sid      = "FailureDestination"
          Effect   = "Allow"
          Action   = ["sqs:SendMessage"]
          Resource = [aws_sqs_queue.scheduler_dlq.arn]
        } if trigger == "schedule"
      ],
      [
        for secrets in [lookup(f.access, "secrets", [])] : {
          Sid      = "Secrets"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue"]
          Resource = [for s in secrets : aws_secretsmanager_secret.secret[s].arn]
        } if length(secrets) > 0
      ],
      [
        for services in [local.function_kms_services[name]] : {
          Sid    = "DataKey"
          Effect = "Allow"
          # Readers may only decrypt; a data key for new ciphertext only for writers/senders.
          Action   = concat(["kms:Decrypt", "kms:DescribeKey"], local.function_writes[name] ? ["kms:GenerateDataKey"] : [])
          Resource = [aws_kms_key.main.arn]
          Condition = {
            StringEquals = { "kms:ViaService" = [for svc in services : "${svc}.${local.region}.amazonaws.com"] }
          }
        } if length(services) > 0
      ],
    )
  }
}

resource "aws_cloudwatch_log_group" "function" {
  for_each = local.functions

  name              = "/aws/lambda/${local.function_names[each.key]}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "function" {
  for_each = local.functions

  name               = "${local.function_names[each.key]}-role"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json
}

resource "aws_iam_role_policy" "function" {
  for_each = local.functions

  name = "least-privilege"
  role = aws_iam_role.function[each.key].id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.function_policy_statements[each.key]
  })
}

resource "aws_lambda_function" "function" {
  for_each = local.functions
  #checkov:skip=CKV_AWS_115:Reserved concurrency fails on new accounts (10-execution quota, 10 must stay unreserved); load is bounded by API route throttling and the worker's event source maximum_concurrency.
  #checkov:skip=CKV_AWS_116:No function needs a dead-letter queue of its own: HTTP functions are synchronous, the worker's failed messages go to the generation queue's DLQ (redrive), and the reconciler's failed runs go to the scheduler DLQ as its async failure destination (aws_lambda_function_event_invoke_config.scheduled below).
  #checkov:skip=CKV_AWS_117:No VPC resources to reach; a VPC would need a NAT gateway for Replicate and adds cost and cold-start latency without protecting anything.
  #checkov:skip=CKV_AWS_272:Zips are built from this repository by the same operator who deploys (make package && make deploy); there is no third-party artifact to verify.

  function_name = local.function_names[each.key]
  description   = "Visual Neurons ${each.key} (${each.value.trigger})"
  role          = aws_iam_role.function[each.key].arn

  runtime       = "provided.al2023"
  architectures = ["arm64"]
  handler       = "bootstrap"
  # Built by `make package`: one binary for all functions (docs/decisions/0001), copied to each
  # function's path; VN_HANDLER tells it which function this Lambda is.
  filename         = "${path.module}/../target/lambda/${each.key}/bootstrap.zip"
  source_code_hash = filebase64sha256("${path.module}/../target/lambda/${each.key}/bootstrap.zip")

  memory_size = each.value.memory_mb
  timeout     = each.value.timeout_s
  kms_key_arn = aws_kms_key.main.arn

  environment {
    variables = { for name in local.environment_names : name => lookup(merge(local.function_environment, { VN_HANDLER = each.key }), name, "") }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  tracing_config {
    mode = "Active"
  }

  lifecycle {
    precondition {
      condition     = length(local.environment_without_value) == 0
      error_message = "infra/environment.json says Terraform sets these, but functions.tf gives them no value: ${join(", ", local.environment_without_value)}."
    }
    precondition {
      condition     = length(local.environment_not_listed) == 0
      error_message = "functions.tf sets environment variables that infra/environment.json does not list for Terraform: ${join(", ", local.environment_not_listed)}."
    }
  }

  depends_on = [aws_iam_role_policy.function]
}

# ---- scheduled functions through EventBridge Scheduler ----------------------------------------
# The reconciler every 5 minutes; the provider audit (reconciliation with Replicate) every 15;
# the trash sweep (purges what stayed var.trash_retention_days in the trash) every hour.

locals {
  scheduled_functions = { for name, f in local.functions : name => f if f.trigger == "schedule" }
  # How often the scheduler starts each scheduled function (routes.json "trigger": "schedule").
  schedule_every_s = {
    reconciler       = 300
    "provider-audit" = 900
    "trash-sweep"    = 3600
  }
  schedule_descriptions = {
    reconciler       = "Settles jobs whose Replicate webhook never came."
    "provider-audit" = "Reconciles the Replicate account's predictions with the jobs."
    "trash-sweep"    = "Purges for good what stayed trash_retention_days in the trash: record, object and its every version."
  }
}

# The scheduler invokes each scheduled function asynchronously. Lambda would retry a failed run twice, up
# to hours later, overlapping the next runs, which do the same work: no retries. A run that
# failed (a function error or timeout), or waited in Lambda's queue so long that it would end
# after the next run began, goes to the scheduler DLQ (alarmed: monitoring.tf) as the
# invocation's failure destination. The schedule's own dead_letter_config only gets the events
# the scheduler could not deliver; a delivered event's failure never reaches it.
resource "aws_lambda_function_event_invoke_config" "scheduled" {
  for_each = local.scheduled_functions

  function_name                = aws_lambda_function.function[each.key].function_name
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = local.schedule_every_s[each.key] - each.value.timeout_s

  destination_config {
    on_failure {
      destination = aws_sqs_queue.scheduler_dlq.arn
    }
  }
}

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name_prefix}-scheduler-role"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
}

resource "aws_iam_role_policy" "scheduler" {
  name = "invoke-scheduled"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeScheduled"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [for name in sort(keys(local.scheduled_functions)) : aws_lambda_function.function[name].arn]
      },
      {
        Sid      = "DeadLetter"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [aws_sqs_queue.scheduler_dlq.arn]
      },
      {
        Sid      = "DeadLetterKey"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = [aws_kms_key.main.arn]
        Condition = {
          StringEquals = { "kms:ViaService" = ["sqs.${local.region}.amazonaws.com"] }
        }
      },
    ]
  })
}

moved {
  from = aws_scheduler_schedule.reconciler
  to   = aws_scheduler_schedule.scheduled["reconciler"]
}

resource "aws_scheduler_schedule" "scheduled" {
  #checkov:skip=CKV_AWS_297:The schedule carries no data (empty input, fixed target), so a customer managed key protects nothing here.
  for_each = local.scheduled_functions

  name                         = "${var.name_prefix}-${each.key}"
  description                  = local.schedule_descriptions[each.key]
  schedule_expression          = "rate(${local.schedule_every_s[each.key] / 60} minutes)"
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.function[each.key].arn
    role_arn = aws_iam_role.scheduler.arn
    input    = jsonencode({ source = "scheduler" })

    # Retries and the DLQ of the delivery only (the invoke refused or throttled); a run that
    # fails once invoked goes to the same DLQ through the Lambda's failure destination above.
    retry_policy {
      maximum_event_age_in_seconds = 300
      maximum_retry_attempts       = 2
    }

    dead_letter_config {
      arn = aws_sqs_queue.scheduler_dlq.arn
    }
  }
}
