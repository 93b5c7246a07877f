#!/usr/bin/env bash
# allocreplay convert --repair (docs/trace-format.md, "Repairing") on tests/traces/repair.yaml,
# one event of each kind a YAML file can hold: refused without --repair, repaired into a valid
# trace with each kind reported on its own line with --repair; --repair with --lenient refused.
#   tests/trace_repair.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$root/tests/tap.sh"
tap_scratch
in=$root/tests/traces/repair.yaml

"$bin" convert "$in" "$work/plain.alrt" >/dev/null 2>"$work/err"
[ $? = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q 'repair.yaml:5:5: use before alloc' "$work/err" &&
    [ ! -e "$work/plain.alrt" ]
ok $? "without --repair: refused as before (exit 2, one line, no file)"

"$bin" convert "$in" "$work/fixed.alrt" --repair >"$work/out" 2>&1
ok $? "--repair: exit 0"
"$bin" validate "$work/fixed.alrt" | grep -q ': ok: 9 events, 6 objects'
ok $? "--repair: the output validates (9 events, 6 objects)"
grep -q 'repaired: 3 events dropped, 6 fixed' "$work/out"
ok $? "--repair: the totals"
for kind in "dropped 1 free of an unknown id" "dropped 1 double free" \
    "fixed 1 realloc of an unknown id, made an alloc" "fixed 1 realloc of a freed id, made an alloc" \
    "fixed 1 alloc of a live id, made a new object (the old one left live)" \
    "fixed 1 allocation of 0 bytes, made 1 byte" "fixed 1 realloc to 0 bytes, made a free" \
    "dropped 1 size above 1 TiB" "fixed 1 alignment above 1 MiB, clamped"; do
    sed 's/  */ /g; s/^ //' "$work/out" | grep -qxF "$kind"
    ok $? "--repair reports: $kind"
done
grep -q 'dropped 1 events: 1 bad alignment' "$work/out"
ok $? "--repair: an alignment that is not a power of two (not representable) dropped and counted"

"$bin" convert "$in" "$work/both.alrt" --repair --lenient >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q 'exclude each other' "$work/err" && [ ! -e "$work/both.alrt" ]
ok $? "--repair with --lenient: usage error"

# Times (docs/trace-format.md, "Time"): a thread's times going back are raised to its previous
# event's, an exit before the thread's last event raised to it; the events stay as they are.
tin=$root/tests/traces/repair-times.yaml
"$bin" convert "$tin" "$work/t.alrt" >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "event 2: time 90 ns on thread 0 is before" "$work/err" && [ ! -e "$work/t.alrt" ]
ok $? "times going back: refused without --repair"
"$bin" convert "$tin" "$work/t.yaml" --repair >"$work/out" 2>&1 &&
    grep -q 'repaired: 0 events dropped, 3 fixed' "$work/out" &&
    sed 's/  */ /g; s/^ //' "$work/out" | grep -qxF "fixed 2 time before its thread's previous event, raised to it" &&
    sed 's/  */ /g; s/^ //' "$work/out" | grep -qxF "fixed 1 thread exit before its last event (or past 2^62 ns), raised to it"
ok $? "times going back: --repair fixes and reports 2 times and 1 exit"
# (the writer gives a time as `time: N` or, in the compact form, `Nns`)
[ "$(grep -oE 'time: [0-9]+|[0-9]+ns' "$work/t.yaml" | tr -dc '0-9\n' | tr '\n' ' ')" = "100 50 100 60 100 120 " ] &&
    grep -q 'thread_exits: {0: 120, 1: 70}' "$work/t.yaml" && "$bin" validate "$work/t.yaml" >/dev/null
ok $? "times going back: raised to the thread's previous time, the exit to its last event, valid"

# --zstd-level: higher levels write smaller files of the same trace.
big=$root/traces/recorded/python-json.alrt
"$bin" convert "$big" "$work/l1.alrt.zst" --zstd-level 1 >/dev/null &&
    "$bin" convert "$big" "$work/l19.alrt.zst" --zstd-level 19 >/dev/null &&
    [ "$(stat -c %s "$work/l19.alrt.zst")" -lt "$(stat -c %s "$work/l1.alrt.zst")" ] &&
    "$bin" convert "$work/l19.alrt.zst" "$work/l19.alrt" >/dev/null && cmp -s "$big" "$work/l19.alrt"
ok $? "--zstd-level 19 is smaller than 1 and decompresses to the same .alrt"
"$bin" convert "$big" "$work/l0.alrt.zst" --zstd-level 0 >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "bad --zstd-level '0'" "$work/err"
ok $? "--zstd-level 0: usage error"

tap_done
