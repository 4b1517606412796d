#!/usr/bin/env bash
# Terraform's own checks on infra/, when a terraform (or tofu) binary is on PATH:
#   1. fmt -check (always, offline)
#   2. validate, only when the hashicorp/aws provider can be loaded without the internet:
#      set TF_PLUGIN_DIR to a provider mirror directory (layout
#      registry.terraform.io/hashicorp/aws/<version>/<os>_<arch>/), or TF_VALIDATE_ONLINE=1 on
#      a machine that can reach the Terraform registry.
# Without a binary it says so and exits 0 (the HCL structure is still checked by
# `cargo test -p infra-check`, and security by scripts/checkov.sh).
# validate runs in a temporary copy (with the committed infra/.terraform.lock.hcl, so the provider
# must match its hashes), so no .terraform/ lands in the repo. `terraform test` (infra/tests/)
# is scripts/terraform-test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/terraform.sh
source "$ROOT/scripts/lib/terraform.sh"
find_terraform terraform-check
echo "terraform-check: using $TF_VERSION"
"$TF" fmt -check -diff -recursive "$ROOT/infra"
echo "terraform-check: fmt OK"

if [[ -z "${TF_PLUGIN_DIR:-}" && "${TF_VALIDATE_ONLINE:-0}" != "1" ]]; then
  echo "terraform-check: validate SKIPPED: the aws provider cannot be downloaded here; set TF_PLUGIN_DIR=<provider mirror> (or TF_VALIDATE_ONLINE=1 with internet access)."
  exit 0
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/infra"
cp "$ROOT"/infra/*.tf "$ROOT"/infra/*.json "$WORK/infra/"
cp "$ROOT/routes.json" "$WORK/"
if [[ -f "$ROOT/infra/.terraform.lock.hcl" ]]; then cp "$ROOT/infra/.terraform.lock.hcl" "$WORK/infra/"; fi

init_args=(-backend=false -input=false -no-color)
if [[ -n "${TF_PLUGIN_DIR:-}" ]]; then
  init_args+=("-plugin-dir=$TF_PLUGIN_DIR")
fi
(cd "$WORK/infra" && TF_IN_AUTOMATION=1 "$TF" init "${init_args[@]}" >"$WORK/init.log" 2>&1) || {
  cat "$WORK/init.log" >&2
  echo "terraform-check: init failed (see above)" >&2
  exit 1
}
(cd "$WORK/infra" && TF_IN_AUTOMATION=1 "$TF" validate -no-color)
echo "terraform-check: validate OK"
