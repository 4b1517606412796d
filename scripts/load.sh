#!/usr/bin/env bash
# The mixed load run of issue #13 (`make soak-load`; `make test` runs a short one):
# LOAD_USERS Locust users (default 200) for LOAD_SECONDS (default 60) against the local gateway
# on loopback, mixing reads and generations (tests/load/locustfile.py), then settles every job
# and checks errors 0, jobs lost 0, usage = succeeded costs, no reservation left
# (tests/load/check.py). Exits non-zero on any of those.
#
# The stack: with BASE_URL set, the running `vn-local dev` of this checkout (scripts/test.sh);
# otherwise this script builds vn-local and starts its own on a free port, and stops it after.
# Accounts: LOAD_ACCOUNTS real users (default: one per Locust user) made with `vn-local user`,
# each with a $1000 monthly limit; every Locust user logs in once through the emulated Cognito.
# Knobs: LOAD_USERS, LOAD_SECONDS, LOAD_SPAWN_RATE (users started per second, default 20),
# LOAD_ACCOUNTS, LOAD_MIN_GAP_S (seconds between one user's job starts, default 4: 15 a minute
# against JOB_STARTS_PER_MINUTE's 30), LOAD_SETTLE_S (default 1200:
# locally one worker loop drains the queue, 5 messages at a time, while the run's load is on), VN_LOCAL (the binary),
# LOAD_DIR (output: Locust CSVs, its log, the run's dump; default target/load).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

LOAD_USERS=${LOAD_USERS:-200}
LOAD_SECONDS=${LOAD_SECONDS:-60}
LOAD_SPAWN_RATE=${LOAD_SPAWN_RATE:-20}
LOAD_ACCOUNTS=${LOAD_ACCOUNTS:-$LOAD_USERS}
LOAD_DIR=${LOAD_DIR:-target/load}
given_vn_local=${VN_LOCAL:-}
VN_LOCAL=${VN_LOCAL:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/vn-local}
LOCUST_VERSION=2.47.0
BOTO3_VERSION=1.44.5

# Locust in its own venv: its gevent/flask pins stay apart from the emulator's (.venv).
venv=.venv-load
if [ ! -f "$venv/.locust-$LOCUST_VERSION" ]; then
  echo "==> installing locust $LOCUST_VERSION into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "locust==$LOCUST_VERSION" "boto3==$BOTO3_VERSION"
  touch "$venv/.locust-$LOCUST_VERSION"
fi

pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT
mkdir -p "$LOAD_DIR"
if [ -z "${BASE_URL:-}" ]; then
  [ -n "${MOTO_PYTHON:-}" ] || scripts/venv.sh
  [ -n "$given_vn_local" ] || cargo build -p local --bin vn-local
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PORT=$port DEMO_PASSWORD='Load-Demo-Password-1' "$VN_LOCAL" dev > "$LOAD_DIR/stack.log" 2>&1 & pid=$!
  BASE_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do curl -fsS -o /dev/null "$BASE_URL/api/health" 2>/dev/null && break; sleep 0.2; done
  curl -fsS -o /dev/null "$BASE_URL/api/health" || { cat "$LOAD_DIR/stack.log"; exit 1; }
fi

run="load-$(date +%s)-$$"
echo "==> load: $LOAD_ACCOUNTS accounts ($run-*), $LOAD_USERS users for ${LOAD_SECONDS}s against $BASE_URL"
seq 1 "$LOAD_ACCOUNTS" | xargs -P 8 -I{} "$VN_LOCAL" user --name "$run-{}" --password 'Load-Test-Pass-1' --permanent --limit 1000 > "$LOAD_DIR/users.log"
python3 -c 'import json,sys; print(json.dumps([{"name": f"{sys.argv[1]}-{i}", "password": "Load-Test-Pass-1"} for i in range(1, int(sys.argv[2]) + 1)]))' \
  "$run" "$LOAD_ACCOUNTS" > "$LOAD_DIR/accounts.json"

rm -f "$LOAD_DIR"/stats_*.csv "$LOAD_DIR/dump.json"
LOAD_ACCOUNTS_FILE="$LOAD_DIR/accounts.json" LOAD_OUT="$LOAD_DIR/dump.json" \
  "$venv/bin/locust" -f tests/load/locustfile.py --headless --host "$BASE_URL" \
  --users "$LOAD_USERS" --spawn-rate "$LOAD_SPAWN_RATE" --run-time "${LOAD_SECONDS}s" --stop-timeout 30 \
  --csv "$LOAD_DIR/stats" --only-summary --exit-code-on-error 0 > "$LOAD_DIR/locust.log" 2>&1 \
  || { tail -40 "$LOAD_DIR/locust.log"; exit 1; }

"$venv/bin/python" tests/load/check.py "$LOAD_DIR/dump.json" "$ROOT/.local/stack.json" "$BASE_URL"
