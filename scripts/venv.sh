#!/usr/bin/env bash
# Creates .venv with the pinned Python tools the tests use (scripts/requirements.txt): moto in
# server mode (the AWS emulator) and schemathesis (the API fuzzer, scripts/schemathesis.sh).
# Idempotent: reinstalls only when scripts/requirements.txt changes.
set -euo pipefail
cd "$(dirname "$0")/.."
req=scripts/requirements.txt
stamp=".venv/.requirements-$(sha256sum "$req" | cut -c1-16)"
if [ -f "$stamp" ] && [ -x .venv/bin/moto_server ] && [ -x .venv/bin/schemathesis ]; then exit 0; fi
echo "==> installing $(tr '\n' ' ' < "$req")into .venv"
python3 -m venv .venv
# No pip cache: a fresh machine installs once, and the cache would only take disk.
.venv/bin/pip install --quiet --disable-pip-version-check --no-cache-dir -r "$req"
rm -f .venv/.requirements-* .venv/.moto-*
touch "$stamp"
