#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer, UBSan) in build-fuzz/ and runs each for
# SECONDS (default 60), on a copy of its seed corpus so the committed corpus stays small. A crash
# leaves its input as build-fuzz/findings/TARGET/crash-*: copy it into tests/fuzz/regressions/TARGET/
# once fixed, and the test suite replays it from then on. docs/testing.md, "Fuzzing".
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# (targets: yaml binary mtrace android zst zip rawlog campaign genspec)
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
build=build-fuzz

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" -Dfuzz=enabled --buildtype=debugoptimized -Db_lundef=false \
    -Djemalloc=disabled -Dmimalloc=disabled -Dtcmalloc=disabled -Dbenchmark=disabled \
    >"$build.setup.log" 2>&1 || { cat "$build.setup.log"; exit 1; }
fi
ninja -C "$build" >"$build.build.log" 2>&1 || { tail -30 "$build.build.log"; exit 1; }
if [ ${#targets[@]} -eq 0 ]; then # every target this build has
  for f in "$build"/tests/fuzz/fuzz_*; do
    case $f in *_standalone|*.p) ;; *) targets+=("${f##*/fuzz_}") ;; esac
  done
fi

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for t in "${targets[@]}"; do
  work=$build/corpus/$t findings=$build/findings/$t
  # The target's scratch files (fuzz_common.c) go here, not to /dev/shm: libFuzzer exits without
  # running atexit handlers, so the script cleans up after it. One directory per target, so
  # that scripts running other targets at the same time keep theirs.
  export TMPDIR=$PWD/$build/tmp/$t
  mkdir -p "$work" "$findings" "$TMPDIR"
  cp -n tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
  [ -d tests/fuzz/regressions/"$t" ] && cp -n tests/fuzz/regressions/"$t"/* "$work"/ 2>/dev/null
  # The hostile inputs of tests/bad/ and tests/traces/bad/ are seeds too, by extension.
  case $t in yaml) ext=yaml ;; binary) ext=alrt ;; mtrace) ext=mtrace ;; android) ext=android.txt ;; *) ext= ;; esac
  [ -n "$ext" ] && cp -n tests/bad/*."$ext" tests/traces/bad/*."$ext" "$work"/ 2>/dev/null
  log=$build/fuzz-$t.log
  echo "=== fuzz_$t: ${secs}s (log: $log)"
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$work" >"$log" 2>&1
  rc=$?
  rm -rf "$TMPDIR"
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::new_units_added|stat::peak_rss_mb)' "$log"
  grep -m1 -E '^#[0-9]+ +DONE +cov' "$log"
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz_$t FOUND A PROBLEM (exit $rc):"
    grep -m5 -E 'ERROR|SUMMARY|fuzz check failed|Test unit written' "$log"
  fi
done
exit $status
