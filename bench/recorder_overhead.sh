#!/usr/bin/env bash
# Slowdown of real programs run under the allocation recorder (liballocreplay-record.so)
# against the same programs unrecorded. The issue's bound is 1.5x.
#
#   bench/recorder_overhead.sh [BUILD_DIR]      RUNS=N (default 10), RAW_PARENT=DIR (raw logs;
#                                               default /dev/shm, what `allocreplay record` uses)
#
# Workloads (bench/workloads/): CPython's json encode/decode with PYTHONMALLOC=malloc, and the
# sqlite3 shell running an insert/index/sort script on an in-memory database. The recorded
# run is the program with the preload library and its log directory set, exactly what
# `allocreplay record` starts; the import into a trace happens after the program exits and
# is reported separately. Timing: hyperfine when installed (mean of RUNS, one warm-up), else
# the best of RUNS with date +%s%N.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
so=$build/harness/liballocreplay-record.so
runs=${RUNS:-10}
[ -f "$so" ] || { echo "recorder_overhead: $so not built (ninja -C $build)" >&2; exit 2; }
python=$(command -v python3.11 || command -v python3)
command -v sqlite3 >/dev/null || { echo "recorder_overhead: sqlite3 not installed" >&2; exit 77; }

parent=${RAW_PARENT:-/dev/shm}
[ -d "$parent" ] && [ -w "$parent" ] || parent=${TMPDIR:-/tmp}
raw=$(mktemp -d "$parent/allocreplay-overhead.XXXXXX")
work=$(mktemp -d)
trap 'rm -rf "$raw" "$work"' EXIT

# mean_seconds CMD: wall seconds of CMD (best of $runs) when hyperfine is missing.
best_seconds() {
  local best="" t0 t1 d
  for _ in $(seq "$runs"); do
    rm -f "$raw"/*
    t0=$(date +%s%N); sh -c "$1" >/dev/null 2>&1; t1=$(date +%s%N)
    d=$((t1 - t0))
    if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  awk -v ns="$best" 'BEGIN { printf "%.4f", ns / 1e9 }'
}

# measure NAME CMD: prints wall times, the slowdown, and (hyperfine only) the ratio of CPU
# time (user + system), which a busy shared machine disturbs less than wall time.
measure() {
  local name=$1 cmd=$2
  local rec="ALLOCREPLAY_RECORD_DIR=$raw LD_PRELOAD=$so $cmd"
  local plain recorded cpu="n/a"
  if command -v hyperfine >/dev/null; then
    hyperfine --style none --warmup 1 --runs "$runs" --prepare "rm -f $raw/*" \
      --export-json "$work/$name.json" -n plain "$cmd" -n recorded "$rec" >/dev/null
    read -r plain recorded cpu < <("$python" - "$work/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
cpu = [x["user"] + x["system"] for x in r]
print(r[0]["mean"], r[1]["mean"], "%.2fx" % (cpu[1] / cpu[0]))
PY
)
  else
    plain=$(best_seconds "$cmd")
    recorded=$(best_seconds "$rec")
  fi
  rm -f "$raw"/*
  sh -c "$rec" >/dev/null 2>&1
  local bytes
  bytes=$(cat "$raw"/*.arraw | wc -c)
  awk -v n="$name" -v p="$plain" -v r="$recorded" -v b="$bytes" -v c="$cpu" \
    'BEGIN { printf "%-8s plain %.3f s  recorded %.3f s  slowdown %.2fx  cpu %s  (raw log %.0f MB)\n", n, p, r, r / p, c, b / 1e6 }'
}

echo "recorder overhead: $runs runs each, raw logs in $parent, $(nproc) CPUs, $(uname -r)"
measure python "PYTHONMALLOC=malloc $python $here/workloads/json_roundtrip.py"
measure sqlite "sqlite3 :memory: < $here/workloads/sqlite_mixed.sql"
