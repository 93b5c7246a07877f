#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite twice: a normal build, and an
# AddressSanitizer + UndefinedBehaviorSanitizer build (third-party allocators disabled there:
# they replace malloc, which ASan must own); then the threaded replay's two tests in a
# ThreadSanitizer build (about 4 minutes on 2 CPUs: docs/testing.md, "Threaded replay"). Any
# sanitizer report fails the test it occurs in.
# The last line is "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0 status=0

# count BUILD_DIR: adds the results of meson's JSON test log to the totals.
count() {
  local log="$1/meson-logs/testlog.json" p s t
  [ -f "$log" ] || { failed=$((failed + 1)); return; }
  p=$(grep -c '"result": "\(OK\|EXPECTEDFAIL\)"' "$log")
  s=$(grep -c '"result": "SKIP"' "$log")
  t=$(grep -c '"result":' "$log")
  passed=$((passed + p)) skipped=$((skipped + s)) failed=$((failed + t - p - s))
}

# suite BUILD_DIR MESON_SETUP_ARGS... -- MESON_TEST_ARGS...
suite() {
  local build=$1; shift
  local setup=() testargs=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do setup+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  testargs=("$@")
  echo "=== $build: meson setup ${setup[*]}"
  if [ ! -f "$build/build.ninja" ] && ! meson setup "$build" "${setup[@]}" >"$build.setup.log" 2>&1; then
    cat "$build.setup.log"; failed=$((failed + 1)); status=1; return
  fi
  if ! ninja -C "$build" >"$build.build.log" 2>&1; then
    tail -50 "$build.build.log"; failed=$((failed + 1)); status=1; return
  fi
  if grep -i 'warning:' "$build.build.log"; then
    echo "$build: the build has compiler warnings"; failed=$((failed + 1)); status=1
  fi
  meson test -C "$build" --print-errorlogs --num-processes 2 "${testargs[@]}" || status=1
  count "$build"
}

suite build-test --buildtype=debugoptimized --

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:strict_string_checks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
suite build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
  -Djemalloc=disabled -Dmimalloc=disabled -Dtcmalloc=disabled -- --no-suite no-asan \
  --timeout-multiplier 3   # instrumented code runs several times slower than the plain build

export TSAN_OPTIONS=halt_on_error=1
suite build-tsan --buildtype=debugoptimized -Db_sanitize=thread \
  -Djemalloc=disabled -Dmimalloc=disabled -Dtcmalloc=disabled -- \
  --timeout-multiplier 10 replay_threads run_threads

echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
