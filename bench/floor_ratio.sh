#!/bin/sh
# The floor ratio: allocreplay's throughput pass on the malloc backend against the
# floor (bench/floor.c, the least code that replays a trace), per trace, as the ratio of the
# medians of ns/event over REPS repetitions taken in one interleaved session. Every repetition
# of either side is a fresh process on a fresh heap (as a worker's pass is), and the two sides
# alternate which goes first, so drift in the machine's speed hits both alike.
#
#   bench/floor_ratio.sh [-n REPS] [-C BUILD_DIR] [-l LIMIT] [-t MIN_TIME_MS] [TRACE...]
#
# Both sides replay each trace in loops until their timed loops add up to MIN_TIME_MS
# (default 20; the same --min-time on both), so a trace of a few dozen events is measured over
# many loops instead of one pass of a few microseconds.
#
# Without TRACE: every shipped trace (traces/**/*.yaml, traces/**/*.alrt). Prints one row per
# trace and exits 1 when a ratio exceeds LIMIT (default 1.10), 2 on bad usage.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
reps=11
build=$src/build
limit=1.10
min_time=20
usage() {
    echo "usage: bench/floor_ratio.sh [-n REPS] [-C BUILD_DIR] [-l LIMIT] [-t MIN_TIME_MS] [TRACE...]" >&2
    exit 2
}
while getopts n:C:l:t: opt; do
    case $opt in
    n) reps=$OPTARG ;;
    C) build=$OPTARG ;;
    l) limit=$OPTARG ;;
    t) min_time=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
    # shellcheck disable=SC2046 # trace paths have no spaces
    set -- $(find "$src/traces" \( -name '*.yaml' -o -name '*.alrt' \) -not -path '*/specs/*' | sort)
fi
floor=$build/bench/allocreplay-floor
allocreplay=$build/harness/allocreplay
for exe in "$floor" "$allocreplay"; do
    [ -x "$exe" ] || { echo "floor_ratio.sh: $exe not built" >&2; exit 2; }
done

# Both sides on one CPU (the last: the first takes most interrupts) when taskset exists.
pin=
if command -v taskset >/dev/null 2>&1; then
    pin="taskset -c $(($(nproc) - 1))"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

key() { printf '%s' "$1" | tr '/' '_'; }

run_floor() {
    $pin "$floor" -n 1 --min-time "$min_time" "$1" | awk '/^median:/ { print $2 }' >>"$tmp/$(key "$1").floor"
}

# One cell, throughput pass only; its ns_per_event from summary.csv on stdout (the column
# found by its header name).
run_allocreplay() {
    rm -rf "$tmp/run"
    if ! $pin "$allocreplay" run "$1" -b malloc -n 1 --no-memory --min-time "$min_time" --format csv -o "$tmp/run" \
        >"$tmp/run.csv" 2>"$tmp/run.log"; then
        echo "floor_ratio.sh: allocreplay run $1 failed:" >&2
        cat "$tmp/run.log" >&2
        exit 1
    fi
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
             $col["backend"] == "malloc" && $col["status"] == "ok" { print $col["ns_per_event"] }' \
        "$tmp/run.csv" >>"$tmp/$(key "$1").ar"
}

r=1
while [ "$r" -le "$reps" ]; do
    for t in "$@"; do
        if [ $((r % 2)) -eq 1 ]; then
            run_floor "$t"
            run_allocreplay "$t"
        else
            run_allocreplay "$t"
            run_floor "$t"
        fi
    done
    r=$((r + 1))
done

median() {
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

minimum() {
    sort -g "$1" | head -1
}

# The verdict is on the ratio of medians. The ratio of minima is printed next to it: on a
# shared machine, time lost to other processes only ever adds, so the fastest repetition of
# each side is the one least disturbed, and when the two ratios disagree the run was noisy.
status=0
printf '%-40s %8s %12s %14s %9s %7s\n' trace events floor_ns/ev allocreplay_ns/ev min_ratio ratio
for t in "$@"; do
    k=$(key "$t")
    events=$("$floor" -n 1 --min-time 0 "$t" | awk '/^events:/ { print $2 }')
    f=$(median "$tmp/$k.floor")
    a=$(median "$tmp/$k.ar")
    mr=$(awk -v a="$(minimum "$tmp/$k.ar")" -v f="$(minimum "$tmp/$k.floor")" 'BEGIN { printf "%.3f", a / f }')
    verdict=$(awk -v a="$a" -v f="$f" -v l="$limit" 'BEGIN { r = a / f; printf "%.3f %s", r, (r > l ? "ABOVE" : "ok") }')
    case $verdict in *ABOVE) status=1 ;; esac
    printf '%-40s %8s %12.2f %14.2f %9s %s\n' "${t#"$src"/}" "$events" "$f" "$a" "$mr" "$verdict"
done
echo "reps=$reps min_time_ms=$min_time limit=$limit date=$(date -u +%Y-%m-%dT%H:%M:%SZ) host=$(uname -n) pin=${pin:-none}"
exit $status
