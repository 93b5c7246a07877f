#!/usr/bin/env bash
# Backend specs NAME:key=value (TAP), on the real workers: every key of every backend of the
# build, set to a value other than its default, is read back from the allocator after start-up
# (worker --check prints the canonical spec and the effective settings); bare names read back
# the allocators' own defaults (jemalloc's decay included); unknown keys, bad values, empty
# names and misspelt backends are refused with exit 2 and one line; a run records the settings
# in meta.yaml and the config column.
# Usage: backend_options.sh ALLOCREPLAY TRACE
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
trace=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
dir=$(dirname "$bin")
. "$(dirname "$0")/tap.sh"
tap_workdir

# The worker of each backend, from `allocreplay backends`.
"$bin" backends >list.txt || { echo "not ok 1 - allocreplay backends"; exit 1; }
worker_of() { awk -v b="$1" '$1 == b {print $2}' list.txt; }

# A valid value other than the default: the other boolean, another choice, or an integer near
# the lower bound (bytes a multiple of 64 KiB, so allocators that round keep it exactly).
other_value() { # TYPE DEFAULT
    case $1 in
    true\|false) [ "$2" = true ] && echo false || echo true ;;
    *\|*) echo "$1" | tr '|' '\n' | grep -vx "$2" | head -1 ;;
    *)
        local range min max
        range=$(echo "$1" | grep -o -- '-\?[0-9]*\.\.[0-9]*')
        min=${range%..*} max=${range#*..}
        if [ "$min" != "$2" ] && { [ "$min" != 0 ] || [ "${1%% *}" = integer ]; }; then echo "$min"
        elif [ "${1#*power}" != "$1" ]; then echo $((min * 2))
        elif [ "${1%% *}" = bytes ] && [ $((min + 65536)) -le "$max" ]; then echo $((min + 65536))
        else echo $((min + 1)); fi ;;
    esac
}

sanitized=0
"$dir/allocreplay-worker" --check malloc:arena_max=1 >/dev/null 2>&1 || sanitized=1

for w in $(awk '{print $2}' list.txt | sort -u | grep '^allocreplay-worker'); do
    "$dir/$w" --options
done >options.tsv
while IFS=$'\t' read -r backend key type def meaning; do
    want=$(other_value "$type" "$def")
    if [ "$backend" = malloc ] && [ $sanitized = 1 ]; then
        ok 0 "# SKIP $backend:$key (a sanitizer's malloc takes no glibc settings)"
        continue
    fi
    w=$(worker_of "$backend")
    got=$("$dir/$w" --check "$backend:$key=$want" 2>&1)
    config=$(printf '%s' "$got" | cut -f2)
    printf '%s' ",$config," | grep -q ",$key=$want,"
    ok $? "$backend:$key=$want is read back ($got)"
done <options.tsv

# Bare names: the allocators' own defaults, never a harness choice.
if [ -n "$(worker_of jemalloc)" ]; then
    got=$("$dir/allocreplay-worker-jemalloc" --check jemalloc 2>&1 | cut -f2)
    printf '%s' "$got" | grep -q 'dirty_decay_ms=10000,muzzy_decay_ms=0'
    ok $? "bare jemalloc keeps jemalloc's decay defaults ($got)"
else
    ok 0 "# SKIP no jemalloc worker in this build"
fi
got=$("$dir/allocreplay-worker" --check sgi 2>&1)
[ "$got" = "sgi	align=8,max_bytes=128,refill=20" ]
ok $? "bare sgi is the original's 8 / 128 / 20 ($got)"

# Refusals: exit 2 and one line naming the backend and listing its keys.
refused() { # WHAT GREP SPEC...
    local what=$1 pattern=$2; shift 2
    rm -rf res
    "$bin" run "$trace" --no-memory --min-time 1 -o res -b "$@" >/dev/null 2>err.txt
    local rc=$?
    [ $rc = 2 ] && [ "$(wc -l <err.txt)" = 1 ] && grep -q -- "$pattern" err.txt && [ ! -e res ]
    ok $? "$what: exit $rc, one line ($(head -c 200 err.txt))"
}
refused "unknown key" "backend sgi: unknown key 'colour' (keys: align, max_bytes, refill" "sgi:colour=1"
refused "bad value" "bad value 'x' for empty_keep" "slab:empty_keep=x"
refused "out of bounds" "bad value '3' for align" "sgi:align=3"
refused "not a power of two" "slab_size" "slab:slab_size=5000"
refused "a key given twice" "given twice" "sgi:refill=2,refill=3"
refused "a setting-less colon" "empty setting" "sgi:"
refused "an empty name in a list" "empty backend name in 'malloc,,slab'" "malloc,,slab"
refused "a trailing comma" "empty backend name" "malloc,"
refused "key=value with no spec before it" "follows no backend spec" "refill=3"
refused "a misspelt backend lists every worker's" "jemaloc'.*sgi, sgi-locked, malloc, slab, null" "jemaloc"
refused "a null backend takes no options" "takes no options" "null:x=1"
refused "one configuration twice" "same configuration" "sgi:refill=5,max_bytes=64,sgi:max_bytes=64,refill=5"

# A run: canonical labels, the config column and meta.yaml.
rm -rf res
"$bin" run "$trace" --no-memory --min-time 1 -o res --format csv \
    -b "sgi:refill=10,max_bytes=256,slab:empty_keep=0,sgi" >/dev/null 2>err.txt
ok $? "a run with settings succeeds ($(head -c 200 err.txt))"
[ "$(col res/summary.csv sgi:max_bytes=256,refill=10 config)" = "align=8,max_bytes=256,refill=10" ]
ok $? "the canonical label (keys in table order) carries the read-back config"
[ "$(col res/summary.csv sgi config)" = "align=8,max_bytes=128,refill=20" ]
ok $? "the bare backend's config column holds its defaults"
grep -q 'config: "slab_size=65536,empty_keep=0"' res/meta.yaml &&
    grep -q 'spec: "sgi:refill=10,max_bytes=256"' res/meta.yaml
ok $? "meta.yaml records each backend's spec and effective settings"

# The allocator's own view: known parts filled, unknown ones empty (never 0).
rm -rf res
"$bin" run "$trace" --min-time 1 --rss-every 2 -o res --format csv -b sgi,slab,null >/dev/null 2>&1
ok $? "a run with the memory pass"
[ "$(col res/summary.csv sgi view_peak_metadata_bytes)" = 0 ] &&
    [ -n "$(col res/summary.csv sgi view_peak_live_bytes)" ] &&
    [ -n "$(col res/summary.csv slab view_final_free_bytes)" ] &&
    [ "$(col res/summary.csv slab view_peak_metadata_bytes)" -gt 0 ]
ok $? "sgi and slab report their view (sgi metadata 0: the pool has none; slab: its headers)"
[ -z "$(col res/summary.csv null view_peak_live_bytes)" ] &&
    [ -z "$(col res/summary.csv null view_final_retained_bytes)" ]
ok $? "null says nothing of its view: empty cells, not 0"

tap_done
