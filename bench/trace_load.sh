#!/usr/bin/env bash
# Trace loading speed: YAML parse vs libyaml's bare event loop, and binary load
# vs YAML parse, on a generated trace of N events (default 10 million).
#
#   bench/trace_load.sh [N]     env: BUILD_DIR (default build), WORK (default /tmp/allocreplay-bench),
#                               REPS (default 3)
#
# Targets: YAML parse within 2x of the bare loop; binary load at least 20x faster than YAML parse.
# The three loads are run in turn REPS times (so a burst of load on a shared machine hits all of
# them alike) and each keeps its best run, warm page cache: this measures parsing, not the disk.
# The targets are judged on CPU time (user + system), which other processes disturb less than
# wall time; both are printed. Generated files stay under WORK, never in the source tree.
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

calc() { awk "BEGIN { print ($1) }"; }
now() { date +%s.%N; }

t0=$(now)
"$build/harness/allocreplay" convert "$yaml" "$alrt" >/dev/null
t1=$(now)
printf 'convert YAML -> binary:        %.3f s wall (%s MB)\n' "$(calc "$t1 - $t0")" \
    "$(du -m "$alrt" | cut -f1)"

# min VAR VALUE: VAR = min(VAR, VALUE)
min() { if [ -z "${!1}" ] || [ "$(calc "$2 < ${!1}")" = 1 ]; then printf -v "$1" %s "$2"; fi; }
bare_w="" bare_c="" parse_w="" parse_c="" load_w="" load_c=""
for _ in $(seq "$reps"); do
    read -r _ _ _ w _ c < <("$build/bench/yaml_bare" "$yaml"); min bare_w "$w"; min bare_c "$c"
    read -r _ _ _ w _ c < <("$build/bench/trace_load_time" "$yaml"); min parse_w "$w"; min parse_c "$c"
    read -r _ _ _ w _ c < <("$build/bench/trace_load_time" "$alrt"); min load_w "$w"; min load_c "$c"
done
t0=$(now)
"$build/harness/allocreplay" validate "$alrt" >/dev/null
t1=$(now)

printf '%-30s %8s %8s\n' "best of $reps" "cpu s" "wall s"
printf '%-30s %8.3f %8.3f\n' "libyaml bare event loop" "$bare_c" "$bare_w"
printf '%-30s %8.3f %8.3f   %.2fx the bare loop (target <= 2x)\n' "YAML parse (trace_load)" \
    "$parse_c" "$parse_w" "$(calc "$parse_c / $bare_c")"
printf '%-30s %8.3f %8.3f   %.0fx faster than YAML (target >= 20x)\n' "binary load (trace_load)" \
    "$load_c" "$load_w" "$(calc "$parse_c / $load_c")"
printf '%-30s %8s %8.3f   (streamed, with the info figures)\n' "allocreplay validate (binary)" "" \
    "$(calc "$t1 - $t0")"
ok=1
[ "$(calc "$parse_c <= 2 * $bare_c")" = 1 ] || { echo "FAIL: YAML parse over 2x the bare loop"; ok=0; }
[ "$(calc "$parse_c >= 20 * $load_c")" = 1 ] || { echo "FAIL: binary load under 20x faster"; ok=0; }
[ "$ok" = 1 ] && echo "both targets met"

# Bounded memory of the streaming commands: max RSS of `allocreplay info` on a binary trace of
# BIG events (BIG=100000000 writes a 1.6 GB file under WORK; default: the N-event one).
big=${BIG:-$n}
balrt=$alrt
if [ "$big" != "$n" ]; then
    balrt=$work/trace-$big.alrt
    [ -f "$balrt" ] || "$build/bench/trace_gen" "$big" "$balrt"
fi
if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "%e %M" -o "$work/time.txt" "$build/harness/allocreplay" info "$balrt" \
        >"$work/info.txt"
    read -r secs kb <"$work/time.txt"
    printf 'allocreplay info, %s events (%s MB): %.2f s wall, max RSS %d MB, %s ids\n' "$big" \
        "$(du -m "$balrt" | cut -f1)" "$secs" "$((kb / 1024))" \
        "$(sed -n 's/.*(id space \([0-9]*\)).*/\1/p' "$work/info.txt")"
fi
