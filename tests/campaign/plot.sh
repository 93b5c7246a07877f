#!/usr/bin/env bash
# allocreplay plot on a fabricated results directory: every chart exists in both formats and
# is non-empty; a gnuplot failure leaves no partial chart; a missing gnuplot is one clear line
# and exit 2. Skipped (a "1..0 # SKIP" plan) when gnuplot is not installed.
set -u
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tap.sh"
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
tap_scratch
tap_on_fail() { sed 's/^/# stderr: /' "$work/err" 2>/dev/null | head -5; }

# Every chart in both formats, nothing else, the count said, report.html written. Prints what
# is wrong, one line each.
charts_drawn() {
    local name ext
    for name in throughput fragmentation latency-vector-growth latency-sqlite-like \
        latency-small-objects memory-vector-growth memory-sqlite-like memory-small-objects; do
        for ext in png svg; do
            [ -s "$work/r/plots/$name.$ext" ] || echo "plots/$name.$ext missing or empty"
        done
        head -c 8 "$work/r/plots/$name.png" 2>/dev/null | od -An -c | grep -q 'P   N   G' ||
            echo "$name.png is not a PNG"
        grep -q '<svg' "$work/r/plots/$name.svg" 2>/dev/null || echo "$name.svg is not an SVG"
    done
    [ "$(ls "$work/r/plots" 2>/dev/null | wc -l)" -eq 16 ] || echo "not exactly 16 chart files: $(ls "$work/r/plots" 2>/dev/null)"
    grep -q '^8 charts in ' "$work/out" || echo "plot does not say how many charts it drew"
    [ -s "$work/r/report.html" ] || echo "no report.html"
}

"$here/fabricate_results.sh" "$work/r"
"$exe" plot "$work/r" >"$work/out"
rc=$?
wrong=$(charts_drawn)
[ $rc -eq 0 ] || wrong="plot exited $rc"
[ -z "$wrong" ] || echo "$wrong" | sed 's/^/# /'
ok "$([ -z "$wrong" ]; echo $?)" "all charts drawn"

# A failing script: exit 2 with gnuplot's message, and neither the chart nor a temporary file.
mkdir "$work/badplots"
cp "$here/../../plots/"*.gp "$work/badplots/"
echo 'plot sin(x) with nonsense' >>"$work/badplots/throughput.gp"
"$here/fabricate_results.sh" "$work/r2"
ALLOCREPLAY_PLOTS_DIR="$work/badplots" "$exe" plot "$work/r2" >/dev/null 2>"$work/err"
rc=$?
ok "$([ $rc -eq 2 ]; echo $?)" "a gnuplot failure exits 2 (got $rc)"
ok "$([ "$(wc -l <"$work/err")" -eq 1 ] && grep -q 'gnuplot failed on throughput.gp' "$work/err"; echo $?)" \
    "a gnuplot failure is one line naming the script"
ok "$([ -z "$(ls "$work/r2/plots" 2>/dev/null)" ]; echo $?)" "a gnuplot failure leaves no partial chart"

# No gnuplot in PATH.
PATH=/nonexistent "$exe" plot "$work/r2" >/dev/null 2>"$work/err"
rc=$?
ok "$([ $rc -eq 2 ]; echo $?)" "a missing gnuplot exits 2 (got $rc)"
ok "$([ "$(wc -l <"$work/err")" -eq 1 ] && grep -q '^allocreplay plot: gnuplot not found in PATH' "$work/err"; echo $?)" \
    "a missing gnuplot is one clear line"
tap_done
