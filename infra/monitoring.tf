# Alarms, published to an encrypted SNS topic (optional e-mail subscription): what an operator
# acts on. Lambda errors and throttles (all functions together), the two DLQs, API Gateway 5xx,
# the users' daily spend, a billed stray prediction, and an underpriced model. Each alarm costs the same whether anything
# happens or not (docs/deploy.md, "What an idle deployment costs"), so errors and throttles per
# function (two alarms for each of routes.json's functions) are off unless
# var.per_function_alarms is set: the account-wide alarm says that something fails, the
# functions' log groups say which. Optional monthly AWS Budgets alert.

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.main.arn
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email != "" ? 1 : 0

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = {
    generation_dlq = aws_sqs_queue.generation_dlq.name
    scheduler_dlq  = aws_sqs_queue.scheduler_dlq.name
  }

  alarm_name          = "${var.name_prefix}-${replace(each.key, "_", "-")}-not-empty"
  alarm_description   = "Messages in ${each.value}: failed work to inspect and redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Lambda publishes Errors and Throttles without dimensions too: the sum over every function in
# this account and region (so another stack's functions count as well).
resource "aws_cloudwatch_metric_alarm" "lambda_errors" {
  alarm_name          = "${var.name_prefix}-lambda-errors"
  alarm_description   = "A Lambda function in this account and region returned errors: the functions' log groups (/aws/lambda/${var.name_prefix}-*) say which and why."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "lambda_throttles" {
  alarm_name          = "${var.name_prefix}-lambda-throttles"
  alarm_description   = "A Lambda function in this account and region was throttled (account concurrency or an event source limit): docs/deploy.md §1 on the concurrency quota."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Users saw a server error: a function failed or timed out, or API Gateway could not reach it.
resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name_prefix}-api-5xx"
  alarm_description   = "The HTTP API answered 5xx (see its access log /aws/apigateway/${var.name_prefix}-http-api: integrationError, status)."
  namespace           = "AWS/ApiGateway"
  metric_name         = "5xx"
  dimensions          = { ApiId = aws_apigatewayv2_api.http.id }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# Per function: only with var.per_function_alarms (each costs like any alarm, idle or not).
resource "aws_cloudwatch_metric_alarm" "function_errors" {
  for_each = { for k, f in local.functions : k => f if var.per_function_alarms }

  alarm_name          = "${local.function_names[each.key]}-errors"
  alarm_description   = "${each.key} returned errors (see its log group)."
  namespace           = "AWS/Lambda"
  metric_name         = "Errors"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "function_throttles" {
  for_each = { for k, f in local.functions : k => f if var.per_function_alarms }

  alarm_name          = "${local.function_names[each.key]}-throttles"
  alarm_description   = "${each.key} was throttled (account concurrency or event source limit)."
  namespace           = "AWS/Lambda"
  metric_name         = "Throttles"
  dimensions          = { FunctionName = aws_lambda_function.function[each.key].function_name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_budgets_budget" "monthly" {
  count = var.budget_email != "" && var.budget_amount_usd > 0 ? 1 : 0

  name         = "${var.name_prefix}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.budget_amount_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = [var.budget_email]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = [var.budget_email]
  }
}

# ---- the operator's money (shared/src/metrics.rs, from any function that settles: EMF records)
# Every settled job that ran as a prediction reports ProviderCostMicros (what Replicate billed,
# shared/src/billing), OperatorLossMicros (the bill of a run no user paid for: a cancel after the
# model started, a failed run Replicate bills, a stray second prediction), MarginMicros (charged
# less provider cost) and UnderpricedRuns; a stray also reports StrayRuns. Two alarms, whatever the
# number of models (each alarm costs the same, idle or not):

# A second prediction of a job finished before it could be cancelled: Replicate billed it, the user
# was not (a sign that submissions or cancels go wrong, not a cost of doing business).
resource "aws_cloudwatch_metric_alarm" "stray_prediction" {
  alarm_name          = "${var.name_prefix}-stray-prediction"
  alarm_description   = "A job ran as two predictions and the extra one finished before it could be cancelled: Replicate billed it, the user was not charged (StrayRuns, OperatorLossMicros; the webhook log says which job: operator_loss_micros)."
  namespace           = "VisualNeurons"
  metric_name         = "StrayRuns"
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# One alarm for every model: the reconciler reads yesterday's operator ledger (per model: charged
# runs, and those whose provider cost exceeded the user's price) and reports how many models were
# underpriced on more than 10% of their runs (UnderpricedModels, no dimension; each model's share
# is UnderpricedSharePct). A CloudWatch alarm can't group per model itself: an alarm can't use
# SEARCH, and a day's share per model would otherwise take one alarm per model (docs/aws-limits.md).
resource "aws_cloudwatch_metric_alarm" "underpriced" {
  alarm_name          = "${var.name_prefix}-underpriced"
  alarm_description   = "Yesterday (UTC) a model's Replicate cost exceeded its user price on more than 10% of its runs: raise its catalog price or check its provider price rule (dashboard: provider cost and margin per model; UnderpricedSharePct says which)."
  namespace           = "VisualNeurons"
  metric_name         = "UnderpricedModels"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# ---- reconciliation with Replicate (shared/src/service/audit.rs) -------------------------------
# Each provider audit run logs one EMF record: ProviderOrphans (this deployment's predictions
# that no job knows: a create whose outcome was lost; running ones are cancelled), and, not
# alarmed, ForeignPredictions (another deployment's, `make dev`'s, a script's: never touched),
# StatusDisagreements and ProviderCostDrifts. The run's report is in the media bucket under
# reports/provider-audit/ (docs/deploy.md).
resource "aws_cloudwatch_metric_alarm" "provider_orphans" {
  alarm_name          = "${var.name_prefix}-provider-orphans"
  alarm_description   = "The provider audit found Replicate predictions of this deployment that no job knows (a lost create): running ones were cancelled, finished ones were billed to the operator. See the last report under reports/provider-audit/ (docs/deploy.md)."
  namespace           = "VisualNeurons"
  metric_name         = "ProviderOrphans"
  statistic           = "Maximum"
  period              = 3600
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

# ---- spend and jobs per model (shared/src/metrics.rs writes one EMF record per settled job) ----
# The functions log `VisualNeurons` metrics per Model and in total: Jobs, Succeeded, Failed,
# Canceled, CostMicros (what users were charged), TimeToResultMs, and the operator's figures
# above. SEARCH lists every model that reported, so a new catalog entry shows up with no change
# here.

resource "aws_cloudwatch_metric_alarm" "daily_spend" {
  alarm_name          = "${var.name_prefix}-daily-spend"
  alarm_description   = "Users were charged more than $${var.daily_spend_alarm_usd} in one day (all models)."
  namespace           = "VisualNeurons"
  metric_name         = "CostMicros"
  statistic           = "Sum"
  period              = 86400
  evaluation_periods  = 1
  threshold           = var.daily_spend_alarm_usd * 1000000
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

locals {
  per_model = "{VisualNeurons,Model}"
  dashboard_widgets = [
    {
      type = "metric", x = 0, y = 0, width = 12, height = 6
      properties = {
        title   = "Spend per model (USD per hour)"
        region  = var.region
        view    = "timeSeries"
        stacked = true
        period  = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"CostMicros\"', 'Sum', 3600)", id = "micros", visible = false }],
          [{ expression = "micros / 1000000", id = "usd", label = "" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 0, width = 12, height = 6
      properties = {
        title   = "Jobs per model"
        region  = var.region
        view    = "timeSeries"
        stacked = true
        period  = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"Jobs\"', 'Sum', 3600)", id = "jobs" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 6, width = 12, height = 6
      properties = {
        title  = "Failed and canceled jobs per model"
        region = var.region
        view   = "timeSeries"
        period = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"Failed\"', 'Sum', 3600)", id = "failed" }],
          [{ expression = "SEARCH('${local.per_model} MetricName=\"Canceled\"', 'Sum', 3600)", id = "canceled" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 6, width = 12, height = 6
      properties = {
        title  = "Time to result per model (p50, p90)"
        region = var.region
        view   = "timeSeries"
        period = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"TimeToResultMs\"', 'p50', 3600)", id = "p50" }],
          [{ expression = "SEARCH('${local.per_model} MetricName=\"TimeToResultMs\"', 'p90', 3600)", id = "p90" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 12, width = 12, height = 6
      properties = {
        title  = "Charged against provider cost, all models (USD per hour)"
        region = var.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 3600
        metrics = [
          ["VisualNeurons", "CostMicros", { id = "charged_micros", visible = false }],
          ["VisualNeurons", "ProviderCostMicros", { id = "provider_micros", visible = false }],
          ["VisualNeurons", "OperatorLossMicros", { id = "loss_micros", visible = false }],
          [{ expression = "charged_micros / 1000000", id = "charged", label = "charged to users" }],
          [{ expression = "provider_micros / 1000000", id = "provider", label = "billed by Replicate" }],
          [{ expression = "(charged_micros - provider_micros) / 1000000", id = "margin", label = "margin" }],
          [{ expression = "loss_micros / 1000000", id = "loss", label = "operator loss (runs no user paid for)" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 12, width = 12, height = 6
      properties = {
        title  = "Margin per model (USD per hour; below 0: the model cost more than it earned)"
        region = var.region
        view   = "timeSeries"
        period = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"MarginMicros\"', 'Sum', 3600)", id = "margin_micros", visible = false }],
          [{ expression = "margin_micros / 1000000", id = "margin_usd", label = "" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 18, width = 12, height = 6
      properties = {
        title   = "Provider cost per model (USD per hour)"
        region  = var.region
        view    = "timeSeries"
        stacked = true
        period  = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"ProviderCostMicros\"', 'Sum', 3600)", id = "provider_model_micros", visible = false }],
          [{ expression = "provider_model_micros / 1000000", id = "provider_model_usd", label = "" }],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 18, width = 12, height = 6
      properties = {
        title  = "Underpriced runs and operator loss per model"
        region = var.region
        view   = "timeSeries"
        period = 3600
        metrics = [
          [{ expression = "SEARCH('${local.per_model} MetricName=\"UnderpricedRuns\"', 'Sum', 3600)", id = "underpriced_runs" }],
          [{ expression = "SEARCH('${local.per_model} MetricName=\"OperatorLossMicros\"', 'Sum', 3600)", id = "loss_model_micros", visible = false }],
          [{ expression = "loss_model_micros / 1000000", id = "loss_model_usd", label = "" }],
        ]
      }
    },
    {
      type = "metric", x = 0, y = 24, width = 12, height = 6
      properties = {
        title  = "Provider audit: predictions no job knows, and disagreements (per run)"
        region = var.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 900
        metrics = [
          ["VisualNeurons", "ProviderOrphans"],
          ["VisualNeurons", "ForeignPredictions"],
          ["VisualNeurons", "StatusDisagreements"],
          ["VisualNeurons", "ProviderCostDrifts"],
        ]
      }
    },
    {
      type = "metric", x = 12, y = 24, width = 12, height = 6
      properties = {
        title  = "Dead-letter queues (messages waiting)"
        region = var.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 300
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.generation_dlq.name],
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.scheduler_dlq.name],
        ]
      }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "main" {
  dashboard_name = "${var.name_prefix}-studio"
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
}
