#!/usr/bin/env bash
# End-to-end test of paced replay (TAP), on the real CLI and workers: a timed trace's memory
# pass paced at a speed factor records the pace in summary.csv and meta.yaml and a time on
# every timeline row, in order; a thread exit recorded after the last event is waited for;
# unpaced runs leave those columns empty; --threads paces too; a campaign's `pace` option paces
# its memory pass; `plot` draws paced timelines against seconds; an untimed trace, a bad factor
# and a paced throughput pass are refused with exit 2 and one line. No timing is asserted
# beyond the schedule's lower bound (a paced pass cannot end before its last event is due).
# Usage: run_pace.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$(dirname "$0")/tap.sh"
tap_workdir

# Two bursts of 300 events at 20,000 events/s on two threads, 50 ms apart: about 80 ms
# recorded, 40 ms at 2x.
cat >burst.spec.yaml <<'EOF'
format: allocreplay-spec/1
name: burst
seed: 3
threads: 2
phases:
  - {events: 300, rate: 20000, idle: 0.05, drain: true, classes: [{size: {dist: uniform, min: 64, max: 8192}, lifetime: {dist: forever}}]}
  - {events: 300, rate: 20000, classes: [{size: {dist: uniform, min: 64, max: 8192}, lifetime: {dist: exponential, mean: 20}}]}
EOF
check "generate a timed trace" "$bin" generate burst.spec.yaml -o burst.alrt

# The fields of one column, by header name, over every row of a CSV without quoted commas.
column() { tr -d '\r' <"$1" | awk -F, -v c="$2" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == c) k = i; next} {print $k}'; }

"$bin" run burst.alrt -b malloc --pace 2x --rss-every 50 --min-time 0 -o paced --format csv \
    >/dev/null 2>err.txt
ok $? "run --pace 2x succeeds ($(head -c 200 err.txt))"
[ "$(col paced/summary.csv malloc pace)" = 2x ]
ok $? "summary: pace column 2x"
dur=$(col paced/summary.csv malloc pace_duration_ns)
wall=$(col paced/summary.csv malloc paced_wall_ns)
[ -n "$dur" ] && [ "$dur" -gt 30000000 ] && [ "$dur" -lt 50000000 ]
ok $? "summary: the schedule lasts the recorded duration / 2 ($dur ns)"
[ -n "$wall" ] && [ "$wall" -ge "$dur" ]
ok $? "summary: the pass did not end before its schedule ($wall >= $dur ns)"
[ -n "$(col paced/summary.csv malloc pace_lag_max_ns)" ] &&
    [ -n "$(col paced/summary.csv malloc pace_lag_mean_ns)" ]
ok $? "summary: lag columns filled"
grep -q '^  pace: 2x' paced/meta.yaml
ok $? "meta.yaml records the pace"
column paced/timeline.csv time_s | awk 'BEGIN {bad = 0} $1 == "" || $1 + 0 < prev {bad = 1} {prev = $1 + 0; n++}
    END {exit bad || n < 10}'
ok $? "timeline: a time on every row, never decreasing ($(column paced/timeline.csv time_s | wc -l) rows)"
column paced/timeline.csv event | sort -n | uniq -d | grep -q .
ok $? "timeline: the time grid samples the idle gap (rows sharing an event count)"

"$bin" run burst.alrt -b malloc --rss-every 50 --min-time 0 -o unpaced --format csv >/dev/null 2>&1 &&
    [ -z "$(col unpaced/summary.csv malloc pace)" ] &&
    [ -z "$(column unpaced/timeline.csv time_s | tr -d '\n')" ]
ok $? "unpaced: pace and time_s empty"

"$bin" run burst.alrt -b malloc --threads --pace recorded --rss-every-ms 5 --min-time 0 -o threads \
    --format csv >/dev/null 2>err.txt &&
    [ "$(col threads/summary.csv malloc threads)" = 2 ] &&
    [ "$(col threads/summary.csv malloc pace)" = recorded ]
ok $? "--threads --pace recorded: two replay threads, paced ($(head -c 200 err.txt))"
grep -q '^  rss_every_ms: 5' threads/meta.yaml
ok $? "meta.yaml records the time grid"

if command -v gnuplot >/dev/null; then
    "$bin" plot paced >/dev/null 2>err.txt && grep -q "seconds since the memory pass started" paced/plots/memory-burst.svg
    ok $? "plot: a paced memory chart is drawn against seconds ($(head -c 200 err.txt))"
    "$bin" plot unpaced >/dev/null 2>&1 && grep -q "events replayed" unpaced/plots/memory-burst.svg &&
        ! grep -q "seconds since" unpaced/plots/memory-burst.svg
    ok $? "plot: an unpaced one against events"
else
    ok 0 "plot: paced chart" "SKIP gnuplot not installed"
    ok 0 "plot: unpaced chart" "SKIP gnuplot not installed"
fi

# A thread exit 30 ms after the last event: the pass waits for it.
cat >tail.yaml <<'EOF'
format: allocreplay-trace/1
name: tail
events:
  - [alloc, 0, 4096, 0ns]
  - [free, 0, 1000000ns]
thread_exits: {0: 31000000}
EOF
"$bin" run tail.yaml -b malloc --pace recorded --min-time 0 -o tail --format csv >/dev/null 2>err.txt &&
    [ "$(col tail/summary.csv malloc pace_duration_ns)" = 31000000 ] &&
    [ "$(col tail/summary.csv malloc paced_wall_ns)" -ge 31000000 ]
ok $? "a thread exit after the last event is part of the schedule ($(head -c 200 err.txt))"

cat >camp.yaml <<'EOF'
name: paced
traces: [burst.alrt]
backends: [malloc]
repetitions: 1
options: {latency: false, pace: 10x, min_time_ms: 0}
charts: []
output: camp-results
EOF
"$bin" campaign camp.yaml >/dev/null 2>err.txt
ok $? "a campaign with pace: 10x runs ($(head -c 200 err.txt))"
[ "$(col camp-results/summary.csv malloc pace)" = 10x ]
ok $? "its memory pass is paced at 10x"

"$bin" run "$root/traces/vector-growth.yaml" -b malloc --pace recorded -o untimed >out.txt 2>err.txt
rc=$?
[ $rc -eq 2 ] && [ "$(wc -l <err.txt)" -eq 1 ] && grep -q "vector-growth.yaml: a paced run needs a timed trace" err.txt &&
    [ ! -e untimed/summary.csv ]
ok $? "an untimed trace with --pace: exit 2, one line naming it ($rc: $(cat err.txt))"
"$bin" run burst.alrt -b malloc --pace recorded --no-memory -o nomem >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q "pace applies to the memory pass, which is off" err.txt && [ ! -e nomem ]
ok $? "--pace with --no-memory is refused, exit 2 ($rc: $(cat err.txt))"
"$bin" run burst.alrt -b malloc --pace 10 -o badpace >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q "bad --pace '10'" err.txt
ok $? "a factor without x is refused, exit 2 ($rc: $(cat err.txt))"
sed 's/pace: 10x/pace: fast/' camp.yaml >bad.yaml
"$bin" campaign bad.yaml >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q "bad.yaml:.*option 'pace' must be recorded or a speed factor" err.txt
ok $? "a campaign with a bad pace is refused, exit 2 ($rc: $(cat err.txt))"
worker=$(dirname "$bin")/allocreplay-worker
"$worker" --trace burst.alrt --backend malloc --pass throughput --report-fd 1 --pace recorded \
    >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && grep -q "memory pass only" err.txt
ok $? "the worker refuses a paced throughput pass, exit 2 ($rc: $(head -1 err.txt))"

tap_done
