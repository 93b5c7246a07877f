#!/usr/bin/env bash
# Harness overhead per event (docs/performance.md). On one binary trace of EVENTS events:
#  - the floor: the least loop calling malloc/free directly (bench/floor.c, allocreplay-floor),
#  - the dispatch floor: the same loop calling nothing (reading events, branching on their kind;
#    allocreplay-floor --dispatch),
#  - the throughput pass of `allocreplay run` with the malloc backend and with the null backend;
# null's ns/event is the replay's own cost per event, stated as a percentage of malloc's.
# Each round runs all four, one fresh process each, so machine drift hits them alike; the
# minimum over rounds is the cost without interference, the median what a busy machine gives.
#
#   bench/overhead.sh BUILD_DIR [EVENTS] [ROUNDS] [RUN]     (defaults 10000000, 7, 1)
# RUN: mean length of runs of allocations or frees in the trace (1 = a coin flip per event, the
# worst case for every replayer's branch on the event kind; see bench/trace_gen.c --churn).
# The trace goes to /tmp (16 bytes per event: 160 MB for 10M events) and is kept for reuse.
set -euo pipefail
build=$(cd "${1:?usage: bench/overhead.sh BUILD_DIR [EVENTS] [ROUNDS]}" && pwd)
events=${2:-10000000}
rounds=${3:-7}
run=${4:-1}
trace=/tmp/allocreplay-overhead-$events-run$run.alrt
out=$(mktemp -d /tmp/allocreplay-overhead.XXXXXX)
trap 'rm -rf "$out"' EXIT

[ -f "$trace" ] || "$build/bench/trace_gen" --churn "$events" "$trace" 10000 "$run" >/dev/null

for r in $(seq "$rounds"); do
  # One loop per process on a fresh heap, as the worker's throughput pass on a trace this long.
  "$build/bench/allocreplay-floor" -n 1 "$trace" | awk '/^median:/ {print $2}' >>"$out/bare"
  "$build/bench/allocreplay-floor" -n 1 --dispatch "$trace" | awk '/^median:/ {print $2}' >>"$out/floor"
  "$build/harness/allocreplay" run "$trace" -b null,malloc --no-memory -o "$out/run$r" \
    --format csv >"$out/summary$r.csv"
  for b in null malloc; do
    awk -F, -v b=$b '{sub(/\r$/, "")} NR==1 {for (i=1;i<=NF;i++) if ($i=="ns_per_event") c=i; next}
                     $2==b && $4=="ok" {print $c}' "$out/summary$r.csv" >>"$out/$b"
  done
done

stats() { # min and median of a file of numbers
  sort -g "$1" | awk '{v[NR]=$1} END {printf "%7.2f %7.2f", v[1], (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
printf 'trace: %d events (bench/trace_gen.c --churn, runs of %d), %d rounds; ns/event  min  median\n' \
  "$events" "$run" "$rounds"
printf 'floor (bare malloc loop)          %s\n' "$(stats "$out/bare")"
printf 'replay, malloc backend            %s\n' "$(stats "$out/malloc")"
printf 'replay, null backend              %s\n' "$(stats "$out/null")"
printf 'dispatch floor (no calls)         %s\n' "$(stats "$out/floor")"
read -r bmin bmed <<<"$(stats "$out/bare")"
read -r mmin mmed <<<"$(stats "$out/malloc")"
read -r nmin nmed <<<"$(stats "$out/null")"
awk -v bmin="$bmin" -v bmed="$bmed" -v mmin="$mmin" -v mmed="$mmed" -v nmin="$nmin" -v nmed="$nmed" 'BEGIN {
  printf "replay malloc vs floor           %+6.1f%% %+6.1f%%\n", (mmin / bmin - 1) * 100, (mmed / bmed - 1) * 100
  printf "null (overhead) / floor          %6.1f%% %6.1f%%\n", nmin / bmin * 100, nmed / bmed * 100
}'
