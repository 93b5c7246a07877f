#!/usr/bin/env bash
# The big-trace pipeline of docs/performance.md ("A billion events"): a generated trace of
# EVENTS events (8 threads taking turns, a server-like size and lifetime mix, ids reused) goes
# through generate -> info -> run (all four passes, single-threaded, then --threads) -> a
# campaign of two backends. Each step runs under /usr/bin/time -v; the script prints its wall
# time and peak RSS (the largest of the driver and its workers) and checks the peak against
# the bound of docs/scaling.md ("Big traces"), then the total. Progress of every long step is
# on stderr. Not part of the test suites; `meson test --benchmark billion-100m` runs it at
# 100 M events. TAP.
#
# Usage: bench/billion.sh ALLOCREPLAY [EVENTS] [WORKDIR]
#   EVENTS   default 1000000000; WORKDIR default /var/tmp/allocreplay-billion.XXXXXX (removed
#            at the end unless KEEP=1). WORKDIR needs 16 bytes per event for the trace plus 20 per
#            event for the --threads schedule (file-backed, in TMPDIR=WORKDIR): 36 GB at a billion.
#   BACKENDS default "malloc slab" (the campaign's two; run uses the first).
#   NICE     default 10: the pipeline runs under nice on a shared machine.
set -u
. "$(dirname "$0")/../tests/tap.sh"
bin=$(realpath "$1") events=${2:-1000000000} work=${3:-}
backends=${BACKENDS:-malloc slab}
first=${backends%% *}
[ -x /usr/bin/time ] || { echo "1..0 # SKIP /usr/bin/time is not installed"; exit 0; }
if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/var/tmp}/allocreplay-billion.XXXXXX")
    [ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"
need=$((events * 36 / 1000000000 + 1))
avail=$(df -P -B1G "$work" | awk 'NR == 2 {print $4}')
[ "$avail" -gt "$need" ] || { echo "1..0 # SKIP $work has $avail GB free, needs $need"; exit 0; }
export TMPDIR=$work
echo "# $events events in $work; $(uptime)"
echo "# $(free -g | awk '/Mem:/ {print $2 " GB memory, " $7 " GB available"}')"

cat >"$work/spec.yaml" <<SPEC
format: allocreplay-spec/1
name: billion
description: a long-running 8-thread server-like mix, $events events
seed: 1
threads: 8
thread_run: 256
ids: reuse
phases:
  - events: $events
    classes:
      - weight: 60
        size: {dist: lognormal, mu: 3.5, sigma: 0.8, min: 8, max: 4096}
        lifetime: {dist: exponential, mean: 50}
        calloc: 0.05
      - weight: 20
        size: {dist: lognormal, mu: 5.5, sigma: 1.0, min: 16, max: 65536}
        lifetime: {dist: exponential, mean: 2000}
      - weight: 8
        size: {dist: uniform, min: 16, max: 64}
        lifetime: {dist: exponential, mean: 500}
        realloc: {pattern: linear, increment: 32, steps: 4, probability: 0.5, interval: 3}
      - weight: 5
        size: {dist: pow2, min: 16, max: 256}
        lifetime: {dist: exponential, mean: 5000}
        realloc: {pattern: geometric, factor: 2, steps: 6, probability: 0.5, interval: 20}
      - weight: 5
        size: {dist: uniform, min: 1024, max: 16384}
        lifetime: {dist: fifo, live: 200}
      - weight: 1.9
        size: {dist: lognormal, mu: 6, sigma: 1.5, min: 16, max: 1048576}
        lifetime: {dist: exponential, mean: 2000000}
      - weight: 0.1
        size: {dist: uniform, min: 65536, max: 1048576}
        lifetime: {dist: exponential, mean: 200}
        aligned: {probability: 0.2, align: 4096}
SPEC
cat >"$work/campaign.yaml" <<CAMPAIGN
name: billion
traces: [big.alrt]
backends: [${backends// /, }]
repetitions: 1
options: {latency: true, verify: false, timeout: 86400}
output: results-campaign
charts: []
CAMPAIGN

total=0
# step NAME BOUND_MIB CMD...: runs CMD under nice and /usr/bin/time -v; prints wall s and peak
# RSS; checks exit 0 and peak RSS <= BOUND_MIB.
step() {
    local name=$1 bound=$2
    shift 2
    local t0=$(date +%s.%N)
    nice -n "${NICE:-10}" /usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out"
    local status=$?
    local secs=$(echo "$(date +%s.%N) - $t0" | bc)
    local kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
    total=$(echo "$total + $secs" | bc)
    printf '# %-10s exit %d, %8.1f s, peak RSS %6d MiB (bound %d MiB)\n' "$name" $status "$secs" \
        $((kib >> 10)) "$bound"
    ok $([ $status -eq 0 ]; echo $?) "$name exits 0"
    ok $([ $((kib >> 10)) -le "$bound" ]; echo $?) "$name: peak RSS $((kib >> 10)) MiB <= $bound MiB"
}
mib=$(( (events * 16 >> 20) + 1 ))   # the trace's table, when all of it is resident
sched=$(( (events * 20 >> 20) + 1 )) # the --threads schedule, file-backed
fixed=256                            # code, libraries, per-id tables of this mix, buffers
per_thread=32 # --threads, per thread: stack, latency histograms, a malloc arena's share of the heap
cd "$work"
step generate $fixed "$bin" generate spec.yaml -o big.alrt
cat generate.out
step info $((mib + fixed)) "$bin" info big.alrt
grep -E '^(events|objects|threads|peak live):' info.out | sed 's/^/# /'
step run $((mib + fixed)) "$bin" run big.alrt -b "$first" -n 1 --verify --latency -o run-single
step run-threads $((mib + sched + fixed + 9 * per_thread)) "$bin" run big.alrt -b "$first" -n 1 --verify --latency \
    --threads -o run-threads
step campaign $((mib + fixed)) "$bin" campaign campaign.yaml
for d in run-single run-threads; do
    echo "# $d:"
    cut -d, -f1-9 "$d/summary.csv" | sed 's/^/#   /'
done
echo "# campaign:"
cat results-campaign/summary.csv results-campaign/*/summary.csv 2>/dev/null | cut -d, -f1-9 | sed 's/^/#   /'
echo "# total $total s; $(uptime)"
tap_done
