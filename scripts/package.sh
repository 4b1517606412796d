#!/usr/bin/env bash
# Builds the Lambda binary (crate lambda/, every function in one binary: see
# docs/decisions/0001-one-binary-per-function.md) for provided.al2023 on arm64, and puts its zip
# at target/lambda/<name>/bootstrap.zip for every function in functions/: the files
# infra/functions.tf deploys, one Lambda per function (the Lambda's name picks the handler).
# cargo-lambda and zig (its cross linker) come from PyPI into .venv-lambda (pinned).
# A clean build takes ~10 minutes on 2 cores, a rebuild after a change in shared ~3 (docs/benchmarks.md).
set -euo pipefail

CARGO_LAMBDA_VERSION="1.9.2"
ZIGLANG_VERSION="0.15.1"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-lambda"
PYTHON="${PYTHON:-python3}"

installed_version() { "$VENV/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }

if [[ ! -x "$VENV/bin/cargo-lambda" ]] \
  || [[ "$(installed_version cargo-lambda)" != "$CARGO_LAMBDA_VERSION" ]] \
  || [[ "$(installed_version ziglang)" != "$ZIGLANG_VERSION" ]]; then
  echo "package: installing cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION into .venv-lambda" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "cargo-lambda==$CARGO_LAMBDA_VERSION" "ziglang==$ZIGLANG_VERSION"
fi
export PATH="$VENV/bin:$PATH"
# cargo-lambda finds zig through the ziglang package (python -m ziglang) in this venv.

rustup target list --installed 2>/dev/null | grep -x aarch64-unknown-linux-gnu >/dev/null \
  || rustup target add aarch64-unknown-linux-gnu

cd "$ROOT"
cargo lambda build --release --arm64 --output-format zip --package vn-lambda
built="target/lambda/vn-lambda/bootstrap.zip"
[[ -f "$built" ]] || { echo "package: $built was not produced" >&2; exit 1; }

# aws-lc must be built without CPU jitter entropy (.cargo/config.toml): with it, a cold request
# costs ~0.7 s more at 128 MB (docs/benchmarks.md, "Cold requests"). The zip's binary is
# stripped, so check what aws-lc-sys's build script saw for the build that made it (it records
# each setting it reads); `cargo test -p shared no_jitter_entropy_linked` checks the symbols.
awslc_out="$(ls -t target/aarch64-unknown-linux-gnu/release/build/aws-lc-sys-*/output 2>/dev/null | head -1)"
if [[ -z "$awslc_out" ]] \
  || ! grep -q "NO_JITTER_ENTROPY_aarch64_unknown_linux_gnu': '1'" "$awslc_out" \
  || grep -q "jitterentropy" <(ls -R "$(dirname "$awslc_out")/out" 2>/dev/null); then
  echo "package: aws-lc was built with CPU jitter entropy (or its build output is missing: ${awslc_out:-none})." >&2
  echo "package: AWS_LC_SYS_NO_JITTER_ENTROPY=1 must be set for shipped builds (.cargo/config.toml [env])." >&2
  exit 1
fi
for dir in functions/*/; do
  name="$(basename "$dir")"
  [[ -f "$dir/Cargo.toml" ]] || continue
  mkdir -p "target/lambda/$name"
  cp "$built" "target/lambda/$name/bootstrap.zip"
done

missing=0
for dir in functions/*/; do
  name="$(basename "$dir")"
  zip="target/lambda/$name/bootstrap.zip"
  if [[ -f "$zip" ]]; then
    printf 'package: %-20s %s (%s bytes)\n' "$name" "$zip" "$(wc -c <"$zip" | tr -d ' ')"
  else
    echo "package: MISSING $zip" >&2
    missing=1
  fi
done
exit "$missing"
