#!/usr/bin/env bash
# `terraform test` on infra/ (infra/tests/*.tftest.hcl): plans and applies the whole stack
# against a mocked AWS provider, offline. Needs a terraform (or tofu) binary and the
# hashicorp/aws provider: TF_PLUGIN_DIR=<provider mirror> (the machine image has
# /opt/tf-plugins), or TF_VALIDATE_ONLINE=1 with access to the Terraform registry.
# Without either it says so and exits 0. Runs in a temporary copy (with placeholder Lambda zips,
# which plan reads), so no .terraform/, state or zip lands in the repo.
# Then it breaks copies of infra/ the way issues #7 and #20 found them broken and expects the
# suite to fail on each with the matching message (TF_TEST_MUTATIONS=0 skips this part).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/terraform.sh
source "$ROOT/scripts/lib/terraform.sh"
find_terraform terraform-test "infra/tests/ did not run"
# Mocked providers with mock files (tests/mocks) need Terraform 1.7 or newer.
version="$(sed -E 's/^[^0-9]*([0-9]+)\.([0-9]+).*/\1 \2/' <<<"$TF_VERSION")"
read -r major minor <<<"$version"
if [[ "$TF" == *terraform* ]] && (( major < 1 || (major == 1 && minor < 7) )); then
  echo "terraform-test: SKIPPED: $TF_VERSION is older than 1.7, which mocked providers need; infra/tests/ did not run."
  exit 0
fi
if [[ -z "${TF_PLUGIN_DIR:-}" && -d /opt/tf-plugins ]]; then TF_PLUGIN_DIR=/opt/tf-plugins; fi
if [[ -z "${TF_PLUGIN_DIR:-}" && "${TF_VALIDATE_ONLINE:-0}" != "1" ]]; then
  echo "terraform-test: SKIPPED: the aws provider cannot be downloaded here; set TF_PLUGIN_DIR=<provider mirror> (or TF_VALIDATE_ONLINE=1 with internet access). infra/tests/ did not run."
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/infra/tests"
cp "$ROOT"/infra/*.tf "$ROOT"/infra/*.json "$WORK/infra/"
cp -r "$ROOT"/infra/tests/. "$WORK/infra/tests/"
if [[ -f "$ROOT/infra/.terraform.lock.hcl" ]]; then cp "$ROOT/infra/.terraform.lock.hcl" "$WORK/infra/"; fi
cp "$ROOT/routes.json" "$WORK/"
# Each function's role and Lambda get their own AWS-shaped ARNs, so "each function has its own
# role" compares distinct values and the provider's ARN validation passes.
python3 - "$ROOT/routes.json" > "$WORK/infra/tests/mocks/functions.tfmock.hcl" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["functions"]:
    fn = f"arn:aws:lambda:us-east-1:123456789012:function:mock-{f}"
    print(f'override_resource {{\n  target = aws_iam_role.function["{f}"]\n  values = {{ arn = "arn:aws:iam::123456789012:role/mock-{f}-role" }}\n}}')
    print(f'override_resource {{\n  target = aws_lambda_function.function["{f}"]\n  values = {{\n    arn        = "{fn}"\n    invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}/invocations"\n  }}\n}}')
PY
# functions.tf hashes each function's zip at plan time: placeholders stand in for `make package`.
for f in $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["functions"]))' "$ROOT/routes.json"); do
  mkdir -p "$WORK/target/lambda/$f"
  echo "placeholder for $f" > "$WORK/target/lambda/$f/bootstrap.zip"
done

init_args=(-backend=false -input=false -no-color)
if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then init_args+=("-plugin-dir=$TF_PLUGIN_DIR"); fi
(cd "$WORK/infra" && TF_IN_AUTOMATION=1 "$TF" init "${init_args[@]}" >"$WORK/init.log" 2>&1) || {
  cat "$WORK/init.log" >&2
  echo "terraform-test: init failed (see above)" >&2
  exit 1
}
echo "terraform-test: using $TF_VERSION"
(cd "$WORK/infra" && TF_IN_AUTOMATION=1 "$TF" test -no-color "$@")
echo "terraform-test: OK"

[[ "${TF_TEST_MUTATIONS:-1}" == "1" ]] || exit 0

# mutate <name> <test file> <expected text in the output> <file relative to the copy's root> <from> <to>
mutate() {
  local name="$1" file="$2" expect="$3" rel="$4" from="$5" to="$6"
  local copy="$WORK/mutant-$name"
  rm -rf "$copy" && mkdir -p "$copy"
  cp -a "$WORK/infra" "$WORK/routes.json" "$WORK/target" "$copy/"
  python3 - "$copy/$rel" "$from" "$to" <<'PY' || { echo "terraform-test: mutation $name: $4 no longer contains the text to break: update this script" >&2; exit 1; }
import sys
path, old, new = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new, 1))
PY
  local out rc=0
  out="$(cd "$copy/infra" && TF_IN_AUTOMATION=1 "$TF" test -no-color -filter="tests/$file" 2>&1)" || rc=$?
  if [[ $rc -eq 0 ]]; then
    echo "terraform-test: mutation $name was NOT caught by tests/$file" >&2
    exit 1
  fi
  # Terraform wraps long messages: compare with line breaks and runs of spaces folded.
  local folded
  folded="$(tr -s ' \n' '  ' <<<"$out")"
  if [[ "$folded" != *"$expect"* ]]; then
    echo "$out" >&2
    echo "terraform-test: mutation $name failed without the expected message: $expect" >&2
    exit 1
  fi
  rm -rf "$copy"
  echo "terraform-test: mutation $name caught"
}

mutate reconciler-cannot-requeue stack.tftest.hcl "the reconciler re-queues lost messages" \
  routes.json '"media": ["DeleteObject"], "queue": ["SendMessage"], "secrets": ["replicate_token"]' \
  '"media": ["DeleteObject"], "secrets": ["replicate_token"]'
mutate webhook-writes-media stack.tftest.hcl "the webhook writes no object and queues the copy" \
  routes.json '"idempotency": ["PutItem", "DeleteItem"] }, "queue": ["SendMessage"], "secrets": ["webhook_secret"]' \
  '"idempotency": ["PutItem", "DeleteItem"] }, "queue": ["SendMessage"], "media": ["PutObject"], "secrets": ["webhook_secret"]'
mutate reconciler-run-retried stack.tftest.hcl "a failed reconciler run must not be retried" \
  infra/functions.tf 'maximum_retry_attempts       = 0' 'maximum_retry_attempts       = 2'
mutate reconciler-cannot-reach-its-dlq stack.tftest.hcl "it needs sqs:SendMessage on the scheduler DLQ" \
  infra/functions.tf '} if trigger == "schedule"' '} if trigger == "never"'
mutate audit-writes-all-media stack.tftest.hcl "the provider audit writes its reports under reports/provider-audit/ only" \
  infra/functions.tf 'Resource = ["${aws_s3_bucket.media.arn}/reports/${name}/*"]' 'Resource = ["${aws_s3_bucket.media.arn}/*"]'
mutate audit-schedule-hourly stack.tftest.hcl "the provider audit runs every 15 minutes through the scheduler" \
  infra/functions.tf '"provider-audit" = 900' '"provider-audit" = 3600'
mutate no-orphan-alarm stack.tftest.hcl "an orphan of this deployment found by the provider audit" \
  infra/monitoring.tf 'metric_name         = "ProviderOrphans"' 'metric_name         = "ForeignPredictions"'
mutate short-hsts stack.tftest.hcl "HSTS must last at least a year" \
  infra/security-headers.json '"max_age_s": 63072000' '"max_age_s": 86400'
mutate uploads-with-credentials stack.tftest.hcl "the uploads origin, which only passes the upload form on, must have none" \
  infra/cdn.tf '    origin_id   = "uploads"
' '    origin_id   = "uploads"
    origin_access_control_id = aws_cloudfront_origin_access_control.s3.id
'
mutate media-without-signed-urls stack.tftest.hcl "CloudFront serves the media bucket only on /media/* with signed URLs" \
  infra/cdn.tf '    trusted_key_groups         = [aws_cloudfront_key_group.media.id]
' ''
mutate media-on-default-behaviour stack.tftest.hcl "CloudFront serves the media bucket only on /media/* with signed URLs" \
  infra/cdn.tf '    target_origin_id           = "frontend"' '    target_origin_id           = "media"'
mutate headers-not-from-the-file stack.tftest.hcl "the response headers policy must send what infra/security-headers.json says" \
  infra/cdn.tf 'frame_option = local.security_headers.frame_options' 'frame_option = "SAMEORIGIN"'
mutate no-partial-batch stack.tftest.hcl "partial batch responses" \
  infra/queue.tf 'function_response_types = ["ReportBatchItemFailures"]' 'function_response_types = []'
mutate short-visibility stack.tftest.hcl "at least 6x the worker timeout" \
  infra/queue.tf 'visibility_timeout_seconds = 6 * local.worker_timeout_s' 'visibility_timeout_seconds = 2 * local.worker_timeout_s'
mutate route-without-jwt stack.tftest.hcl "needs the JWT authorizer" \
  infra/api.tf 'authorization_type = each.value.auth ? "JWT" : "NONE"' 'authorization_type = "NONE"'
mutate wrong-audience stack.tftest.hcl "audience is not the SPA client" \
  infra/api.tf 'audience = [aws_cognito_user_pool_client.spa.id]' 'audience = [aws_cognito_user_pool.main.id]'
# Issue 19: infra/environment.json names what every function gets; Terraform gives each a value.
mutate env-name-without-value stack.tftest.hcl "gives them no value: METRICS" \
  infra/functions.tf '    METRICS                     = "emf"
' ''
mutate env-value-not-listed stack.tftest.hcl "does not list for Terraform: MEDIA_KEY_PAIR_ID" \
  infra/functions.tf '    METRICS                     = "emf"
' '    METRICS                     = "emf"
    MEDIA_KEY_PAIR_ID           = "K1"
'
mutate name-prefix-32 name_prefix.tftest.hcl 'run "longest_name_prefix_is_refused_one_longer"... fail' \
  infra/variables.tf '[a-z0-9-]{1,24}[a-z0-9]$' '[a-z0-9-]{1,30}[a-z0-9]$'
# Issue #20: what a first deploy, a tear-down and a redeploy depend on.
mutate logs-in-opt-in-region region.tftest.hcl 'run "cloudfront_logs_refused_af_south_1"... fail' \
  infra/variables.tf '"af-south-1", "ap-east-1",' '"ap-east-1",'
mutate secrets-kept-a-week-after-teardown deploy_settings.tftest.hcl "with deletion_protection off, secrets must be deleted at once" \
  infra/secrets.tf 'recovery_window_in_days = var.deletion_protection ? 7 : 0' 'recovery_window_in_days = 7'
# (the precondition made always true: what the plan did before it existed)
mutate domain-without-certificate deploy_settings.tftest.hcl 'run "domain_without_certificate_is_refused"... fail' \
  infra/cdn.tf 'condition     = var.domain_name == "" || var.acm_certificate_arn != ""' 'condition     = var.domain_name == "" || var.domain_name != ""'
mutate per-function-alarms-by-default deploy_settings.tftest.hcl "per-function alarms must be off by default" \
  infra/variables.tf '  type        = bool
  default     = false
}

variable "budget_email"' '  type        = bool
  default     = true
}

variable "budget_email"'
mutate hour-long-id-tokens deploy_settings.tftest.hcl "must expire within 15 minutes" \
  infra/auth.tf 'id_token_validity      = 15' 'id_token_validity      = 60'
# Issue #21: one underpriced alarm for every model, not one per model.
mutate underpriced-per-model stack.tftest.hcl "one underpriced alarm for all models" \
  infra/monitoring.tf '  metric_name         = "UnderpricedModels"
' '  metric_name         = "UnderpricedModels"
  dimensions          = { Model = "imagen-4" }
'
mutate dashboard-without-margin stack.tftest.hcl "the dashboard must show what users were charged against what Replicate billed" \
  infra/monitoring.tf '"(charged_micros - provider_micros) / 1000000"' '"charged_micros / 1000000"'
echo "terraform-test: every mutation caught"
