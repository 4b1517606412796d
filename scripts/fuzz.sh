#!/usr/bin/env bash
# Fuzzes the pure parsers (fuzz/, package vn-fuzz: no AWS SDK) for FUZZ_SECONDS per target
# (default 600) and prints, per target, iterations, distinct inputs, time and crashes.
#   FUZZ_ENGINE=loop       the built-in mutation loop over fuzz/corpus/<target>/ (make test)
#   FUZZ_ENGINE=libfuzzer  cargo fuzz (libFuzzer, coverage guided) on the stable toolchain with
#                          `-s none` (no sanitizer); installs cargo-fuzz if it is missing.
#   FUZZ_TARGETS="webhook request"   a subset (default: all five).
# Exits non-zero when any target crashes; a crash input is kept under fuzz/crashes/<target>/
# (loop) or fuzz/artifacts/<target>/ (libfuzzer), to become a corpus file and a named test.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${FUZZ_SECONDS:-600}
ENGINE=${FUZZ_ENGINE:-loop}
TARGETS=${FUZZ_TARGETS:-webhook request cursor catalog media}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

if [ "$ENGINE" = loop ]; then
  cargo build -q -p vn-fuzz --bin vn-fuzz
  # shellcheck disable=SC2086
  exec "$TARGET_DIR/debug/vn-fuzz" --seconds "$SECS" $TARGETS
fi

[ "$ENGINE" = libfuzzer ] || { echo "FUZZ_ENGINE is loop or libfuzzer, not $ENGINE" >&2; exit 2; }
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
# The workspace's release profile is for Lambda size (opt z, fat LTO, one codegen unit): too
# slow to build for fuzzing, so it is relaxed here.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_OPT_LEVEL=2 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_STRIP=false
failed=0
printf '%-8s %11s %9s %9s %7s %7s\n' target iterations corpus new_units secs crashes
for t in $TARGETS; do
  cargo fuzz build -s none --features libfuzzer "$t" >/dev/null
  work="$TARGET_DIR/fuzz-corpus/$t"   # new inputs land here, not in the committed corpus
  mkdir -p "$work" "fuzz/artifacts/$t"
  log="$TARGET_DIR/fuzz-corpus/$t.log"
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  start=$(date +%s)
  rc=0
  cargo fuzz run -s none --features libfuzzer "$t" "$work" "fuzz/corpus/$t" -- \
    -max_total_time="$SECS" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=262144 >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  new=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -1)
  crashes=$(( $(find "fuzz/artifacts/$t" -type f | wc -l) - before ))
  [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && crashes=1
  printf '%-8s %11s %9s %9s %7s %7s\n' "$t" "${runs:-?}" "$(find "$work" -type f | wc -l)" "${new:-?}" "$secs" "$crashes"
  if [ "$crashes" -ne 0 ]; then failed=1; tail -30 "$log"; fi
done
exit $failed
