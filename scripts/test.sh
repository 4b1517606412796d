#!/usr/bin/env bash
# `make test`: installs what it needs, then runs every test:
#   1. unit + integration tests (cargo test; integration tests use moto and the simulator),
#      `make catalog-check` against the simulator (under a second), and the bench harness on a
#      debug build (BENCH_ONLY=smoke scripts/bench.sh: it runs, nothing timed),
#   2. infra checks (hcl parse test, checkov, terraform fmt/validate and `terraform test` with a
#      mocked AWS provider where terraform and a provider mirror exist); they share nothing with
#      the Rust tests, so they run beside them (the Rust tests mostly wait on the emulator) and
#      their output is shown, and checked, after them,
#   3. end-to-end: the real local stack (`vn-local dev`) driven over HTTP, checked by the
#      deployment smoke (scripts/smoke.py, `make smoke`) and driven in Chromium, then
#      schemathesis over docs/openapi.yaml against the same stack (scripts/schemathesis.sh),
#   4. a short load run on that stack (scripts/load.sh: 20 Locust users for 10 s, then checked).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

# What the disk has: a debug build with its tests takes over 10 GB (target/), the tools about
# 1 GB; a full disk fails anywhere, so say at once how much there was.
echo "==> free disk where the build goes: $(df -Ph . | awk 'NR==2 {print $4}')"
scripts/venv.sh
scripts/browser-deps.sh

pids=()
cleanup() { for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 "${2:-300}"); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done; echo "timed out waiting for $1" >&2; return 1; }

# Each stage's line says how long the run has taken so far (what a 40-minute budget is spent on).
stage() { printf '==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

stage "build"
cargo build --workspace --all-targets

stage "clippy (warnings are errors)"
cargo clippy --workspace --all-targets -- -D warnings

stage "infra checks start in the background (checkov, terraform fmt/validate, terraform test); results below"
if [ -z "${TF_PLUGIN_DIR:-}" ] && [ -d /opt/tf-plugins ]; then export TF_PLUGIN_DIR=/opt/tf-plugins; fi
mkdir -p target
(scripts/checkov.sh && scripts/terraform-check.sh && scripts/terraform-test.sh) > target/infra-checks.log 2>&1 &
infra_pid=$!; pids+=("$infra_pid")

stage "unit and integration tests (shared emulator, a fresh set of resources per test)"
MOTO_PORT=$(free_port)
.venv/bin/python local/emulator/moto_server.py -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 & pids+=($!)
wait_http "http://127.0.0.1:$MOTO_PORT/moto-api/"
MOTO_URL="http://127.0.0.1:$MOTO_PORT" cargo test --workspace

stage "make catalog-check against the simulator: the catalog and the simulator's schemas agree"
env -u REPLICATE_API_TOKEN LOG_LEVEL=warn ./target/debug/vn-local catalog-check

stage "the bench harness runs: one cold request per function over TLS, one metered job of each kind, debug build (make bench times and prices them)"
BENCH_ONLY=smoke scripts/bench.sh

stage "the fuzz targets without the AWS SDK: clippy, then a short mutation pass per target (make soak-fuzz: 10 min each)"
cargo clippy -p shared -p vn-fuzz --no-default-features --all-targets -- -D warnings
FUZZ_SECONDS=${FUZZ_SECONDS:-10} FUZZ_ENGINE=loop scripts/fuzz.sh

stage "infra checks (started beside the Rust tests)"
infra_rc=0; wait "$infra_pid" || infra_rc=$?
cat target/infra-checks.log
if [ "$infra_rc" -ne 0 ]; then echo "infra checks failed (exit $infra_rc)" >&2; exit 1; fi

stage "end-to-end against the running local stack"
PORT=$(free_port)
mkdir -p target/e2e
PORT=$PORT DEMO_PASSWORD='E2e-Demo-Password-1' ./target/debug/vn-local dev > target/e2e/stack.log 2>&1 & pids+=($!)
if ! wait_http "http://127.0.0.1:$PORT/api/health" 300; then cat target/e2e/stack.log; exit 1; fi
BASE_URL="http://127.0.0.1:$PORT"
E2E_BASE_URL=$BASE_URL E2E_DEMO_PASSWORD='E2e-Demo-Password-1' cargo test -p local --test e2e -- --ignored

stage "make smoke's deployment check against the same stack (the simulator: free)"
SMOKE_URL=$BASE_URL SMOKE_USERNAME=demo SMOKE_PASSWORD='E2e-Demo-Password-1' python3 scripts/smoke.py

stage "browser tests (headless Chromium against the same stack; each test file makes its own users)"
(cd tests/browser && BASE_URL=$BASE_URL VN_LOCAL="$ROOT/target/debug/vn-local" SCREENSHOT_DIR="$ROOT/target/browser" node --test --test-concurrency=1)

stage "hostile input: schemathesis, every phase, against the same stack (docs/reliability.md)"
BASE_URL=$BASE_URL VN_LOCAL="$ROOT/target/debug/vn-local" scripts/schemathesis.sh

stage "short load run (20 users for 10 s, its own users, after the browser tests; make soak-load runs 200 for 60 s)"
BASE_URL=$BASE_URL VN_LOCAL="$ROOT/target/debug/vn-local" LOAD_USERS=20 LOAD_SECONDS=10 scripts/load.sh
stage "all tests passed"
