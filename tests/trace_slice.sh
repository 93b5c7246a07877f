#!/usr/bin/env bash
# allocreplay slice (docs/trace-format.md, "Slicing"): every option on tests/traces/slice.yaml
# (two process images, timed, thread exits), objects alive at the cut allocated or dropped,
# times and thread exits kept, every output valid; bad usage refused with exit 2.
#   tests/trace_slice.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$root/tests/tap.sh"
tap_scratch
in=$root/tests/traces/slice.yaml

# sliced NAME ARGS...: slices into $work/NAME.yaml, which must validate.
sliced() {
    local name=$1
    shift
    "$bin" slice "$in" "$work/$name.yaml" "$@" >"$work/$name.out" 2>&1 &&
        "$bin" validate "$work/$name.yaml" >/dev/null
}
# events NAME: the event lines of a sliced YAML file.
events() { grep '^- ' "$work/$1.yaml"; }

sliced range --events 3..7
ok $? "--events 3..7: written, valid"
[ "$(events range | wc -l)" = 7 ] && grep -q '3 objects allocated at the start' "$work/range.out"
ok $? "--events 3..7: the 3 objects alive at the cut are allocated at the start (7 events)"
events range | head -3 | grep -c 'time: 0\|0ns' | grep -q '^3$' &&
    events range | grep -q '{op: free, id: 1, thread: 1, time: 10}' &&
    events range | grep -q '^- \[free, 2, 30ns\]'
ok $? "--events 3..7: times count from the slice's first event, allocations at its start"
grep -q '^thread_exits: {1: 15}$' "$work/range.yaml"
ok $? "--events 3..7: the thread exit within the slice kept (shifted), the one after it dropped"

sliced drop --events 1..7 --alive-at-cut drop
ok $? "--alive-at-cut drop: written, valid"
[ "$(events drop | wc -l)" = 4 ] && grep -q '1 objects dropped with their 2 events' "$work/drop.out" &&
    ! events drop | grep -q 'size: 16\b\|realloc'
ok $? "--alive-at-cut drop: the object alive at the cut is dropped with its realloc and free"

sliced threads --threads 1
ok $? "--threads 1: written, valid"
[ "$(events threads | wc -l)" = 4 ] && ! events threads | grep -qv 'thread: 1' &&
    events threads | head -1 | grep -q 'size: 16, thread: 1, time: 0'
ok $? "--threads 1: its events, and the object it reallocates (allocated by thread 0) allocated at the start"
sliced threads_drop --threads 1 --alive-at-cut drop
[ "$(events threads_drop | wc -l)" = 2 ]
ok $? "--threads 1 --alive-at-cut drop: only the object thread 1 allocated"

sliced image1 --images 1
ok $? "--images 1: written, valid"
[ "$(events image1 | wc -l)" = 4 ] && ! events image1 | grep -qv 'thread: 2' &&
    grep -q '^thread_exits: {2: 40}$' "$work/image1.yaml" && grep -q 'images: 2' "$work/image1.out"
ok $? "--images 1: the second process image, its times from 0, its thread's exit"
sliced image0 --images 0
[ "$(events image0 | wc -l)" = 7 ] && ! events image0 | grep -q 'thread: 2'
ok $? "--images 0: the first process image"

sliced sizes --min-size 64 --max-size 200
ok $? "--min-size/--max-size: written, valid"
[ "$(events sizes | wc -l)" = 4 ] && grep -q '3 objects left out' "$work/sizes.out" &&
    [ "$(events sizes | grep -c 'size: 100\|size: 64')" = 2 ]
ok $? "--min-size 64 --max-size 200: the objects of 100 and 64 bytes, with their frees"

sliced all
cmp -s <(events all) <("$bin" convert "$in" "$work/copy.yaml" >/dev/null && events copy)
ok $? "no option: the whole trace, unchanged"

"$bin" slice "$in" "$work/range.alrt.zst" --events 3..7 >/dev/null &&
    "$bin" convert "$work/range.alrt.zst" "$work/range2.yaml" >/dev/null &&
    cmp -s "$work/range.yaml" "$work/range2.yaml"
ok $? "slice to .alrt.zst: the same trace as to YAML"

"$bin" slice "$in" "$work/l19.alrt.zst" --events 3..7 --zstd-level 19 >/dev/null &&
    "$bin" convert "$work/l19.alrt.zst" "$work/l19.yaml" >/dev/null && cmp -s "$work/range.yaml" "$work/l19.yaml"
ok $? "--zstd-level 19: the same slice"

bad=$root/tests/traces/repair.yaml
"$bin" slice "$bad" "$work/strict.yaml" >/dev/null 2>&1
st=$?
"$bin" slice "$bad" "$work/lenient.yaml" --lenient --events 1.. >"$work/lenient.out" 2>&1 &&
    [ $st = 2 ] && "$bin" validate "$work/lenient.yaml" >/dev/null
ok $? "--lenient: an invalid input is sliced with its bad events dropped (refused without)"

# usage_refused WHAT PATTERN ARGS...: exit 2, one line on stderr matching PATTERN, no output file.
usage_refused() {
    local what=$1 pattern=$2
    shift 2
    "$bin" slice "$in" "$work/bad.yaml" "$@" >/dev/null 2>"$work/err"
    local st=$?
    [ $st = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "$pattern" "$work/err" &&
        [ ! -e "$work/bad.yaml" ]
    ok $? "$what: exit 2, one line, no file"
}
usage_refused "--events 5..2" "bad --events '5..2'" --events 5..2
usage_refused "--events abc" "bad --events 'abc'" --events abc
usage_refused "--threads 70000" "bad --threads '70000'" --threads 70000
usage_refused "--images x" "bad --images 'x'" --images x
usage_refused "--min-size above --max-size" "min-size is above --max-size" --min-size 2K --max-size 1K
usage_refused "--alive-at-cut keep" "bad --alive-at-cut 'keep'" --alive-at-cut keep
usage_refused "a range past the trace's end" "starts at event 12, past the trace's 11 events" --events 12..

tap_done
