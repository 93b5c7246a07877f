#!/usr/bin/env bash
# Pacing accuracy: how closely a paced memory pass keeps a timed trace's recorded time.
#
#   bench/pacing.sh [BUILD_DIR]     ROUNDS=N (default 3), BACKEND=SPEC (default malloc),
#                                   TOLERANCE_PCT=P (default 2), TOLERANCE_MS=M (default 10)
#
# Two generated traces with known gaps (bench/pacing/*.yaml): `gaps`, one thread, six bursts of
# 200 events at 4,000 events/s each followed by 250 ms without events (1.6 s recorded); and
# `gaps4`, the same on four threads (--threads). Each is replayed ROUNDS times with --pace
# recorded and --pace 4x (the memory pass only: throughput runs once, unpaced). For every run
# the script prints the schedule's length (pace_duration_ns: recorded duration / factor), the
# pass's wall time (paced_wall_ns), the difference, and how late events started
# (pace_lag_max_ns, pace_lag_mean_ns). A run is within tolerance when its wall time exceeds
# the schedule by at most TOLERANCE_PCT percent or TOLERANCE_MS ms, whichever is larger (it
# cannot be shorter: no event starts before it is due). Exit 0 when every run is within
# tolerance, 1 otherwise. Print `uptime` with the numbers: on a loaded machine a sleeping
# thread wakes late and a burst may need more CPU than it gets.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
bin=$build/harness/allocreplay
rounds=${ROUNDS:-3}
backend=${BACKEND:-malloc}
tol_pct=${TOLERANCE_PCT:-2}
tol_ms=${TOLERANCE_MS:-10}
[ -x "$bin" ] || { echo "pacing: $bin not built (ninja -C $build)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# field FILE COLUMN: the value of COLUMN (by header name) in the first row of FILE.
field() { tr -d '\r' <"$1" | awk -F, -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i} NR == 2 {print $k}'; }

echo "pacing: $(date -u '+%Y-%m-%d %H:%M UTC'), load:$(uptime | sed 's/.*load average://')"
printf '%-6s %-9s %5s %14s %14s %10s %12s %12s  %s\n' trace pace round schedule_ms wall_ms over_ms \
    lag_max_ms lag_mean_ms verdict
bad=0
for t in gaps gaps4; do
    "$bin" generate "$here/pacing/$t.yaml" -o "$work/$t.alrt" >/dev/null
    threads=
    [ "$t" = gaps4 ] && threads=--threads
    for pace in recorded 4x; do
        for ((r = 1; r <= rounds; r++)); do
            out=$work/$t-$pace-$r
            "$bin" run "$work/$t.alrt" -b "$backend" $threads --pace "$pace" --min-time 0 \
                --rss-every 1000000 -o "$out" --format csv >/dev/null
            s=$out/summary.csv
            dur=$(field "$s" pace_duration_ns) wall=$(field "$s" paced_wall_ns)
            lmax=$(field "$s" pace_lag_max_ns) lmean=$(field "$s" pace_lag_mean_ns)
            awk -v t="$t" -v p="$pace" -v r="$r" -v d="$dur" -v w="$wall" -v lm="$lmax" \
                -v la="$lmean" -v pct="$tol_pct" -v ms="$tol_ms" 'BEGIN {
                    over = w - d; tol = d * pct / 100; if (tol < ms * 1e6) tol = ms * 1e6
                    ok = over >= 0 && over <= tol
                    printf "%-6s %-9s %5d %14.3f %14.3f %10.3f %12.3f %12.4f  %s\n", t, p, r,
                        d / 1e6, w / 1e6, over / 1e6, lm / 1e6, la / 1e6,
                        ok ? "ok" : "outside tolerance"
                    exit !ok }' || bad=1
        done
    done
done
echo "tolerance: wall time at most max($tol_pct%, $tol_ms ms) over the schedule, never under"
exit $bad
