#!/usr/bin/env bash
# allocreplay record through the CLI: outputs, summaries, exit statuses.
#   record_e2e.sh ALLOCREPLAY RECORD_PROG
set -u
ar=$1 prog=$2
. "$(dirname "$0")/tap.sh"
tap_scratch
tmp=$work

check "record a known program" "$ar" record -o "$tmp/exact.alrt" -- "$prog" exact
check "summary line" grep -q "^$tmp/exact.alrt: [0-9]* events, [0-9]* objects, 1 threads, 0 frees of earlier memory dropped$" "$tmp/out"
check "recorded trace validates" "$ar" validate "$tmp/exact.alrt"
check "record to YAML" "$ar" record -o "$tmp/exact.yaml" -- "$prog" exact
check "YAML has the marker allocation" grep -q "387793" "$tmp/exact.yaml"
check "YAML names the command" grep -q "recorded from: $prog exact" "$tmp/exact.yaml"
check "record -o my.prog.yaml" "$ar" record -o "$tmp/my.prog.yaml" -- "$prog" exact
check "...names the trace as loading it would: my.prog" grep -q "^name: my.prog$" "$tmp/my.prog.yaml"
check "follow forks records two processes" "$ar" record --follow-forks -o "$tmp/fork.alrt" -- "$prog" fork
check "summary counts both" grep -q "2 processes/images" "$tmp/out"
check "a failing command: status 1, trace written" status_is 1 "$ar" record -o "$tmp/fail.alrt" -- "$prog" fail
check "the failed command's trace validates" "$ar" validate "$tmp/fail.alrt"
check "a command that cannot run: status 2" status_is 2 "$ar" record -o "$tmp/x.alrt" -- "$tmp/no-such-program"
check "unwritable output: status 2 before running" status_is 2 "$ar" record -o "$tmp/no/such/dir/x.alrt" -- "$prog" exact
check "missing -o: status 2" status_is 2 "$ar" record -- "$prog" exact
check "--keep-raw keeps the logs" "$ar" record --keep-raw --raw-dir "$tmp" -o "$tmp/k.alrt" -- "$prog" exact
check "raw log kept" sh -c "ls $tmp/allocreplay-record.*/*.arraw"

tap_done
