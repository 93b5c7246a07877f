#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite.
# The last line is "N passed, N failed[, N skipped]".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test || exit 2

build=${BUILD_DIR:-build-test}
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >"$build.setup.log" 2>&1 || { cat "$build.setup.log"; echo "0 passed, 1 failed"; exit 1; }
fi
if ! ninja -C "$build" >"$build.build.log" 2>&1; then
  tail -50 "$build.build.log"
  echo "0 passed, 1 failed"
  exit 1
fi

meson test -C "$build" --print-errorlogs --num-processes 2
status=$?

# Count results per test from meson's JSON log.
log="$build/meson-logs/testlog.json"
passed=$(grep -c '"result": "\(OK\|EXPECTEDFAIL\)"' "$log" || true)
skipped=$(grep -c '"result": "SKIP"' "$log" || true)
total=$(grep -c '"result":' "$log" || true)
failed=$((total - passed - skipped))
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
