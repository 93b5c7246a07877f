#!/usr/bin/env bash
# End-to-end test of `allocreplay run` and `allocreplay backends` (TAP), on the real CLI and
# workers: results directory layout and columns, atomic outputs, peak live bytes against an
# independent count, the null backend's ns/event, every operation in latency.csv once, bad input.
# Nothing here compares times (the latency pass against the throughput pass was a factor-4
# check that a loaded 2-core machine broke): timings belong in bench/.
# Usage: run_cli.sh ALLOCREPLAY
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/tap.sh"
tap_workdir

"$bin" backends >backends.out 2>&1
grep -q '^  null ' backends.out && grep -q '^  malloc ' backends.out && grep -q 'plugin:PATH' backends.out &&
    grep -q 'preload:PATH' backends.out
ok $? "backends lists null, malloc and the plugin:/preload: forms"

# A random trace of allocs, callocs, reallocs and frees, with its peak live bytes counted here.
awk -v n=20000 'BEGIN {
    srand(11); print "format: allocreplay-trace/1"; print "name: e2e-random"; print "events:"
    nl = 0; id = 0; live = 0; peak = 0
    for (i = 0; i < n; i++) {
        r = rand()
        if (nl == 0 || r < 0.5) {
            s = int(rand() * 3000) + 1; op = rand() < 0.2 ? "calloc" : "alloc"
            printf "  - [%s, %d, %d]\n", op, id, s
            ids[nl] = id; sz[id] = s; nl++; id++; live += s
        } else {
            k = int(rand() * nl); x = ids[k]
            if (r < 0.6) {
                s = int(rand() * 5000) + 1
                printf "  - [realloc, %d, %d]\n", x, s
                live += s - sz[x]; sz[x] = s
            } else {
                printf "  - [free, %d]\n", x
                live -= sz[x]; ids[k] = ids[nl - 1]; nl--
            }
        }
        if (live > peak) peak = live
    }
    print peak > "peak.txt"
}' >random.yaml
"$bin" convert random.yaml random.alrt >/dev/null 2>&1
ok $? "convert the generated trace to binary"
peak=$(cat peak.txt)

"$bin" run random.alrt -b null,malloc -n 3 --latency -o res >table.out 2>err.out
ok $? "run null,malloc with the latency pass: exit 0"
for f in summary.csv latency.csv timeline.csv meta.yaml; do
    [ -s "res/$f" ]
    ok $? "res/$f written"
done
[ -z "$(find res -name '*.tmp*')" ]
ok $? "no temporary file left behind"
head -1 res/summary.csv | tr -d '\r' | cut -d, -f1-20 | grep -qx \
    'trace,backend,rep,status,events,wall_ns,ns_per_event,events_per_sec,p50_ns,p90_ns,p99_ns,p999_ns,max_ns,peak_live_bytes,peak_footprint_bytes,peak_rss_bytes,final_rss_bytes,frag_internal,frag_jw3,frag_jw4'
ok $? "summary.csv starts with the twenty contract columns of docs/metrics.md"
head -1 res/latency.csv | tr -d '\r' | grep -qx 'trace,backend,rep,op,lo_ns,hi_ns,count'
ok $? "latency.csv columns"
head -1 res/timeline.csv | tr -d '\r' | cut -d, -f1-7 | grep -qx 'trace,backend,rep,event,live_bytes,footprint_bytes,rss_bytes'
ok $? "timeline.csv starts with the contract columns"
[ "$(col res/summary.csv null status | sort -u)" = ok ] && [ "$(col res/summary.csv malloc status | sort -u)" = ok ]
ok $? "every cell ok"
[ "$(col res/summary.csv null peak_live_bytes | sort -u)" = "$peak" ] &&
    [ "$(col res/summary.csv malloc peak_live_bytes | sort -u)" = "$peak" ]
ok $? "peak live bytes = independent count ($peak)"
"$bin" info random.alrt | grep -q "$peak"
ok $? "allocreplay info reports the same peak live"
nspe=$(col res/summary.csv null ns_per_event | head -1)
awk -v x="$nspe" 'BEGIN {exit !(x > 0)}'
ok $? "null backend ns/event reported: $nspe ns (the harness's own cost per event)"
[ "$(col res/summary.csv null timer | sort -u)" = tsc ] || [ "$(col res/summary.csv null timer | sort -u)" = clock ]
ok $? "timer kind reported ($(col res/summary.csv null timer | head -1))"
grep -q "^timer:" res/meta.yaml && grep -q "cpu_model:" res/meta.yaml && grep -q "git_revision:" res/meta.yaml
ok $? "meta.yaml: machine, build, timer"
count=$(awk -F, -v b=malloc 'NR>1 && $2==b && $3==1 {s += $7} END {print s}' res/latency.csv)
[ "$count" = 20000 ]
ok $? "latency.csv counts every operation once ($count)"
grep -q 'e2e-random *null' table.out && grep -q 'e2e-random *malloc' table.out
ok $? "summary table on stdout"

"$bin" run random.alrt -b null --no-memory -o res2 --format csv >csv.out 2>/dev/null
cmp -s csv.out res2/summary.csv
ok $? "--format csv prints summary.csv"
[ ! -e res2/timeline.csv ] || [ "$(wc -l <res2/timeline.csv)" -eq 1 ]
ok $? "--no-memory: no timeline rows"

"$bin" run random.alrt -b malloc --verify --no-memory -o res3 >/dev/null 2>&1
ok $? "--verify passes malloc"
[ "$(col res3/summary.csv malloc verified)" = yes ]
ok $? "verified column set"

"$bin" run random.alrt -b null --touch --rss-every 1000 -o res6 >/dev/null 2>&1
ok $? "--touch and --rss-every run"
rows=$(awk -F, 'NR > 1' res6/timeline.csv | wc -l)
[ "$rows" -ge 21 ] && [ "$rows" -le 23 ]
ok $? "--rss-every 1000 over 20000 events: 21..23 samples ($rows)"

printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [free, 0]\n  - [free, 0]\n' >double.yaml
"$bin" run double.yaml -b null --lenient -o res7 >/dev/null 2>err.out
[ $? -eq 0 ] && grep -q 'dropped 1 double free' err.out && [ "$(col res7/summary.csv null events)" = 2 ]
ok $? "--lenient: the bad event is dropped and reported ($(cat err.out))"

# --min-time: the throughput pass loops over the trace until the timed loops add up to it;
# wall_ns sums them and ns_per_event divides by loops * events. 0 = one loop.
printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [calloc, 1, 100]\n  - [free, 0]\n' >short.yaml
"$bin" run short.yaml -b malloc --no-memory --min-time 5 -o res8 >/dev/null 2>&1 &&
    "$bin" run short.yaml -b malloc --no-memory --min-time 0 -o res9 >/dev/null 2>&1
ok $? "--min-time 5 and --min-time 0 run"
loops=$(col res8/summary.csv malloc loops)
awk -v l="$loops" -v w="$(col res8/summary.csv malloc wall_ns)" -v x="$(col res8/summary.csv malloc ns_per_event)" \
    'BEGIN { d = x * l * 3 - w; exit !(l > 1 && w >= 5000000 && d < 0.01 * w && d > -0.01 * w) }'
ok $? "--min-time 5: $loops loops, wall_ns >= 5 ms, ns_per_event = wall_ns / (loops * events)"
[ "$(col res9/summary.csv malloc loops)" = 1 ]
ok $? "--min-time 0: one loop"
# null rewinds its bump pointer when nothing is live, so loops of a trace of huge untouched
# blocks do not walk through its 64 GiB reservation (8 GiB a loop: out of memory by loop 9).
printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 4294967296]\n  - [alloc, 1, 4294967296]\n  - [free, 0]\n' >huge.yaml
"$bin" run huge.yaml -b null --no-memory --min-time 5 -o res10 >/dev/null 2>&1
[ $? -eq 0 ] && [ "$(col res10/summary.csv null status)" = ok ] && [ "$(col res10/summary.csv null loops)" -gt 8 ]
ok $? "null over --min-time loops of 8 GiB each: ok, $(col res10/summary.csv null loops) loops"
"$bin" run short.yaml --min-time 5ms >/dev/null 2>err.out
[ $? -eq 2 ] && [ "$(wc -l <err.out)" -eq 1 ] && grep -q "min-time" err.out
ok $? "bad --min-time: exit 2, one line ($(cat err.out))"

# Bad input: one line on stderr, exit 2.
"$bin" run random.alrt -b no-such-backend -o res4 >/dev/null 2>err.out
[ $? -eq 2 ] && [ "$(wc -l <err.out)" -eq 1 ] && grep -q no-such-backend err.out && [ ! -e res4 ]
ok $? "unknown backend: exit 2, one line ($(cat err.out))"
"$bin" run missing.alrt -b null >/dev/null 2>err.out
[ $? -eq 2 ] && [ "$(wc -l <err.out)" -eq 1 ]
ok $? "missing trace: exit 2, one line ($(cat err.out))"
printf 'format: allocreplay-trace/1\nevents:\n  - [free, 0]\n' >bad.yaml
"$bin" run bad.yaml -b null -o res5 >/dev/null 2>err.out
[ $? -eq 2 ] && [ "$(wc -l <err.out)" -eq 1 ] && grep -q 'bad.yaml:' err.out
ok $? "bad trace: exit 2, one line ($(cat err.out))"
"$bin" run random.alrt -n 0 >/dev/null 2>err.out
[ $? -eq 2 ]
ok $? "bad repetition count: exit 2"
before=$(cat res2/summary.csv)
"$bin" run random.alrt -b null -o res2 >/dev/null 2>err.out
[ $? -eq 2 ] && grep -q 'already holds results' err.out && [ "$(cat res2/summary.csv)" = "$before" ]
ok $? "a new run into a results directory of another run is refused, its files untouched"
: >afile
"$bin" run random.alrt -b null -o afile >/dev/null 2>err.out
[ $? -eq 2 ] && [ "$(cat err.out)" = "allocreplay: afile: not a directory" ]
ok $? "-o naming a file: exit 2, 'not a directory' ($(cat err.out))"

tap_done
