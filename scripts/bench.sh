#!/usr/bin/env bash
# `make bench`: the performance budget of docs/design.md ("Performance budget").
#
#  1. Init: every function (the one release binary, vn-lambda, run as each function; native
#     x86_64 — arm64 can't run here) and a bare
#     lambda_runtime hello world (bench/hello), spawn -> first GET .../invocation/next from a
#     local Runtime API (bench/lambda_bench.py). Also checks init makes no connection.
#  2. Warm latency per invocation through that Runtime API, AWS calls to moto (.venv).
#  2b. Cold requests (what a user waits for): init + the first request + warm requests of fresh
#     processes, CPU and wall time, AWS (and the worker's Replicate) calls over TLS through a
#     keep-alive proxy with a test CA (bench/tls_proxy.py); projected to each function's memory
#     (routes.json), cross-checked with the CPU capped by a cgroup where the machine allows it.
#  3. Size (arm64 zips from scripts/package.sh) and peak RSS (VmHWM) after a few invocations.
#  4. Build time of scripts/package.sh (docs/decisions/0001-one-binary-per-function.md).
#  5. POST /api/images/generate at 64 parallel clients through the local gateway.
#  6. Media URL signing (bench/signing, which compiles shared/src/media/cdn.rs as shipped):
#     RSA-2048 vs ECDSA P-256 per signature, a 48-asset gallery page (96 URLs), projected to
#     128/256/512 MB, and the same page from the per-container URL cache.
#     BENCH_ONLY=signing runs just this part and prints it (docs/benchmarks.md is left alone).
#  7. Peak memory (VmHWM) while the worker copies a 200 MB video output into S3 (multipart).
#  8. What AWS costs per job (local/tests/aws_cost.rs, bench/aws_cost.py): one job of each kind
#     through the local stack's HTTP API, every AWS call its functions make metered by the
#     emulator (local/emulator/meter.py) and priced at bench/aws-prices.json's list prices, per
#     1,000 jobs next to the model cost. Its own dated section of docs/benchmark-runs.md
#     ("bench:awscost"). BENCH_ONLY=awscost runs just this part.
#  9. Prompt search on seeded accounts of 1,000 and 10,000 assets (local/tests/search_bench.rs):
#     read units and p50/p99 of a one- and a three-word query's first page through the local
#     gateway. Its own dated section of docs/benchmark-runs.md ("bench:search"); only with
#     BENCH_ONLY=search (seeding 10,000 assets takes minutes). SEARCH_BENCH_SIZES and
#     SEARCH_BENCH_N (requests a query, default 40) are passed through.
# 10. Peak memory (VmHWM) while the worker builds a selection zip of 500 files of 4 MiB
#     (2,000 MiB, under the 2 GiB cap; local/tests/zip_bench.rs): objects seeded into the
#     local bucket, the zip streamed into a multipart upload. Its own dated section of
#     docs/benchmark-runs.md ("bench:zip"); only with BENCH_ONLY=zip (it copies 4 GB through the
#     emulator). ZIP_BENCH_FILES and ZIP_BENCH_MIB are passed through.
# ---- 12. thumbnails' peak memory --------------------------------------------------------------
if [[ "${BENCH_ONLY:-}" == "thumbs" ]]; then
  log "thumbs: peak RSS of thumbnailing a 40 MP PNG and JPEG"
  mkdir -p "$TD"
  if ! { cargo test -q -p shared --test thumb_bench -- --ignored --nocapture --test-threads=1 &&
    cargo test -q -p local --test gallery_bytes_bench -- --ignored --nocapture; } >"$TD/thumbs.log" 2>&1; then
    cat "$TD/thumbs.log" >&2
    echo "bench: the thumbnail run failed (cargo test -p shared --test thumb_bench -- --ignored)" >&2
    exit 1
  fi
  today="$(date -u +%F)"; host="$(hostname)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
  {
    echo "<!-- bench:thumbs $today $host -->"
    echo "## Thumbnails' peak memory, run $today on $host"
    echo
    echo "Commit $rev; debug build; each source thumbnailed in a fresh process (see \"Thumbnails: peak memory\" in docs/benchmarks.md)."
    echo
    grep '^|' "$TD/thumbs.log"
    echo "<!-- /bench:thumbs -->"
  } >"$TD/thumbs-section.md"
  cat "$TD/thumbs-section.md"
  write_section thumbs "$TD/thumbs-section.md"
  exit 0
fi

# 11. Lighthouse (tests/browser/lighthouse-bench.mjs; npm lighthouse driving Debian's
#     Chromium, mobile preset, default simulated throttling): Performance, Accessibility and
#     Best Practices with LCP, TBT and CLS of the login page, the studio with results and a
#     200-item gallery, the median of LIGHTHOUSE_RUNS (default 3) runs, on a `vn-local dev`
#     stack of its own. Its own dated section of docs/benchmark-runs.md ("bench:lighthouse").
#     BENCH_ONLY=lighthouse runs just this part. (make test asserts Accessibility and Best
#     Practices ≥ 95; Performance is a timing and lives only here.)
# 12. Thumbnails' peak memory (shared/tests/thumb_bench.rs): a 40-megapixel PNG and a 40 MP
#     baseline JPEG thumbnailed (shared::thumb), each in a fresh process; VmHWM before and
#     after; and the image bytes of one 30-tile gallery page, files vs thumbnails
#     (local/tests/gallery_bytes_bench.rs). Its own dated section of docs/benchmark-runs.md
#     ("bench:thumbs").
#     BENCH_ONLY=thumbs runs just this part.
#
# BENCH_ONLY=smoke: one cold request per function over TLS (part 2b, one repetition, no cgroup
# cross-check) on a debug build, failing unless each function starts and answers without an
# error or a 5xx, then one round of part 8 (cold functions, ≈ 40 s), failing unless every job
# kind made the calls it must make, then a small round of part 9 (200 assets, 2 requests a
# query, ≈ 20 s), failing unless every search answers. It proves the harness runs (scripts/test.sh runs it); it
# times nothing and leaves docs/benchmarks.md alone. Only 127.0.0.1.
#
# Every function's environment comes from infra/environment.json (bench/lambda_bench.py), the
# list Terraform and the local stack read too: a name the bench must set without a value stops it.
#
# Prints a summary and rewrites today's section of docs/benchmark-runs.md (one per date + host; the findings are in docs/benchmarks.md).
# Only 127.0.0.1 is contacted. Knobs (environment):
#   BENCH_BUILD=quick        (default) build what is out of date, time it as found
#               incremental  also: touch shared/src/lib.rs, time scripts/package.sh again
#                            (≈ a one-line change in shared)
#               clean        also: delete the arm64 release dir first (≈ 11+ min on 2 cores)
#               none         use the zips already in target/lambda
#   BENCH_REPS=20  init runs per binary     BENCH_N=200  warm invocations (main functions)
#   BENCH_COLD_REPS=20  cold-request runs per binary (0: skip)
#   BENCH_CAPPED_MEM=128,256,512 (empty: skip)  BENCH_CAPPED_REPS=5  the cgroup cross-check
#   BENCH_DOC=docs/benchmark-runs.md           BENCH_SKIP_DOC=1  don't touch the doc
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BENCH_BUILD="${BENCH_BUILD:-quick}"
BENCH_REPS="${BENCH_REPS:-20}"
BENCH_N="${BENCH_N:-200}"
BENCH_DOC="${BENCH_DOC:-docs/benchmark-runs.md}"
BENCH_COLD_REPS="${BENCH_COLD_REPS:-20}"
BENCH_CAPPED_MEM="${BENCH_CAPPED_MEM:-128,256,512}"
BENCH_CAPPED_REPS="${BENCH_CAPPED_REPS:-5}"
TD="target/bench"            # native release builds: kept apart from the debug builds
ARM_LAMBDA_DIR="$TD/lambda"  # arm64 zip of hello (not a deployable function)
mkdir -p "$TD"
BUILDS="$TD/build-times.tsv"
: >"$BUILDS"

log() { echo "bench: $*" >&2; }
timed() { # timed LABEL CMD... : runs CMD, appends "LABEL<TAB>seconds" to $BUILDS
  local label="$1"; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  printf '%s\t%.1f\n' "$label" "$(echo "$t1 - $t0" | bc)" >>"$BUILDS"
  log "$label: $(tail -1 "$BUILDS" | cut -f2) s"
}

functions=()
for d in functions/*/; do [[ -f "$d/Cargo.toml" ]] && functions+=("$(basename "$d")"); done

# The baselines must be built exactly like the functions.
profile() { awk '/^\[profile\.release\]/{on=1;next} /^\[/{on=0} on&&NF' "$1"; }
for m in bench/hello/Cargo.toml bench/signing/Cargo.toml; do
  if [[ "$(profile Cargo.toml)" != "$(profile "$m")" ]]; then
    echo "bench: [profile.release] of $m differs from the workspace's; copy it over" >&2
    exit 1
  fi
  cp Cargo.lock "$(dirname "$m")/Cargo.lock" # same dependency versions as the functions
done

# ---- 6. media URL signing -----------------------------------------------------------------
signing_bench() {
  timed "native release build, signing bench" cargo build --quiet --release --target-dir "$TD" --manifest-path bench/signing/Cargo.toml
  "$TD/release/signing" >"$TD/signing.md"
}
if [[ "${BENCH_ONLY:-}" == "signing" ]]; then
  signing_bench
  cat "$TD/signing.md"
  exit 0
fi

scripts/venv.sh

# ---- 8. AWS cost per job ------------------------------------------------------------------
awscost() { # awscost ROUNDS OUT.md: metered (JSON in $TD/awscost.json), priced into OUT.md
  mkdir -p "$TD"
  if ! AWSCOST_ROUNDS="$1" AWSCOST_JSON="$ROOT/$TD/awscost.json" MOTO_PYTHON="${MOTO_PYTHON:-$ROOT/.venv/bin/python}" \
    cargo test -q -p local --test aws_cost -- --ignored --nocapture >"$TD/awscost.log" 2>&1; then
    cat "$TD/awscost.log" >&2
    echo "bench: the AWS cost run failed (cargo test -p local --test aws_cost -- --ignored)" >&2
    return 1
  fi
  .venv/bin/python bench/aws_cost.py "$TD/awscost.json" --check >"$2"
}
write_section() { # write_section TAG FILE: FILE replaces today's <!-- bench:TAG date host --> section
  [[ -n "${BENCH_SKIP_DOC:-}" ]] && return 0
  python3 - "$BENCH_DOC" "$2" "$(date -u +%F)" "$(hostname)" "$1" <<'PY'
import re, sys
from pathlib import Path
doc, section, today, host, tag = Path(sys.argv[1]), Path(sys.argv[2]).read_text(), sys.argv[3], sys.argv[4], sys.argv[5]
text = doc.read_text() if doc.exists() else "# Benchmarks\n\nWritten by `make bench` (scripts/bench.sh).\n"
pat = re.compile(r"<!-- bench:%s %s %s -->.*?<!-- /bench:%s -->\n?" % (tag, re.escape(today), re.escape(host), tag), re.S)
text = pat.sub(lambda _: section, text, count=1) if pat.search(text) else text.rstrip("\n") + "\n\n" + section
doc.write_text(text)
PY
  log "wrote the $(date -u +%F) $1 section of $BENCH_DOC"
}
awscost_section() { # the dated section of part 8
  local today host rev
  today="$(date -u +%F)"; host="$(hostname)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
  {
    echo "<!-- bench:awscost $today $host -->"
    echo "## AWS cost per job, run $today on $host"
    echo
    echo "Commit $rev; debug build of the local stack, the simulator for Replicate (see \"What AWS costs per job\")."
    echo
    cat "$TD/awscost.md"
    echo "<!-- /bench:awscost -->"
  } >"$TD/awscost-section.md"
}
if [[ "${BENCH_ONLY:-}" == "awscost" ]]; then
  log "AWS cost per job: one job of each kind through the local stack, metered"
  awscost 2 "$TD/awscost.md"
  awscost_section
  cat "$TD/awscost-section.md"
  write_section awscost "$TD/awscost-section.md"
  exit 0
fi

# ---- 9. prompt search on seeded accounts ------------------------------------------------
search_bench() { # search_bench SIZES REQUESTS OUT.md: the table of local/tests/search_bench.rs
  mkdir -p "$TD"
  if ! SEARCH_BENCH_SIZES="$1" SEARCH_BENCH_N="$2" MOTO_PYTHON="${MOTO_PYTHON:-$ROOT/.venv/bin/python}" \
    cargo test -q -p local --test search_bench -- --ignored --nocapture >"$TD/search.log" 2>&1; then
    cat "$TD/search.log" >&2
    echo "bench: the search run failed (cargo test -p local --test search_bench -- --ignored)" >&2
    return 1
  fi
  grep '^|' "$TD/search.log" >"$3"
}
if [[ "${BENCH_ONLY:-}" == "search" ]]; then
  log "prompt search: seeded accounts of ${SEARCH_BENCH_SIZES:-1000,10000} assets"
  search_bench "${SEARCH_BENCH_SIZES:-1000,10000}" "${SEARCH_BENCH_N:-40}" "$TD/search.md"
  today="$(date -u +%F)"; host="$(hostname)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
  {
    echo "<!-- bench:search $today $host -->"
    echo "## Prompt search on seeded accounts, run $today on $host"
    echo
    echo "Commit $rev; debug build of the local stack, the emulator's meter for read units (see \"Search at 10,000 assets\" in docs/benchmarks.md)."
    echo
    cat "$TD/search.md"
    echo "<!-- /bench:search -->"
  } >"$TD/search-section.md"
  cat "$TD/search-section.md"
  write_section search "$TD/search-section.md"
  exit 0
fi

# ---- 10. the worker's memory while it builds a 2 GB zip ---------------------------------------
if [[ "${BENCH_ONLY:-}" == "zip" ]]; then
  files="${ZIP_BENCH_FILES:-500}"; mib="${ZIP_BENCH_MIB:-4}"
  log "zip: the worker's peak RSS building a zip of $files files of $mib MiB"
  mkdir -p "$TD"
  if ! ZIP_BENCH_FILES="$files" ZIP_BENCH_MIB="$mib" MOTO_PYTHON="${MOTO_PYTHON:-$ROOT/.venv/bin/python}" \
    cargo test -q -p local --test zip_bench -- --ignored --nocapture >"$TD/zip.log" 2>&1; then
    cat "$TD/zip.log" >&2
    echo "bench: the zip run failed (cargo test -p local --test zip_bench -- --ignored)" >&2
    exit 1
  fi
  today="$(date -u +%F)"; host="$(hostname)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
  {
    echo "<!-- bench:zip $today $host -->"
    echo "## Peak memory of a 500-file zip, run $today on $host"
    echo
    echo "Commit $rev; debug build of the local stack, one process for the gateway, the simulator and the worker (see \"Zips\" in docs/benchmarks.md)."
    echo
    grep '^|' "$TD/zip.log"
    echo "<!-- /bench:zip -->"
  } >"$TD/zip-section.md"
  cat "$TD/zip-section.md"
  write_section zip "$TD/zip-section.md"
  exit 0
fi

# ---- 11. Lighthouse on the pages a daily user sees ------------------------------------------
lighthouse_bench() { # lighthouse_bench SECTION_FILE
  local port pid rc=0 today host rev
  cargo build --quiet -p local --bin vn-local
  scripts/browser-deps.sh
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  PORT="$port" DEMO_PASSWORD='Bench-Demo-Password-1' "${CARGO_TARGET_DIR:-target}/debug/vn-local" dev >"$TD/lighthouse-stack.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break; sleep 1; done
  (cd tests/browser && BASE_URL="http://127.0.0.1:$port" VN_LOCAL="$ROOT/${CARGO_TARGET_DIR:-target}/debug/vn-local" node lighthouse-bench.mjs) >"$TD/lighthouse.md" || rc=$?
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  if [[ "$rc" -ne 0 ]]; then
    cat "$TD/lighthouse.md" >&2
    echo "bench: the Lighthouse run failed (tests/browser/lighthouse-bench.mjs)" >&2
    return 1
  fi
  today="$(date -u +%F)"; host="$(hostname)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
  {
    echo "<!-- bench:lighthouse $today $host -->"
    echo "## Lighthouse on a phone, run $today on $host"
    echo
    echo "Commit $rev; debug build of the local stack (its own \`vn-local dev\`), Lighthouse $(node -p "require('./tests/browser/node_modules/lighthouse/package.json').version") mobile preset with its default simulated throttling, Debian's $(chromium --version 2>/dev/null | head -1) (see \"Lighthouse\" in docs/benchmarks.md)."
    echo
    cat "$TD/lighthouse.md"
    echo "<!-- /bench:lighthouse -->"
  } >"$1"
}
if [[ "${BENCH_ONLY:-}" == "lighthouse" ]]; then
  log "Lighthouse: login, studio with results, a 200-item gallery (mobile)"
  mkdir -p "$TD"
  lighthouse_bench "$TD/lighthouse-section.md"
  cat "$TD/lighthouse-section.md"
  write_section lighthouse "$TD/lighthouse-section.md"
  exit 0
fi

# ---- smoke: the harness runs (scripts/test.sh) -----------------------------------------------
if [[ "${BENCH_ONLY:-}" == "smoke" ]]; then
  # A debug build with bench-ca (the TLS proxy's test CA), in the usual target dir: its
  # dependencies are the ones `cargo build --workspace` already built. Never shipped:
  # scripts/package.sh builds its own release binaries.
  cargo build --quiet -p vn-lambda --features bench-ca
  debug_bin="${CARGO_TARGET_DIR:-target}/debug/vn-lambda"
  smoke_bins=()
  for f in "${functions[@]}"; do smoke_bins+=(--bin "$f=$debug_bin"); done
  log "smoke: one cold request per function (${#functions[@]}), debug build"
  .venv/bin/python bench/lambda_bench.py "${smoke_bins[@]}" --smoke --moto .venv/bin/moto_server \
    --json "$TD/smoke.json" --markdown "$TD/smoke.md" --log "$TD/smoke-functions.log" >/dev/null
  log "smoke: one job of each kind metered (AWS cost per job, one cold round)"
  awscost 1 "$TD/awscost-smoke.md"
  log "smoke: prompt search on a seeded 200-asset account (part 9, untimed)"
  search_bench 200 2 "$TD/search-smoke.md"
  exit 0
fi

# ---- builds --------------------------------------------------------------------------
log "native release build (target dir $TD)"
# --features bench-ca: the bench's TLS proxy has a test CA, which shipped builds (compiled-in
# roots only) never trust; this build also trusts the file named by VN_BENCH_CA_FILE.
timed "native release build, vn-lambda (as found)" cargo build --quiet --release --target-dir "$TD" -p vn-lambda --features bench-ca
timed "native release build, hello (as found)" cargo build --quiet --release --target-dir "$TD" --manifest-path bench/hello/Cargo.toml

lambda_build() { # lambda_build MANIFEST BIN: arm64 release zip of a bench crate, sharing
  # target/ with scripts/package.sh. cargo-lambda passes --target-dir to `cargo metadata` too
  # (rejected), so: env target dir; it leaves the binary at target/lambda/BIN/bootstrap, which
  # is moved out of target/lambda (where only deployable functions belong) and zipped by hand.
  PATH="$ROOT/.venv-lambda/bin:$PATH" CARGO_TARGET_DIR="$ROOT/target" \
    "$ROOT/.venv-lambda/bin/cargo-lambda" lambda build --quiet --release --arm64 --manifest-path "$1"
  local dir="$ARM_LAMBDA_DIR/$2" tmp
  tmp="$(mktemp -d)"
  mv "target/lambda/$2/bootstrap" "$tmp/bootstrap" && rmdir "target/lambda/$2"
  mkdir -p "$dir" && rm -f "$dir/bootstrap.zip"
  (cd "$tmp" && zip -q -j "$ROOT/$dir/bootstrap.zip" bootstrap)
  rm -rf "$tmp"
}

if [[ "$BENCH_BUILD" != none ]]; then
  if [[ "$BENCH_BUILD" == clean ]]; then
    log "clean: removing target/aarch64-unknown-linux-gnu/release"
    rm -rf target/aarch64-unknown-linux-gnu/release
    timed "package.sh, clean (all functions, arm64)" scripts/package.sh
  else
    timed "package.sh (as found)" scripts/package.sh
  fi
  timed "hello, arm64 (as found)" lambda_build bench/hello/Cargo.toml hello
  if [[ "$BENCH_BUILD" == incremental || "$BENCH_BUILD" == clean ]]; then
    touch shared/src/lib.rs
    timed "package.sh after touching shared" scripts/package.sh
  fi
fi

# ---- run -----------------------------------------------------------------------------
bins=(--bin "hello=$TD/release/hello")
for f in "${functions[@]}"; do bins+=(--bin "$f=$TD/release/vn-lambda"); done # the Lambda's name picks the function
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
log "running (init: $BENCH_REPS runs per binary; warm: $BENCH_N invocations)"
.venv/bin/python bench/lambda_bench.py "${bins[@]}" --reps "$BENCH_REPS" --n "$BENCH_N" \
  --cold-reps "$BENCH_COLD_REPS" --capped-mem "$BENCH_CAPPED_MEM" --capped-reps "$BENCH_CAPPED_REPS" \
  --moto .venv/bin/moto_server --json "$TD/results.json" --markdown "$TD/run.md" --log "$TD/functions.log" >/dev/null
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- sizes ---------------------------------------------------------------------------
size_row() { # name zip native-binary
  local zip="$1" nat="$2" name="$3" zb ub nb
  zb=$([[ -f "$zip" ]] && stat -c %s "$zip" || echo "")
  ub=$([[ -f "$zip" ]] && unzip -l "$zip" | awk 'NR>3 && $4=="bootstrap"{print $1}' || echo "")
  nb=$([[ -f "$nat" ]] && stat -c %s "$nat" || echo "")
  mb() { [[ -n "$1" ]] && echo "scale=2; $1/1048576" | bc | sed 's/^\./0./' || echo "–"; }
  echo "| $name | $(mb "$zb") | $(mb "$ub") | $(mb "$nb") |"
}
{
  echo "| binary | arm64 zip MiB | arm64 bootstrap MiB | native x86_64 MiB |"
  echo "|---|---:|---:|---:|"
  size_row "$ARM_LAMBDA_DIR/hello/bootstrap.zip" "$TD/release/hello" "hello"
  size_row "target/lambda/vn-lambda/bootstrap.zip" "$TD/release/vn-lambda" "vn-lambda (every function's zip)"
} >"$TD/sizes.md"

# ---- generate under load ---------------------------------------------------------------
# POST /api/images/generate through the local gateway at 64 parallel clients of one user
# (local/tests/load_generate.rs; debug build, emulator launcher, worker and webhooks running).
log "generate under load (64 clients through the local gateway)"
if ! cargo test -q -p local --test load_generate -- --ignored --nocapture 2>/dev/null | grep '^|' >"$TD/load.md"; then
  echo "(the load run failed: run \`cargo test -p local --test load_generate -- --ignored --nocapture\`)" >"$TD/load.md"
fi

log "media URL signing"
signing_bench

# ---- video copy memory -----------------------------------------------------------------
# The worker streams a 200 MB MP4 (simulator oversize-output, cap raised) into a multipart
# upload (local/tests/video_bench.rs; debug build of the local stack).
log "worker peak memory while copying a 200 MB video"
if ! cargo test -q -p local --test video_bench -- --ignored --nocapture 2>/dev/null | grep '^|' >"$TD/video.md"; then
  echo "(the video copy run failed: run \`cargo test -p local --test video_bench -- --ignored --nocapture\`)" >"$TD/video.md"
fi

# ---- image copies memory ---------------------------------------------------------------
# One batch of five copies of maximal images (64 MiB PNGs from the simulator), streamed into
# S3 (local/tests/image_bench.rs; debug build of the local stack).
log "worker peak memory while copying five 64 MiB images at once"
if ! cargo test -q -p local --test image_bench -- --ignored --nocapture 2>/dev/null | grep '^|' >"$TD/images.md"; then
  echo "(the image copy run failed: run \`cargo test -p local --test image_bench -- --ignored --nocapture\`)" >"$TD/images.md"
fi

# ---- AWS cost per job ------------------------------------------------------------------
log "AWS cost per job: one job of each kind through the local stack, metered"
if awscost 2 "$TD/awscost.md"; then
  awscost_section
else
  echo "(the AWS cost run failed: run \`BENCH_ONLY=awscost scripts/bench.sh\`)" >"$TD/awscost-section.md"
fi

# ---- Lighthouse ------------------------------------------------------------------------
log "Lighthouse: login, studio with results, a 200-item gallery (mobile)"
lighthouse_ok=1
lighthouse_bench "$TD/lighthouse-section.md" || lighthouse_ok=0

# ---- report --------------------------------------------------------------------------
host="$(hostname)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
ram="$(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
rev="$(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -z "$(git status --porcelain 2>/dev/null | head -1)" ]] || echo '+dirty')"
today="$(date -u +%F)"
{
  echo "<!-- bench:run $today $host -->"
  echo "## Run $today on $host"
  echo
  echo "Machine: $(nproc) cores, $cpu, $ram RAM; $(uname -sr); $(rustc --version). Commit $rev."
  echo "Load average before/after: $load_before / $load_after (the machine is shared; builds of other work may run)."
  echo "Binaries measured natively on x86_64 (arm64 can't run here); sizes are the arm64 zips."
  echo
  cat "$TD/run.md"
  echo
  echo "Sizes (goal: zip ≤ 3 MB; 1 MiB = 1 048 576 bytes):"
  echo
  cat "$TD/sizes.md"
  echo
  echo "POST /api/images/generate under load (debug build of the local stack; moto through the emulator launcher, which serializes DynamoDB and answers TransactionConflict; \"answer\" is one HTTP answer, \"accepted\" is the time until a 202 including waits on rate_limited):"
  echo
  cat "$TD/load.md"
  echo
  echo "Media URL signing (bench/signing; one vCPU; projected by Lambda's CPU share, 1769 MB = one vCPU):"
  echo
  cat "$TD/signing.md"
  echo
  echo "Worker copying a 200 MB video output (streamed into an S3 multipart upload, 8 MiB parts; the process also runs the gateway and the simulator):"
  echo
  cat "$TD/video.md"
  echo
  echo "Worker copying five 64 MiB images at once, one SQS batch (streamed, 8 MiB parts; the process also runs the gateway and the simulator):"
  echo
  cat "$TD/images.md"
  echo
  echo "Build times, BENCH_BUILD=$BENCH_BUILD (2 cores, shared):"
  echo
  echo "| step | seconds |"
  echo "|---|---:|"
  awk -F'\t' '{print "| " $1 " | " $2 " |"}' "$BUILDS"
  echo "<!-- /bench:run -->"
} >"$TD/section.md"

cat "$TD/section.md" "$TD/awscost-section.md"
write_section run "$TD/section.md"
if grep -q '^<!-- bench:awscost' "$TD/awscost-section.md"; then
  write_section awscost "$TD/awscost-section.md"
fi
if [[ "$lighthouse_ok" -eq 1 ]]; then
  cat "$TD/lighthouse-section.md"
  write_section lighthouse "$TD/lighthouse-section.md"
else
  echo "(the Lighthouse run failed: run \`BENCH_ONLY=lighthouse scripts/bench.sh\`)"
fi
