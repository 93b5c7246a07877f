#!/bin/sh
# allocreplay plot on a fabricated results directory: every chart exists in both formats and
# is non-empty; a gnuplot failure leaves no partial chart; a missing gnuplot is one clear line
# and exit 2. Skipped (a "1..0 # SKIP" plan) when gnuplot is not installed.
set -eu
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

"$here/fabricate_results.sh" "$tmp/r"
"$exe" plot "$tmp/r" >"$tmp/out" || fail "plot exited $?"
for name in throughput fragmentation latency-vector-growth latency-sqlite-like \
    latency-small-objects memory-vector-growth memory-sqlite-like memory-small-objects; do
    for ext in png svg; do
        [ -s "$tmp/r/plots/$name.$ext" ] || fail "plots/$name.$ext missing or empty"
    done
    head -c 8 "$tmp/r/plots/$name.png" | od -An -c | grep -q 'P   N   G' || fail "$name.png is not a PNG"
    grep -q '<svg' "$tmp/r/plots/$name.svg" || fail "$name.svg is not an SVG"
done
[ "$(ls "$tmp/r/plots" | wc -l)" -eq 16 ] || fail "exactly 16 chart files (no temporary files)"
grep -q '^8 charts in ' "$tmp/out" || fail "plot says how many charts it drew"
[ -s "$tmp/r/report.html" ] || fail "report.html written"
echo "ok 1 - all charts drawn"

# A failing script: exit 2 with gnuplot's message, and neither the chart nor a temporary file.
mkdir "$tmp/badplots"
cp "$here/../../plots/"*.gp "$tmp/badplots/"
echo 'plot sin(x) with nonsense' >>"$tmp/badplots/throughput.gp"
"$here/fabricate_results.sh" "$tmp/r2"
set +e
ALLOCREPLAY_PLOTS_DIR="$tmp/badplots" "$exe" plot "$tmp/r2" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "a gnuplot failure exits 2 (got $rc)"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q 'gnuplot failed on throughput.gp' "$tmp/err" \
    || fail "one line naming the script: $(cat "$tmp/err")"
[ -z "$(ls "$tmp/r2/plots")" ] || fail "no partial chart left: $(ls "$tmp/r2/plots")"
echo "ok 2 - a gnuplot failure leaves no partial chart"

# No gnuplot in PATH.
set +e
PATH=/nonexistent "$exe" plot "$tmp/r2" 2>"$tmp/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "missing gnuplot exits 2 (got $rc)"
[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^allocreplay plot: gnuplot not found in PATH' "$tmp/err" \
    || fail "one clear line: $(cat "$tmp/err")"
echo "ok 3 - a missing gnuplot is one clear line"
echo "1..3"
