#!/usr/bin/env bash
# Harness overhead per event (issue 4, DESIGN.md 5): the throughput pass of the `null` backend
# on a 10-million-event binary trace is the replay's own cost per event; compared with a bare
# loop calling malloc/free directly on the same trace, and with the `malloc` backend's
# throughput pass (the bare loop plus everything the harness adds).
#
#   bench/overhead.sh BUILD_DIR [EVENTS] [RUNS]     (defaults 10000000, 5)
# The trace goes to /tmp (about 160 MB for 10M events); medians over RUNS fresh processes.
set -euo pipefail
build=$(cd "${1:?usage: bench/overhead.sh BUILD_DIR [EVENTS] [RUNS]}" && pwd)
events=${2:-10000000}
runs=${3:-5}
trace=/tmp/allocreplay-overhead-$events.alrt
out=$(mktemp -d /tmp/allocreplay-overhead.XXXXXX)
trap 'rm -rf "$out"' EXIT

[ -f "$trace" ] || "$build/bench/allocreplay-mktrace" "$trace" "$events" >/dev/null

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

bare=$(for _ in $(seq "$runs"); do "$build/bench/allocreplay-bare-malloc" "$trace"; done |
  awk '{print $6}' | median)
floor=$(for _ in $(seq "$runs"); do "$build/bench/allocreplay-bare-malloc" --floor "$trace"; done |
  awk '{print $6}' | median)

"$build/harness/allocreplay" run "$trace" -b null,malloc -n "$runs" --no-memory -o "$out/run" \
  --format csv >"$out/summary.csv"
col() { # col BACKEND: median ns_per_event of that backend's rows
  awk -F, -v b="$1" 'NR==1 {for (i=1;i<=NF;i++) if ($i=="ns_per_event") c=i; next}
                     $2==b && $4=="ok" {print $c}' "$out/summary.csv" | median
}
null=$(col null)
malloc=$(col malloc)

awk -v e="$events" -v r="$runs" -v bare="$bare" -v null="$null" -v m="$malloc" -v fl="$floor" 'BEGIN {
  printf "trace: %d events (bench/mktrace.c churn), medians of %d runs\n", e, r
  printf "bare malloc loop            %7.2f ns/event\n", bare
  printf "replay, malloc backend      %7.2f ns/event  (%+.1f%% vs the bare loop)\n", m, (m / bare - 1) * 100
  printf "replay, null backend        %7.2f ns/event  = harness overhead, %.1f%% of malloc'"'"'s ns/event\n", null, null / bare * 100
  printf "dispatch floor (no calls)   %7.2f ns/event  (reading events + the branch on their kind)\n", fl
  printf "null above the floor        %7.2f ns/event  (indirect calls, size table, NULL checks)\n", null - fl
}'
