#!/usr/bin/env bash
# report.html opened in headless Chromium: the page renders and every chart on it is a loaded
# image. A copy of the page gets a small script that counts the images that decoded (the report
# itself has no script); --dump-dom prints the DOM after the load event. Skipped without
# chromium or gnuplot.
set -u
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tap.sh"
command -v gnuplot >/dev/null 2>&1 || { echo "1..0 # SKIP gnuplot not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "1..0 # SKIP chromium not installed"; exit 0; }  # a TAP skip (meson 1.0 reads exit 77 under TAP as an error)
tap_scratch
tmp=$work

"$here/fabricate_results.sh" "$tmp/r"
"$exe" plot "$tmp/r" >/dev/null
rc=$?
charts=$(ls "$tmp/r/plots/"*.png 2>/dev/null | wc -l)
ok "$([ $rc -eq 0 ] && [ "$charts" -ge 8 ]; echo $?)" "plot draws the charts (exit $rc, $charts of 8)"
[ "$failed" -eq 0 ] || { tap_done; exit; } # the checks below need the report and its charts

# Self-contained: no reference to another file or the network.
ext=$(grep -Eo '(src|href)="[^"]{0,5}' "$tmp/r/report.html" | grep -v '^src="data:')
[ -z "$ext" ] || echo "$ext" | sed 's/^/# /'
ok "$([ -z "$ext" ]; echo $?)" "report.html references no external file"
grep -q '<td class="l">sqlite-like</td><td class="l">slab</td><td>4</td><td class="bad">1</td>' \
    "$tmp/r/report.html"
ok $? "aggregate table row with the failed cell count"
grep -q 'signal 11 (SIGSEGV)' "$tmp/r/report.html"
ok $? "failed cell listed"
grep -q 'Test CPU @ 2.0GHz' "$tmp/r/report.html"
ok $? "meta.yaml shown"

sed 's|</body>|<script>addEventListener("load",()=>{const i=[...document.images];document.body.setAttribute("data-charts",i.length);document.body.setAttribute("data-loaded",i.filter(x=>x.complete\&\&x.naturalWidth>100).length)})</script></body>|' \
    "$tmp/r/report.html" >"$tmp/probe.html"
timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/profile" --virtual-time-budget=10000 --dump-dom "file://$tmp/probe.html" \
    >"$tmp/dom.html" 2>"$tmp/chromium.err"
rc=$?
[ $rc -eq 0 ] || tail -3 "$tmp/chromium.err" | sed 's/^/# /'
ok $rc "headless Chromium loads the page"
grep -q "<body data-charts=\"$charts\" data-loaded=\"$charts\">" "$tmp/dom.html" ||
    grep -o '<body[^>]*>' "$tmp/dom.html" | sed 's/^/# /'
ok "$(grep -q "<body data-charts=\"$charts\" data-loaded=\"$charts\">" "$tmp/dom.html"; echo $?)" \
    "report.html renders in Chromium with all $charts charts loaded"
grep -q '<h2 id="aggregate">' "$tmp/dom.html"
ok $? "the rendered DOM has the aggregate section"
tap_done
