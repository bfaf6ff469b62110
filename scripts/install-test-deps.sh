#!/usr/bin/env bash
# `npm run setup:test-deps`: the programs the test suites need beyond npm packages, from Debian's packages
# (Debian/Ubuntu only): redis-server for the Redis tests, Chromium for the browser suite (`npm run test:e2e`).
# Without them `npm test` skips those suites outside CI (test/system-deps.mjs); .ci/run installs them first.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  echo "redis-server and Chromium are installed."
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
