#!/usr/bin/env bash
# Creates .venv with the pinned AWS emulator (moto in server mode). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION=5.2.5
stamp=".venv/.moto-$MOTO_VERSION"
if [ -f "$stamp" ] && [ -x .venv/bin/moto_server ]; then exit 0; fi
echo "==> installing moto $MOTO_VERSION into .venv"
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check "moto[server,cognitoidp,dynamodb,s3,sqs,secretsmanager]==$MOTO_VERSION"
touch "$stamp"
