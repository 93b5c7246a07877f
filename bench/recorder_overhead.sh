#!/usr/bin/env bash
# Slowdown of real programs run under the allocation recorder (liballocreplay-record.so)
# against the same programs unrecorded. The bound is 1.5x (docs/recording.md).
#
#   bench/recorder_overhead.sh [BUILD_DIR]      RUNS=N (default 10), RAW_PARENT=DIR (raw logs;
#                                               default /dev/shm, what `allocreplay record` uses)
#
# Workloads (bench/workloads/): CPython's json encode/decode with PYTHONMALLOC=malloc, and the
# sqlite3 shell running an insert/index/sort script on an in-memory database. The recorded
# run is the program with the preload library and its log directory set, exactly what
# `allocreplay record` starts, without the import. The third run is the whole `allocreplay
# record -o X.alrt -- CMD` into a new file in $TMPDIR: the recorded program, the import that
# runs beside it and the rest after it (its bound is 1.5x the plain run too). Timing: bash's `time`
# on alternating runs, medians of RUNS triples (on a shared machine hyperfine's
# one-command-then-the-other blocks are skewed by load drift).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
so=$build/recorder/liballocreplay-record.so
ar=$build/harness/allocreplay
runs=${RUNS:-10}
[ -f "$so" ] || { echo "recorder_overhead: $so not built (ninja -C $build)" >&2; exit 2; }
python=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )}
command -v sqlite3 >/dev/null || { echo "recorder_overhead: sqlite3 not installed" >&2; exit 77; }

parent=${RAW_PARENT:-/dev/shm}
[ -d "$parent" ] && [ -w "$parent" ] || parent=${TMPDIR:-/tmp}
raw=$(mktemp -d "$parent/allocreplay-overhead.XXXXXX")
work=$(mktemp -d)
trap 'rm -rf "$raw" "$work"' EXIT

# timed CMD: prints "wall user system" seconds of one run (bash's time keyword).
timed() {
  local TIMEFORMAT='%R %U %S'
  { time sh -c "$1" >/dev/null 2>&1; } 2>&1
}

# median COLUMN FILE
median() {
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# measure NAME CMD: alternates unrecorded, recorded and `record` runs (so a load that drifts
# over the minutes of the benchmark hits all alike), one warm-up round first, then prints the
# medians of wall time and of CPU time (user + system) and their ratios.
measure() {
  local name=$1 cmd=$2
  local rec="ALLOCREPLAY_RECORD_DIR=$raw LD_PRELOAD=$so $cmd"
  local whole="$ar record --raw-dir $parent -o $work/$name.alrt -- sh -c 'exec env $cmd'"
  : >"$work/$name.plain"
  : >"$work/$name.rec"
  : >"$work/$name.whole"
  timed "$cmd" >/dev/null
  rm -f "$raw"/*
  timed "$rec" >/dev/null
  for _ in $(seq "$runs"); do
    timed "$cmd" | awk '{ print $1, $2 + $3 }' >>"$work/$name.plain"
    rm -f "$raw"/*
    timed "$rec" | awk '{ print $1, $2 + $3 }' >>"$work/$name.rec"
    rm -f "$work/$name.alrt" # a new trace each time: replacing one also frees the old one's blocks
    timed "$whole" | awk '{ print $1, $2 + $3 }' >>"$work/$name.whole"
  done
  local bytes
  bytes=$(cat "$raw"/*.arraw | wc -c)
  rm -f "$raw"/*
  awk -v n="$name" -v pw="$(median 1 "$work/$name.plain")" -v rw="$(median 1 "$work/$name.rec")" \
      -v pc="$(median 2 "$work/$name.plain")" -v rc="$(median 2 "$work/$name.rec")" -v b="$bytes" \
      -v ww="$(median 1 "$work/$name.whole")" -v wc="$(median 2 "$work/$name.whole")" \
    'BEGIN { printf "%-7s wall %.3f -> %.3f s (%.2fx)   cpu %.3f -> %.3f s (%.2fx)   raw log %.0f MB\n",
             n, pw, rw, rw / pw, pc, rc, rc / pc, b / 1e6
             printf "%-7s whole record command: wall %.3f s (%.2fx)   cpu %.3f s (%.2fx)\n",
             "", ww, ww / pw, wc, wc / pc }'
}

echo "recorder overhead: medians of $runs alternating runs, raw logs in $parent, $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
measure python "PYTHONMALLOC=malloc $python $here/workloads/json_roundtrip.py"
measure sqlite "sqlite3 :memory: < $here/workloads/sqlite_mixed.sql"
