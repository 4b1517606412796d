#!/usr/bin/env bash
# Deploys the stack: terraform apply in infra/, renders frontend-static/config.json from the
# outputs, syncs the frontend to its bucket and invalidates CloudFront.
# Needs: terraform (>= 1.6) and the aws CLI v2 with credentials for the target account
# (AWS_PROFILE / AWS_REGION as usual), and the zips from `make package`.
# Variables: infra/terraform.tfvars (auto-loaded) or TF_VAR_* environment variables.
# AUTO_APPROVE=1 skips terraform's confirmation prompt. Safe to run again at any time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF="${TERRAFORM:-terraform}"
cd "$ROOT"

for tool in "$TF" aws; do
  command -v "$tool" >/dev/null 2>&1 || { echo "deploy: '$tool' is not installed (see docs/deploy.md)" >&2; exit 1; }
done
[[ -d frontend-static ]] || { echo "deploy: frontend-static/ is missing" >&2; exit 1; }

missing=()
for dir in functions/*/; do
  name="$(basename "$dir")"
  [[ -f "target/lambda/$name/bootstrap.zip" ]] || missing+=("$name")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "deploy: no target/lambda/<name>/bootstrap.zip for: ${missing[*]}. Run 'make package' first." >&2
  exit 1
fi

echo "deploy: terraform init + apply (infra/)"
"$TF" -chdir=infra init -input=false
apply_args=(-input=false)
[[ "${AUTO_APPROVE:-0}" == "1" ]] && apply_args+=(-auto-approve)
"$TF" -chdir=infra apply "${apply_args[@]}"

out() { "$TF" -chdir=infra output -raw "$1"; }
BUCKET="$(out frontend_bucket)"
DISTRIBUTION="$(out cloudfront_distribution_id)"
REGION="$(out region)"

echo "deploy: rendering frontend-static/config.json"
"$TF" -chdir=infra output -json frontend_config >frontend-static/config.json.tmp
mv frontend-static/config.json.tmp frontend-static/config.json

echo "deploy: syncing frontend-static/ to s3://$BUCKET"
# Everything but the entry points may be cached; index.html and config.json must not be.
aws s3 sync frontend-static/ "s3://$BUCKET/" --region "$REGION" --delete \
  --exclude "index.html" --exclude "config.json" --exclude "node_modules/*" \
  --cache-control "public, max-age=300"
for f in index.html config.json; do
  if [[ -f "frontend-static/$f" ]]; then
    aws s3 cp "frontend-static/$f" "s3://$BUCKET/$f" --region "$REGION" \
      --cache-control "no-cache"
  fi
done

echo "deploy: invalidating CloudFront $DISTRIBUTION"
aws cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*" \
  --query 'Invalidation.Id' --output text

echo "deploy: done. Open $(out public_base_url)"
echo "deploy: Replicate webhook URL: $(out webhook_url)"
