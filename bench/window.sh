#!/usr/bin/env bash
# How the ordering window of threaded replay (--threads --window W) trades fidelity for speed
# (docs/performance.md, "Threaded replay"): for each trace with two or more threads and each
# window, the peak live bytes the threaded memory pass reached against the trace's own peak
# (the largest deviation over RUNS runs: with W > 1 it depends on scheduling), and the
# threaded throughput pass's ns/event (median over RUNS runs), on BACKEND (default null: its
# ns/event is the harness's own cost, so the figure is what the ordering costs).
#
#   bench/window.sh [BUILD_DIR] [TRACE...]    RUNS=N (default 3), BACKEND=NAME,
#                                             WINDOWS="1 4 16 ..." (default 1 2 4 8 16 32 64 256 free)
#
# Without TRACE: every shipped trace (traces/, traces/recorded/) with two or more threads.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
shift || true
ar=$build/harness/allocreplay
runs=${RUNS:-3}
backend=${BACKEND:-null}
windows=${WINDOWS:-1 2 4 8 16 32 64 256 free}
[ -x "$ar" ] || { echo "window.sh: build first (ninja -C $build)" >&2; exit 2; }
traces=("$@")
if [ ${#traces[@]} -eq 0 ]; then
    for f in $(find "$here/../traces" \( -name '*.yaml' -o -name '*.alrt' \) -not -path '*/specs/*' | sort); do
        t=$("$ar" info "$f" | awk '/^threads:/ { print $2 }')
        [ "${t:-1}" -ge 2 ] && traces+=("$f")
    done
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
col() { awk -F, -v c="$2" '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { print $h[c] }' "$1"; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$runs, backend $backend"
printf '%-22s %7s %8s %14s %14s %9s %10s\n' trace threads window trace_peak worst_peak dev_% ns/event
for tr in "${traces[@]}"; do
    name=$(basename "$tr")
    for w in $windows; do
        rm -rf "$work/r"
        "$ar" run "$tr" -b "$backend" -n "$runs" --min-time 0 --threads --window "$w" \
            -o "$work/r" --format csv >/dev/null 2>"$work/err" ||
            { echo "$name window $w: $(head -c 200 "$work/err")"; continue; }
        s=$work/r/summary.csv
        awk -v n="$name" -v w="$w" -v th="$(col "$s" threads | head -1)" \
            -v tp="$(col "$s" trace_peak_live_bytes | head -1)" \
            -v ns="$(col "$s" ns_per_event | median)" \
            -v peaks="$(col "$s" peak_live_bytes | paste -sd' ')" \
            'BEGIN { k = split(peaks, p, " "); worst = tp; d = 0
                     for (i = 1; i <= k; i++) { x = p[i] - tp; if (x < 0) x = -x; if (x >= d) { d = x; worst = p[i] } }
                     printf "%-22s %7s %8s %14d %14d %9.3f %10.1f\n", n, th, w, tp, worst, tp ? 100 * d / tp : 0, ns }'
    done
done
