#!/usr/bin/env bash
# Static security scan of infra/ with checkov (pinned), in its own venv.
# checkov gets its own venv because it pins boto3 and replaces python-hcl2's module.
# Usage (from anywhere): scripts/checkov.sh        Exit code != 0 on any failed check.
# Skips are only allowed inline in the .tf files (#checkov:skip=CKV_...:reason).
set -euo pipefail

CHECKOV_VERSION="3.3.30"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-checkov"
PYTHON="${PYTHON:-python3}"

if [[ ! -x "$VENV/bin/checkov" ]] || [[ "$("$VENV/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]]; then
  echo "checkov: installing checkov==$CHECKOV_VERSION into .venv-checkov (first run takes a few minutes)" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi

cd "$ROOT"
# --framework terraform: HCL only (no plan, no secrets/other frameworks).
# --download-external-modules false: we use no remote modules and have no network for them.
# --skip-download: don't fetch guidelines/policies from the Bridgecrew/Prisma platform.
exec "$VENV/bin/checkov" \
  --directory infra \
  --framework terraform \
  --download-external-modules false \
  --skip-download \
  --compact \
  --quiet \
  "$@"
