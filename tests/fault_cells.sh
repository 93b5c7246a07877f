#!/usr/bin/env bash
# Faults, through the real `allocreplay run`, as TAP: backends that crash,
# abort, return NULL, corrupt a block, hang or get SIGKILLed (tests/fault_plugins/), a memory
# limit below the trace's live set, and a results directory on a full disk or past a file size
# limit. Each bad backend must become one failed cell whose status says why, the good cells
# complete, `run` exits 1, and no result file is left half-written (no *.tmp.*, every CSV row
# complete).
# Usage: fault_cells.sh ALLOCREPLAY PLUGIN_DIR plain|asan
set -u
. "$(dirname "$0")/tap.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
plugins=$(cd "$2" && pwd)
mode=$3
# Under AddressSanitizer a worker's SIGSEGV becomes ASan's report and then, with abort_on_error
# (as scripts/test.sh sets it), an abort: make that so however the test is started.
[ "$mode" = asan ] && export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=1"
work=$(mktemp -d)
trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 99
"$bin" run --help >/dev/null 2>&1 || { echo "1..0 # SKIP allocreplay run is not built yet"; exit 0; }
tap_on_fail() { sed 's/^/# stderr: /' err | head -5; }

# status_of CSV BACKEND: the status column of that backend's row in summary.csv.
status_of() {
    awk -F, -v b="$2" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                       $col["backend"] == b { print $col["status"] }' "$1"
}

# complete DIR: no temporary file, and every CSV has rows as wide as its header.
complete() {
    [ -z "$(find "$1" -name '*.tmp.*')" ] || return 1
    for f in "$1"/*.csv; do
        [ -e "$f" ] || continue
        awk -F, 'NR == 1 { w = NF } NF != w { exit 1 }' "$f" || return 1
    done
}

# 300 live blocks of 1..300 bytes, then all freed: the 100th allocation is well inside.
{ echo 'format: allocreplay-trace/1'; echo 'events:'
  for i in $(seq 0 299); do echo "  - [alloc, $i, $((i + 1))]"; done
  for i in $(seq 0 299); do echo "  - [free, $i]"; done; } >fault.yaml

faults="segv abort null corrupt hang sigkill"
backends=malloc
for f in $faults; do backends="$backends,plugin:$plugins/fault-$f.so"; done
"$bin" run fault.yaml -b "$backends" --verify --timeout 3 -o out >stdout 2>err
status=$?
[ $status -eq 1 ]
ok $? "run with six faulty backends exits 1 (got $status)"
[ -f out/summary.csv ] && [ "$(wc -l <out/summary.csv)" -eq 8 ]
ok $? "summary.csv holds a row for each of the 7 cells"
complete out
ok $? "no temporary file, every CSV row complete"
[ "$(status_of out/summary.csv malloc)" = ok ]
ok $? "the malloc cell completes: $(status_of out/summary.csv malloc)"

expect() { # expect FAULT ERE WHY
    local s
    s=$(status_of out/summary.csv "plugin:$plugins/fault-$1.so")
    [ -z "$s" ] && s=$(status_of out/summary.csv "fault-$1")
    echo "$s" | grep -Eq "$2"
    ok $? "fault-$1: failed cell, status: $s"
}
if [ "$mode" = asan ]; then
    # AddressSanitizer turns a SIGSEGV into its report and, with abort_on_error, an abort.
    expect segv '^(signal SIGSEGV|aborted)'
else
    expect segv '^signal SIGSEGV$'
fi
expect abort '^aborted'
expect null '^out of memory: event [0-9]+ id [0-9]+: .*returned NULL'
expect corrupt '^verify: event [0-9]+ id 98: content mismatch'
expect hang '^killed \(timeout 3s\)$'
expect sigkill '^signal SIGKILL$'

# A live set over the memory limit: 64 blocks of 8 MiB (512 MiB live) under a 256 MiB limit.
{ echo 'format: allocreplay-trace/1'; echo 'events:'
  for i in $(seq 0 63); do echo "  - [alloc, $i, 8388608]"; done
  for i in $(seq 0 63); do echo "  - [free, $i]"; done; } >big-live.yaml
if [ "$mode" = asan ]; then
    ok 0 "live set over --memory-limit" "SKIP AddressSanitizer cannot run under an address-space limit"
else
    "$bin" run big-live.yaml fault.yaml -b malloc --memory-limit 256M -o mem >stdout 2>err
    status=$?
    s=$(awk -F, 'NR > 1 && $1 == "big-live" { print $4 }' mem/summary.csv 2>/dev/null)
    [ $status -eq 1 ] && echo "$s" | grep -q '^out of memory' && complete mem &&
        awk -F, 'NR > 1 && $1 == "fault" { exit $4 != "ok" }' mem/summary.csv
    ok $? "512 MiB live under --memory-limit 256M: a failed cell ($s), the other trace ok, exit 1"
fi

# Results on a full disk. Every event sampled (--rss-every 1) makes a timeline of ~400 KB.
{ echo 'format: allocreplay-trace/1'; echo 'events:'
  for i in $(seq 0 4999); do echo "  - [alloc, $i, 16]"; done
  for i in $(seq 0 4999); do echo "  - [free, $i]"; done; } >many.yaml
# A 16 KiB tmpfs (root only): nothing fits, not even summary.csv, so the run fails as a whole.
mkdir small
if mount -t tmpfs -o size=16k tmpfs small 2>/dev/null; then
    "$bin" run many.yaml -b malloc --rss-every 1 -o small/res >stdout 2>err
    status=$?
    [ $status -eq 1 ] && head -1 err | grep -q 'No space left on device' && complete small/res
    ok $? "results on a full 16 KiB tmpfs: exit $status, the reason first, nothing half-written"
    [ "$(wc -l <err)" -eq 1 ]
    ok $? "results on a full disk: one line on stderr ($(wc -l <err) lines)"
    umount small
else
    ok 0 "results on a full disk" "SKIP cannot mount a tmpfs (not root)"
fi
# A file size limit of 64 KiB: the timeline cannot be written, summary.csv can. The cell
# fails with the reason, and the other trace's cell completes.
(ulimit -f 64; exec "$bin" run many.yaml fault.yaml -b malloc --rss-every 1 -o fsize) >stdout 2>err
status=$?
s=$(awk -F, 'NR > 1 && $1 == "many" { print $4 }' fsize/summary.csv 2>/dev/null)
[ $status -eq 1 ] && echo "$s" | grep -q 'File too large' && complete fsize &&
    awk -F, 'NR > 1 && $1 == "fault" { exit $4 != "ok" }' fsize/summary.csv
ok $? "results past a file size limit (ulimit -f 64): exit $status, a failed cell ($s), nothing half-written"

tap_done
