#!/usr/bin/env bash
# End-to-end test of failed cells and of RSS measurement (TAP), outside the sanitizer build
# (AddressSanitizer turns a SIGSEGV into an abort and adds shadow memory to RSS):
# a worker that segfaults, aborts, hangs or runs out of memory is a failed row naming the
# reason while the other cells still run and the exit status is 1; --verify catches a backend
# that corrupts; RSS of one 256 MiB block is reported within 5%.
# Usage: run_failures.sh ALLOCREPLAY MISBEHAVE_PLUGIN
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
plugin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/tap.sh"
tap_workdir

awk 'BEGIN {print "format: allocreplay-trace/1"; print "events:"
     for (i = 0; i < 50; i++) print "  - [alloc, " i ", " (16 + i) "]"
     for (i = 0; i < 50; i++) print "  - [realloc, " i ", " (100 + i) "]"
     for (i = 0; i < 50; i++) print "  - [free, " i "]"}' >small.yaml

# misbehave MODE EXTRA_ARGS...: runs plugin + malloc, leaves the status of the plugin's row in
# $status and the exit code in $rc.
# Each call writes a fresh results directory (a run refuses to mix with an earlier one).
runs=0
misbehave() {
    local mode=$1; shift
    local out="res-$mode"
    runs=$((runs + 1))
    [ ! -e "$out" ] || out="res-$mode-$runs"
    ALLOCREPLAY_TEST_MISBEHAVE=$mode "$bin" run small.yaml -b "plugin:$plugin,malloc" -o "$out" "$@" \
        >"$mode.out" 2>"$mode.err"
    rc=$?
    status=$(col "$out/summary.csv" "plugin:$plugin" status)
    other=$(col "$out/summary.csv" malloc status)
}

misbehave segv
[ "$rc" = 1 ] && [ "$status" = "signal SIGSEGV" ] && [ "$other" = ok ]
ok $? "segfaulting backend: row says 'signal SIGSEGV', malloc still ok, exit 1 (got '$status', $rc)"
[ "$(col res-segv/summary.csv "plugin:$plugin" failed_pass)" = throughput ]
ok $? "the failed pass is named"
misbehave abort
[ "$rc" = 1 ] && [ "${status%% *}" = aborted ] && [ "$other" = ok ]
ok $? "aborting backend: '$status', exit 1"
misbehave hang --timeout 1
[ "$rc" = 1 ] && [ "$status" = "killed (timeout 1s)" ] && [ "$other" = ok ]
ok $? "hanging backend: '$status', exit 1"
misbehave corrupt --verify
case "$status" in "verify: event "*" id "*": realloc lost content"*) s=0 ;; *) s=1 ;; esac
[ "$rc" = 1 ] && [ $s = 0 ] && [ "$other" = ok ]
ok $? "--verify catches lost realloc content, naming event and id: '$status'"
misbehave corrupt
[ "$rc" = 0 ] && [ "$status" = ok ]
ok $? "without --verify the corruption goes unseen (timed passes never check)"
[ -z "$(find res-* -name '*.tmp*')" ]
ok $? "no temporary file left behind by failed cells"

# One block of 256 MiB: the memory pass writes every page, so RSS grows by 256 MiB.
printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 268435456]\n  - [free, 0]\n' >big.yaml
"$bin" run big.yaml -b malloc -o res-big >/dev/null 2>&1
ok $? "256 MiB trace runs"
rss=$(col res-big/summary.csv malloc peak_rss_bytes)
awk -v r="$rss" 'BEGIN {x = r / 268435456; printf "# peak RSS / 256 MiB = %.4f\n", x; exit !(x > 0.95 && x < 1.05)}'
ok $? "peak RSS within 5% of 256 MiB ($rss bytes)"
[ "$(col res-big/summary.csv malloc peak_live_bytes)" = 268435456 ]
ok $? "peak live = 256 MiB"
# The same through calloc: glibc's calloc hands out fresh zero pages without writing them, so
# only the memory pass's own touch makes them resident.
printf 'format: allocreplay-trace/1\nevents:\n  - [calloc, 0, 268435456]\n  - [free, 0]\n' >bigc.yaml
"$bin" run bigc.yaml -b malloc -o res-bigc >/dev/null 2>&1
rss=$(col res-bigc/summary.csv malloc peak_rss_bytes)
awk -v r="$rss" 'BEGIN {x = r / 268435456; printf "# calloc: peak RSS / 256 MiB = %.4f\n", x; exit !(x > 0.95 && x < 1.05)}'
ok $? "calloc of 256 MiB: peak RSS within 5% ($rss bytes)"

"$bin" run big.yaml -b malloc --memory-limit 128M -o res-oom >/dev/null 2>&1
rc=$?
status=$(col res-oom/summary.csv malloc status)
[ "$rc" = 1 ] && case "$status" in "out of memory"*) true ;; *) false ;; esac
ok $? "--memory-limit: '$status'"

# preload:PATH runs the malloc backend under LD_PRELOAD. A known allocator's own statistics
# replace glibc's (mallinfo2 would describe an idle glibc heap): with mimalloc preloaded, the
# footprint is mimalloc's committed memory, as the mimalloc backend reports it. A file that is
# not a malloc-replacing library is refused before any cell runs.
mi=/usr/lib/x86_64-linux-gnu/libmimalloc.so.2
if [ -e "$mi" ]; then
    "$bin" run small.yaml -b "malloc,preload:$mi" -o res-preload >/dev/null 2>&1
    ok $? "preload:$mi runs"
    fp=$(col res-preload/summary.csv "preload:$mi" peak_footprint_bytes)
    fm=$(col res-preload/summary.csv malloc peak_footprint_bytes)
    [ -n "$fp" ] && [ "$fp" != "$fm" ] && [ "$fp" -ge 1048576 ]
    ok $? "preloaded mimalloc's own footprint is used: $fp (glibc's without it: $fm)"
else
    ok 0 "# SKIP no $mi"
    ok 0 "# SKIP no $mi"
fi
for lib in /etc/passwd /usr/lib/x86_64-linux-gnu/libz.so.1; do
    [ -e "$lib" ] || { ok 0 "# SKIP no $lib"; continue; }
    "$bin" run small.yaml -b "preload:$lib" -o res-refused >/dev/null 2>err.txt
    rc=$?
    [ $rc = 2 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q 'did not replace malloc' err.txt &&
        [ ! -e res-refused ]
    ok $? "preload:$lib refused: exit $rc, one line ($(head -c 160 err.txt))"
done

tap_done
