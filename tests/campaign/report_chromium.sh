#!/bin/sh
# report.html opened in headless Chromium: the page renders and every chart on it is a loaded
# image. A copy of the page gets a small script that counts the images that decoded (the report
# itself has no script); --dump-dom prints the DOM after the load event. Skipped without
# chromium or gnuplot.
set -eu
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "1..0 # SKIP chromium not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

"$here/fabricate_results.sh" "$tmp/r"
"$exe" plot "$tmp/r" >/dev/null || fail "plot exited $?"
charts=$(ls "$tmp/r/plots/"*.png | wc -l)
[ "$charts" -ge 8 ] || fail "expected 8 charts, found $charts"

# Self-contained: no reference to another file or the network.
grep -Eo '(src|href)="[^"]{0,5}' "$tmp/r/report.html" | grep -v '^src="data:' \
    && fail "report.html references an external file"
grep -q '<td class="l">sqlite-like</td><td class="l">slab</td><td>4</td><td class="bad">1</td>' \
    "$tmp/r/report.html" || fail "aggregate table row with the failed cell count"
grep -q 'signal 11 (SIGSEGV)' "$tmp/r/report.html" || fail "failed cell listed"
grep -q 'Test CPU @ 2.0GHz' "$tmp/r/report.html" || fail "meta.yaml shown"

sed 's|</body>|<script>addEventListener("load",()=>{const i=[...document.images];document.body.setAttribute("data-charts",i.length);document.body.setAttribute("data-loaded",i.filter(x=>x.complete\&\&x.naturalWidth>100).length)})</script></body>|' \
    "$tmp/r/report.html" >"$tmp/probe.html"
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --virtual-time-budget=10000 --dump-dom "file://$tmp/probe.html" \
    >"$tmp/dom.html" 2>"$tmp/chromium.err" || fail "chromium failed: $(tail -1 "$tmp/chromium.err")"
grep -q "<body data-charts=\"$charts\" data-loaded=\"$charts\">" "$tmp/dom.html" \
    || fail "every chart loaded: $(grep -o '<body[^>]*>' "$tmp/dom.html")"
grep -q '<h2 id="aggregate">' "$tmp/dom.html" || fail "rendered DOM has the aggregate section"
echo "ok 1 - report.html renders in Chromium with all $charts charts loaded"
echo "1..1"
