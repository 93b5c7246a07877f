#!/usr/bin/env bash
# Import speed of the text formats: Android memory_replay text and glibc mtrace logs.
#
#   bench/trace_import.sh [N]   env: BUILD_DIR (default build), WORK (default /tmp/allocreplay-bench),
#                               REPS (default 5)
#
# Generates one N-operation file of each format (default 10 million, bench/text_trace_gen.c:
# Android lines from 8 threads with timestamps, mtrace lines with callers) under WORK, then times
# trace_load on each (bench/trace_load_time.c: read, parse, map addresses to ids, validate) REPS
# times in turn, warm page cache, and prints the median. Target: at least 150 MB/s of text each,
# judged on CPU time (user + system: less disturbed than wall time by other load on a shared
# machine); wall time and the load average are printed too.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/allocreplay-bench}
reps=${REPS:-5}
mkdir -p "$work"
ninja -C "$build" bench/text_trace_gen bench/trace_load_time >/dev/null

android=$work/import-$n.android.txt
mtrace=$work/import-$n.mtrace
[ -f "$android" ] || "$build/bench/text_trace_gen" android "$n" "$android"
[ -f "$mtrace" ] || "$build/bench/text_trace_gen" mtrace "$n" "$mtrace"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A cpu wall
for _ in $(seq "$reps"); do
    for f in android mtrace; do
        read -r _ events _ w _ c < <("$build/bench/trace_load_time" "${!f}")
        cpu[$f]+="$c "
        wall[$f]+="$w "
    done
done
echo "load: $(uptime | sed 's/.*load average: //')"
printf '%-10s %12s %8s %10s %10s %10s %10s\n' format events MB "cpu s" "wall s" "MB/s cpu" "MB/s wall"
status=0
for f in android mtrace; do
    mb=$(awk -v b="$(stat -L -c %s "${!f}")" 'BEGIN { printf "%.1f", b / 1e6 }')
    c=$(tr ' ' '\n' <<<"${cpu[$f]}" | grep . | median)
    w=$(tr ' ' '\n' <<<"${wall[$f]}" | grep . | median)
    rate=$(awk -v m="$mb" -v s="$c" 'BEGIN { printf "%.0f", m / s }')
    printf '%-10s %12s %8s %10.3f %10.3f %10s %10.0f\n' "$f" "$n" "$mb" "$c" "$w" "$rate" \
        "$(awk -v m="$mb" -v s="$w" 'BEGIN { print m / s }')"
    [ "$rate" -ge 150 ] || status=1
done
echo "median of $reps runs each; target: at least 150 MB/s (cpu) for each format"
exit $status
