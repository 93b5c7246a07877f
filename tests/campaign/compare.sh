#!/bin/sh
# allocreplay compare on two fabricated results directories with hand-computed answers
# (the U statistics and p-values are derived in tests/stats_test.c).
set -eu
exe=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/a" "$tmp/b"
hdr=trace,backend,rep,status,ns_per_event,p99_ns,peak_rss_bytes
{
    echo $hdr
    # t1/sgi: ns 10..14; p99 all 100; RSS all 1000
    for i in 0 1 2 3 4; do echo "t1,sgi,$((i + 1)),ok,$((10 + i)),100,1000"; done
    # t2/sgi: interleaved with B
    for i in 0 1 2 3 4; do echo "t2,sgi,$((i + 1)),ok,$((10 + 2 * i)),100,1000"; done
    # t3/malloc: 3 repetitions only
    for i in 0 1 2; do echo "t3,malloc,$((i + 1)),ok,$((10 + i)),100,1000"; done
    echo "only-in-a,sgi,1,ok,5,5,5"
} >"$tmp/a/summary.csv"
{
    echo $hdr
    for i in 0 1 2 3 4; do echo "t1,sgi,$((i + 1)),ok,$((15 + i)),100,500"; done
    for i in 0 1 2 3 4; do echo "t2,sgi,$((i + 1)),ok,$((11 + 2 * i)),100,1000"; done
    for i in 0 1 2; do echo "t3,malloc,$((i + 1)),ok,$((20 + i)),100,1000"; done
    echo "t3,malloc,4,signal 9 (SIGKILL),,,"
} >"$tmp/b/summary.csv"

fail() { echo "not ok - $*"; cat "$tmp/out" "$tmp/cmp.csv" 2>/dev/null; exit 1; }

"$exe" compare "$tmp/a" "$tmp/b" --csv "$tmp/cmp.csv" >"$tmp/out" || fail "compare exited $?"
grep -q '^t1 .* 1\.417  slower (p=0\.0079) .* 1\.000  no significant difference (p=1) .* 0\.500  smaller (p=0\.0079)' "$tmp/out" \
    || fail "t1: slower, same p99, smaller RSS"
grep -q '^t2 .* 1\.071  no significant difference (p=0\.69)' "$tmp/out" || fail "t2: no difference"
grep -q '^t3 .*malloc *3/3 .*too few repetitions' "$tmp/out" || fail "t3: too few repetitions"
grep -q only-in-a "$tmp/out" && fail "a pair missing from B is listed"

# The CSV (CRLF line ends, as RFC 4180 says): header, then one row per common pair.
tr -d '\r' <"$tmp/cmp.csv" >"$tmp/cmp.lf" && mv "$tmp/cmp.lf" "$tmp/cmp.csv"
head -1 "$tmp/cmp.csv" | grep -q '^trace,backend,n_a,n_b,ns_per_event_a,ns_per_event_b,ns_per_event_ratio,ns_per_event_p,ns_per_event_verdict,p99_ns_a,' \
    || fail "CSV header"
grep -q '^t1,sgi,5,5,12,17,1.41667,0.00793651,slower (p=0.0079),100,100,1,1,no significant difference (p=1),1000,500,0.5,0.00793651,smaller (p=0.0079)$' "$tmp/cmp.csv" \
    || fail "CSV row t1"
grep -q '^t2,sgi,5,5,14,15,1.07143,0.690476,' "$tmp/cmp.csv" || fail "CSV row t2"
[ "$(wc -l <"$tmp/cmp.csv")" -eq 4 ] || fail "CSV has a header and 3 rows"

# Usage errors: one line, exit 2.
set +e
"$exe" compare "$tmp/a" 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "one directory: exit 2 with one line"
set +e
"$exe" compare "$tmp/a" "$tmp/nonexistent" 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "nonexistent/summary.csv: cannot open" "$tmp/err" || fail "missing directory named"
echo "ok - compare on fabricated results"
