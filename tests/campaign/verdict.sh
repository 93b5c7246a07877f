#!/usr/bin/env bash
# A campaign ends with its verdict (TAP): per trace, the fastest, the best p99 and the least
# memory, each with the runner-up's margin and whether it is called; with too few repetitions
# it says so instead; report.html opens with the same verdict, before the aggregate table.
# Usage: verdict.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$(dirname "$0")/../tap.sh"
tap_workdir
tap_on_fail() { sed 's/^/# /' out err 2>/dev/null | tail -20; }

# campaign NAME REPS CHARTS: a campaign file of list-churn x sgi, slab with the latency pass.
campaign() {
    cat >"$1.yaml" <<YAML
name: $1
traces: ["$src/traces/list-churn.yaml"]
backends: [sgi, slab]
repetitions: $2
options: {latency: true, rss_every: 5, timeout: 60}
charts: $3
YAML
}

campaign four 4 "[throughput]"
"$bin" campaign four.yaml -o four >out 2>err
# Without gnuplot the campaign exits 2 (no charts), yet report.html and the verdict are written.
[ -s four/summary.csv ] && [ -s four/report.html ]
ok $? "campaign of 4 repetitions: summary.csv and report.html"
tail -4 out | head -1 | grep -q '^  list-churn$' &&
    tail -3 out | grep -Eq '^    fastest       (sgi|slab), [0-9.]+ ns/event; runner-up (sgi|slab), ' &&
    tail -2 out | grep -Eq '^    best p99      (sgi|slab), p99 [0-9]+ ns; runner-up ' &&
    tail -1 out | grep -Eq '^    least memory  (sgi|slab), ' &&
    grep -q '^verdict (medians, lower is better; a lead is called when Mann-Whitney p < 0.05 and it is at least 3%):$' out &&
    ! grep -q 'too few repetitions' out
ok $? "the campaign ends with a verdict per aspect"
# Each called or uncalled lead says which: significant, not significant or below the threshold.
[ "$(tail -3 out | grep -Ec ': (significant|not significant|significant \(p=[0-9.e-]+\) but below)')" -eq 3 ]
ok $? "every verdict line says whether its lead is significant"

v=$(grep -n 'id="verdict"' four/report.html | cut -d: -f1)
t=$(grep -n 'id="aggregate"' four/report.html | cut -d: -f1)
[ -n "$v" ] && [ -n "$t" ] && [ "$v" -lt "$t" ] &&
    [ "$(grep -c '<tr class="\(significant\|not-significant\|below-threshold\)"><td class="l">list-churn</td>' four/report.html)" -eq 3 ]
ok $? "report.html: the verdict comes first, one row per aspect"

campaign three 3 "[]"
"$bin" campaign three.yaml -o three >out 2>err
ok $? "campaign of 3 repetitions"
[ "$(grep -c 'too few repetitions for a verdict (4 or more per backend)$' out)" -eq 3 ]
ok $? "3 repetitions: too few for a verdict, on every aspect"
tap_done
