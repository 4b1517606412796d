#!/usr/bin/env bash
# `terraform test` on infra/ (infra/tests/*.tftest.hcl): plans and applies the whole stack
# against a mocked AWS provider, offline. Needs a terraform (or tofu) binary and the
# hashicorp/aws provider: TF_PLUGIN_DIR=<provider mirror> (the machine image has
# /opt/tf-plugins), or TF_VALIDATE_ONLINE=1 with access to the Terraform registry.
# Without either it says so and exits 0. Runs in a temporary copy (with placeholder Lambda zips,
# which plan reads), so no .terraform/, state or zip lands in the repo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TF="${TERRAFORM:-}"
if [[ -z "$TF" ]]; then
  for candidate in terraform tofu; do
    if command -v "$candidate" >/dev/null 2>&1; then TF="$candidate"; break; fi
  done
fi
if [[ -z "$TF" ]]; then
  echo "terraform-test: SKIPPED: no terraform or tofu binary on PATH (none is installable from PyPI/npm/apt here); infra/tests/ did not run."
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
cp "$ROOT"/infra/*.tf "$ROOT/infra/tables.json" "$WORK/infra/"
cp "$ROOT"/infra/tests/*.tftest.hcl "$WORK/infra/tests/"
if [[ -f "$ROOT/infra/.terraform.lock.hcl" ]]; then cp "$ROOT/infra/.terraform.lock.hcl" "$WORK/infra/"; fi
cp "$ROOT/routes.json" "$WORK/"
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
echo "terraform-test: using $("$TF" version | head -n1)"
(cd "$WORK/infra" && TF_IN_AUTOMATION=1 "$TF" test -no-color "$@")
echo "terraform-test: OK"
