#!/usr/bin/env bash
# allocreplay record through the CLI: outputs, summaries, exit statuses.
#   record_e2e.sh ALLOCREPLAY RECORD_PROG [STATIC_PROG]   (STATIC_PROG: statically linked, or '')
set -u
ar=$1 prog=$2 static=${3:-}
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

# The import beside the program and the one after it give the same events (times differ).
check "record while importing beside" "$ar" record -o "$tmp/live.alrt" -- "$prog" phases
check "record --import-after" "$ar" record --import-after -o "$tmp/after.alrt" -- "$prog" phases
for t in live after; do
  "$ar" info "$tmp/$t.alrt" | grep -E '^(events|objects|threads|peak live):|^  (alloc|calloc|aligned|realloc|free) ' >"$tmp/$t.info"
done
check "...the same trace both ways" cmp "$tmp/live.info" "$tmp/after.info"
check "...of every event" grep -q "^events: *$((2 * 4 * 100000))$" "$tmp/live.info"

# The trace is being written while the program runs: the program must not inherit its file.
"$ar" record -o "$tmp/fd.alrt" -- sh -c 'ls -l /proc/$$/fd' >"$tmp/fds" 2>/dev/null
check "the recorded program inherits no descriptor of the trace being written" \
  sh -c "grep -q arraw '$tmp/fds' && ! grep -q 'fd.alrt' '$tmp/fds'"

# The summary goes to stderr: stdout is CMD's, often redirected into a file of its own.
"$ar" record -o "$tmp/quiet.alrt" -- "$prog" exact >"$tmp/stdout" 2>"$tmp/stderr"
ok $? "record with stdout redirected"
check "stdout holds only the command's output (none)" test ! -s "$tmp/stdout"
check "the summary is on stderr" grep -q "^$tmp/quiet.alrt: [0-9]* events" "$tmp/stderr"
# Nothing recorded: a program that made no heap call is not a static binary.
check "a program that does not allocate: status 1" status_is 1 "$ar" record -o "$tmp/none.alrt" -- "$prog" none
check "...says it made no heap allocation" grep -q "made no heap allocation (the recorder was loaded)" "$tmp/out"
check "...does not blame static linking" sh -c "! grep -q static '$tmp/out'"
check "...writes no trace" test ! -e "$tmp/none.alrt"
if [ -n "$static" ]; then
  check "a static program: status 1" status_is 1 "$ar" record -o "$tmp/static.alrt" -- "$static"
  check "...says the recorder was never loaded" grep -q "recorder was never loaded into .*statically linked" "$tmp/out"
else
  ok 0 "a static program" "SKIP no static C library"
fi

tap_done
