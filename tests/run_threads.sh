#!/usr/bin/env bash
# End-to-end test of `allocreplay run --threads` (TAP), on the real CLI and workers: a trace on
# four threads that hand objects to each other replays threaded on thread-safe backends, a
# backend that is not thread-safe is refused before any worker runs, and a trace on one thread
# keeps the single-threaded pass.
# Usage: run_threads.sh ALLOCREPLAY
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/tap.sh"
tap_workdir

# Object i is allocated (or calloc'd, or aligned) on thread i % 4, grown on the next thread,
# shrunk on the one after and freed on the fourth. With FIXED_THREAD >= 0 every event is on
# that one thread number instead: the same events, a single-thread trace.
gen() { # gen NAME FIXED_THREAD (-1 = four threads)
    awk -v name="$1" -v fixed="$2" 'BEGIN {
        srand(5); print "format: allocreplay-trace/1"; print "name: " name; print "events:"
        ops[0] = "alloc"; ops[1] = "calloc"; ops[2] = "alloc"
        for (id = 0; id < 1500; id++) {
            t = fixed >= 0 ? fixed : id % 4
            if (id % 7 == 3)
                printf "  - {op: aligned, id: %d, size: %d, align: 64, thread: %d}\n", id, 64 + id % 100, t
            else
                printf "  - {op: %s, id: %d, size: %d, thread: %d}\n", ops[id % 3], id, 1 + int(rand() * 400), t
            if (id >= 3) {
                o = id - 3
                t1 = fixed >= 0 ? fixed : (o + 1) % 4; t2 = fixed >= 0 ? fixed : (o + 2) % 4
                t3 = fixed >= 0 ? fixed : (o + 3) % 4
                printf "  - {op: realloc, id: %d, size: %d, thread: %d}\n", o, 500 + int(rand() * 3000), t1
                printf "  - {op: realloc, id: %d, size: %d, thread: %d}\n", o, 1 + int(rand() * 100), t2
                printf "  - {op: free, id: %d, thread: %d}\n", o, t3
            }
        }
    }' >"$1.yaml"
}
gen four -1
gen single 2

"$bin" run four.yaml -b malloc,sgi-locked --threads --no-memory --min-time 5 -o res --format csv \
    >out.csv 2>err.txt
rc=$?
ok $rc "run --threads on malloc and sgi-locked succeeds ($(head -c 200 err.txt))"
[ "$(col res/summary.csv malloc status)" = ok ] && [ "$(col res/summary.csv sgi-locked status)" = ok ]
ok $? "both cells ok"
[ "$(col res/summary.csv malloc threads)" = 4 ] && [ "$(col res/summary.csv sgi-locked threads)" = 4 ]
ok $? "threads column is 4"
head -1 res/summary.csv | tr -d '\r' | tr , '\n' | grep -qx threads
ok $? "threads is a summary column"
grep -q '^  threads: true' res/meta.yaml
ok $? "meta.yaml records the option"

"$bin" run four.yaml -b malloc --no-memory --min-time 5 -o res-plain --format csv >/dev/null 2>&1 &&
    [ "$(col res-plain/summary.csv malloc threads)" = 1 ]
ok $? "without --threads the same trace replays on one thread (threads=1)"

"$bin" run four.yaml -b malloc,sgi --threads --no-memory -o res-sgi >/dev/null 2>err.txt
rc=$?
[ $rc -eq 2 ] && [ "$(cat err.txt)" = "allocreplay: backend sgi is not thread-safe: use sgi-locked" ] &&
    [ ! -e res-sgi ]
ok $? "sgi with --threads refused before any cell runs (exit $rc: $(head -c 200 err.txt))"

"$bin" run single.yaml -b malloc --threads --no-memory --min-time 5 -o res-single --format csv \
    >/dev/null 2>err.txt &&
    [ "$(col res-single/summary.csv malloc status)" = ok ] &&
    [ "$(col res-single/summary.csv malloc threads)" = 1 ]
ok $? "a trace on one thread number under --threads runs single-threaded (threads=1)"

"$bin" run four.yaml -b malloc --threads --latency --verify -o res-all --format csv >/dev/null 2>err.txt &&
    [ "$(col res-all/summary.csv malloc status)" = ok ] &&
    [ "$(col res-all/summary.csv malloc verified)" = yes ] &&
    [ "$(col res-all/summary.csv malloc threads)" = 4 ]
ok $? "with --threads the latency, memory and verify passes still run (single-threaded)"

tap_done
