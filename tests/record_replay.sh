#!/usr/bin/env bash
# A recorded trace replays: record tests/record_prog (threads, and the exact sequence), then
# `allocreplay run --verify` on it with every backend this build has; every cell must pass.
# Also replays the shipped recorded traces (traces/recorded/) the same way.
#   record_replay.sh ALLOCREPLAY RECORD_PROG RECORDED_DIR
set -u
ar=$1 prog=$2 recorded=$3
. "$(dirname "$0")/tap.sh"
tap_scratch
tmp=$work
check "record a threaded program" "$ar" record -o "$tmp/threads.alrt" -- "$prog" threads
check "record the exact sequence" "$ar" record -o "$tmp/exact.alrt" -- "$prog" exact
# `allocreplay backends` prints a header line, then one backend name first on each line.
backends=$("$ar" backends | awk 'NR > 1 && $1 ~ /^[a-z][a-z0-9_-]*$/ { print $1 }')
[ -n "$backends" ] || { echo "not ok 1 - no backend listed"; exit 1; }
for b in $backends; do
  for t in "$tmp/threads.alrt" "$tmp/exact.alrt" "$recorded"/*.alrt; do
    check "run --verify $(basename "$t") on $b" "$ar" run "$t" -b "$b" -n 1 --verify -o "$tmp/res-$b-$(basename "$t")"
  done
done
tap_done
