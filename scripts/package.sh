#!/usr/bin/env bash
# Builds every function in functions/ for Lambda (provided.al2023, arm64) into
# target/lambda/<name>/bootstrap.zip, the files infra/functions.tf deploys.
# cargo-lambda and zig (its cross linker) come from PyPI into .venv-lambda (pinned).
# Takes ~11 minutes of both cores on a 2-core machine for a clean build.
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

rustup target list --installed 2>/dev/null | grep -qx aarch64-unknown-linux-gnu \
  || rustup target add aarch64-unknown-linux-gnu

cd "$ROOT"
packages=()
for dir in functions/*/; do
  name="$(basename "$dir")"
  [[ -f "$dir/Cargo.toml" ]] && packages+=(--package "$name")
done
if [[ ${#packages[@]} -eq 0 ]]; then
  echo "package: no functions/*/Cargo.toml found" >&2
  exit 1
fi

cargo lambda build --release --arm64 --output-format zip "${packages[@]}"

missing=0
for dir in functions/*/; do
  name="$(basename "$dir")"
  zip="target/lambda/$name/bootstrap.zip"
  if [[ -f "$zip" ]]; then
    printf 'package: %-20s %s (%s bytes)\n' "$name" "$zip" "$(wc -c <"$zip" | tr -d ' ')"
  else
    echo "package: MISSING $zip (does functions/$name have a [[bin]] named $name?)" >&2
    missing=1
  fi
done
exit "$missing"
