# Generation queue: images-generate sends, the worker consumes with partial batch responses.
# Messages that fail max_receive_count times go to the DLQ (alarmed in monitoring.tf).

locals {
  worker_timeout_s = local.functions["worker"].timeout_s
}

resource "aws_sqs_queue" "generation_dlq" {
  name                      = "${var.name_prefix}-generation-dlq"
  message_retention_seconds = 1209600 # 14 days: time to inspect and redrive
  kms_master_key_id         = aws_kms_key.main.arn
}

resource "aws_sqs_queue" "generation" {
  name = "${var.name_prefix}-generation"
  # AWS guidance for Lambda event sources: at least 6x the function timeout.
  visibility_timeout_seconds = 6 * local.worker_timeout_s
  message_retention_seconds  = 345600 # 4 days
  receive_wait_time_seconds  = 20
  kms_master_key_id          = aws_kms_key.main.arn

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.generation_dlq.arn
    maxReceiveCount     = 5
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "generation_dlq" {
  queue_url = aws_sqs_queue.generation_dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.generation.arn]
  })
}

# The reconciler's DLQ: events the scheduler could not deliver (after the schedule's own retries:
# its dead_letter_config), and runs that failed once invoked (a function error or timeout; Lambda
# does not retry them): the function's async failure destination (functions.tf).
resource "aws_sqs_queue" "scheduler_dlq" {
  name                      = "${var.name_prefix}-scheduler-dlq"
  message_retention_seconds = 1209600
  kms_master_key_id         = aws_kms_key.main.arn
}

locals {
  queues = {
    generation     = aws_sqs_queue.generation
    generation_dlq = aws_sqs_queue.generation_dlq
    scheduler_dlq  = aws_sqs_queue.scheduler_dlq
  }
}

data "aws_iam_policy_document" "queue_tls_only" {
  for_each = local.queues

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [each.value.arn]
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
}

resource "aws_sqs_queue_policy" "tls_only" {
  for_each = local.queues

  queue_url = each.value.id
  policy    = data.aws_iam_policy_document.queue_tls_only[each.key].json
}

resource "aws_lambda_event_source_mapping" "worker" {
  event_source_arn = aws_sqs_queue.generation.arn
  function_name    = aws_lambda_function.function["worker"].arn

  batch_size                         = var.worker_batch_size
  maximum_batching_window_in_seconds = 1
  # The worker answers {"batchItemFailures": [...]}: only failed messages are retried.
  function_response_types = ["ReportBatchItemFailures"]

  # Keeps prediction creates under Replicate's 600/minute (see var.worker_max_concurrency).
  scaling_config {
    maximum_concurrency = var.worker_max_concurrency
  }
}
