#!/usr/bin/env bash
# Debian's Chromium and the npm packages of the browser tests (playwright-core and lighthouse, which drive the
# system Chromium, so `npx playwright install` is never needed; axe-core). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> installing Debian's chromium"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -f tests/browser/node_modules/axe-core/axe.min.js ] || [ ! -d tests/browser/node_modules/lighthouse ]; then
  echo "==> npm ci (tests/browser)"
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
