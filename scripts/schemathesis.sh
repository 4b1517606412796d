#!/usr/bin/env bash
# Schemathesis (pinned in scripts/requirements.txt) against a running local stack, with a real
# token: every phase (examples, coverage, fuzzing, stateful) over docs/openapi.yaml. Fails on a
# 5xx, a response that breaks the schema, or a request the schema rejects that the API accepts.
#
#   BASE_URL=http://127.0.0.1:3000 scripts/schemathesis.sh
#
# BASE_URL: the stack (`vn-local dev`, started from this checkout); without it the script
# builds and starts one of its own (MOTO_PYTHON as for `make dev`) and stops it afterwards.
# VN_LOCAL: its binary (default target/debug/vn-local). SCHEMATHESIS_MAX_EXAMPLES: cases per
# operation and phase (default 12 for `make test`; a soak passes more). SCHEMATHESIS_WORKERS
# (default 1: with more threads, Hypothesis on Python 3.11 sometimes fails inside `ast.parse`
# with "AST constructor recursion depth mismatch"). SCHEMATHESIS_SEED: replay a run. Settings
# in scripts/schemathesis.toml; reports in target/schemathesis/. Which checks run, and the
# exceptions with their reasons, are in docs/reliability.md ("Hostile input").
set -euo pipefail
cd "$(dirname "$0")/.."
VN_LOCAL=${VN_LOCAL:-${CARGO_TARGET_DIR:-target}/debug/vn-local}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-12}
WORKERS=${SCHEMATHESIS_WORKERS:-1}
scripts/venv.sh

if [ -z "${BASE_URL:-}" ]; then
  cargo build -p local --bin vn-local
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p target/schemathesis
  PORT=$port DEMO_PASSWORD='Schemathesis-Demo-1' "$VN_LOCAL" dev > target/schemathesis/stack.log 2>&1 &
  stack=$!
  trap 'kill "$stack" 2>/dev/null || true; wait "$stack" 2>/dev/null || true' EXIT
  BASE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do curl -fsS -o /dev/null "$BASE_URL/api/health" 2>/dev/null && break; sleep 0.2; done
  curl -fsS -o /dev/null "$BASE_URL/api/health" || { cat target/schemathesis/stack.log; exit 1; }
fi

# A user of its own with a generous monthly limit: generation routes reserve budget, and a
# quota or rate answer (429) is a documented outcome, not a failure.
name="schemathesis-$(date +%s)-$RANDOM"
password='Schemathesis-Pass-1'
"$VN_LOCAL" user --name "$name" --password "$password" --permanent --limit 100000 >/dev/null
token=$(BASE_URL=$BASE_URL NAME=$name PASSWORD=$password .venv/bin/python - <<'EOF'
import json, os, urllib.request
base = os.environ["BASE_URL"]
config = json.load(urllib.request.urlopen(base + "/config.json"))
body = json.dumps({
    "AuthFlow": "USER_PASSWORD_AUTH",
    "ClientId": config["cognito"]["client_id"],
    "AuthParameters": {"USERNAME": os.environ["NAME"], "PASSWORD": os.environ["PASSWORD"]},
}).encode()
req = urllib.request.Request(config["cognito"]["endpoint"], data=body, headers={
    "Content-Type": "application/x-amz-json-1.1",
    "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
})
print(json.load(urllib.request.urlopen(req))["AuthenticationResult"]["IdToken"])
EOF
)

mkdir -p target/schemathesis
args=(
  --config-file scripts/schemathesis.toml
  run docs/openapi.yaml
  --url "$BASE_URL"
  --header "Authorization: Bearer $token"
  --phases examples,coverage,fuzzing,stateful
  --checks all
  # Each excluded check, and why, is in docs/reliability.md ("Hostile input").
  --exclude-checks unsupported_method
  # signOutEverywhere revokes the run's own token: every request after it would be a 401.
  --exclude-operation-id signOutEverywhere
  --max-examples "$MAX_EXAMPLES"
  --workers "$WORKERS"
  --request-timeout 30
  --generation-database none
  --suppress-health-check too_slow,filter_too_much
  --report junit
  --report-dir target/schemathesis
  --no-color
)
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then args+=(--seed "$SCHEMATHESIS_SEED"); fi
echo "==> schemathesis: all phases, $MAX_EXAMPLES examples per operation, $WORKERS workers, user $name"
start=$(date +%s)
status=0
.venv/bin/schemathesis "${args[@]}" || status=$?
echo "==> schemathesis finished in $(( $(date +%s) - start )) s (exit $status)"
exit "$status"
