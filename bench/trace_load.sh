#!/usr/bin/env bash
# Trace loading speed (issue 2, point 8): YAML parse vs libyaml's bare event loop, and binary load
# vs YAML parse, on a generated trace of N events (default 10 million).
#
#   bench/trace_load.sh [N]        env: BUILD_DIR (default build), WORK (default /tmp/allocreplay-bench)
#
# Targets: YAML parse within 2x of the bare loop; binary load at least 20x faster than YAML parse.
# Each load is timed REPS times (default 3) and the best run kept (warm page cache: this measures
# parsing, not the disk). Generated files stay under WORK, never in the source tree.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
build=${BUILD_DIR:-build}
work=${WORK:-/tmp/allocreplay-bench}
reps=${REPS:-3}
mkdir -p "$work"
ninja -C "$build" harness/allocreplay bench/trace_gen bench/yaml_bare bench/trace_load_time >/dev/null

yaml=$work/trace-$n.yaml
alrt=$work/trace-$n.alrt
[ -f "$yaml" ] || "$build/bench/trace_gen" "$n" "$yaml"
echo "trace: $yaml, $(du -m "$yaml" | cut -f1) MB, $n events"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
calc() { awk "BEGIN { print $1 }"; }

# best PROGRAM ARGS...: the smallest "seconds S" printed over $reps runs.
best() {
    local b=""
    for _ in $(seq "$reps"); do
        s=$("$@" | awk '{print $4}')
        if [ -z "$b" ] || [ "$(calc "$s < $b")" = 1 ]; then b=$s; fi
    done
    echo "$b"
}

t0=$(now)
"$build/harness/allocreplay" convert "$yaml" "$alrt" >/dev/null
t1=$(now)
convert=$(elapsed "$t0" "$t1")
echo "convert YAML -> binary:        $(printf %.3f "$convert") s ($(du -m "$alrt" | cut -f1) MB)"

bare=$(best "$build/bench/yaml_bare" "$yaml")
parse=$(best "$build/bench/trace_load_time" "$yaml")
load=$(best "$build/bench/trace_load_time" "$alrt")
t0=$(now)
"$build/harness/allocreplay" validate "$alrt" >/dev/null
t1=$(now)
validate=$(elapsed "$t0" "$t1")

printf 'libyaml bare event loop:       %.3f s\n' "$bare"
printf 'YAML parse (trace_load):       %.3f s   %.2fx the bare loop      (target <= 2x)\n' \
    "$parse" "$(calc "$parse / $bare")"
printf 'binary load (trace_load):      %.3f s   %.0fx faster than YAML   (target >= 20x)\n' \
    "$load" "$(calc "$parse / $load")"
printf 'allocreplay validate (binary): %.3f s   (streamed, with the info figures)\n' "$validate"
ok=1
[ "$(calc "$parse <= 2 * $bare")" = 1 ] || { echo "FAIL: YAML parse over 2x the bare loop"; ok=0; }
[ "$(calc "$parse >= 20 * $load")" = 1 ] || { echo "FAIL: binary load under 20x faster"; ok=0; }
[ "$ok" = 1 ] && echo "both targets met"
