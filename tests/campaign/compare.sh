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
# t1: ns 10..14 -> 15..19: shift 5 in [2, 8] (tests/stats_test.c), A's median 12.
grep -Eq '^t1 +sgi +ns/event +5/5 +12 +17 +\+41\.7% \[\+16\.7%, \+66\.7%\] +0\.0079  slower$' "$tmp/out" \
    || fail "t1: slower by 41.7% [16.7%, 66.7%]"
grep -Eq '^t1 +sgi +p99 +5/5 +100 +100 +\+0\.0% .* 1  no significant difference$' "$tmp/out" \
    || fail "t1: same p99"
grep -Eq '^t1 +sgi +peak RSS .* -50\.0% \[-50\.0%, -50\.0%\] +0\.0079  smaller$' "$tmp/out" \
    || fail "t1: smaller RSS"
grep -Eq '^t2 +sgi +ns/event .* 0\.69  no significant difference$' "$tmp/out" || fail "t2: no difference"
grep -Eq '^t3 +malloc +ns/event +3/3 .* -  +0\.1  too few repetitions$' "$tmp/out" \
    || fail "t3: too few repetitions, no interval"
grep -q only-in-a "$tmp/out" && fail "a pair missing from B is listed"

# The CSV (CRLF line ends, as RFC 4180 says): header, then one row per common pair and metric.
tr -d '\r' <"$tmp/cmp.csv" >"$tmp/cmp.lf" && mv "$tmp/cmp.lf" "$tmp/cmp.csv"
head -1 "$tmp/cmp.csv" | grep -qx 'trace,backend,metric,n_a,n_b,median_a,median_b,ratio,shift,shift_lo,shift_hi,change_pct,change_lo_pct,change_hi_pct,p,call,verdict' \
    || fail "CSV header"
grep -qx 't1,sgi,ns_per_event,5,5,12,17,1.4166666666666667,5,2,8,41.66666666666667,16.666666666666664,66.66666666666666,0.007936507936507936,higher,slower' "$tmp/cmp.csv" \
    || fail "CSV row t1 ns_per_event"
grep -q '^t2,sgi,ns_per_event,5,5,14,15,' "$tmp/cmp.csv" || fail "CSV row t2"
[ "$(wc -l <"$tmp/cmp.csv")" -eq 10 ] || fail "CSV has a header and 3 x 3 rows"

# Byte counts are exact integers, and a tiny but significant difference is no verdict: peak RSS
# 3436544 + 4096 i against 7168 bytes more (0.2%, p = 0.0079) as in issue 15's finding.
mkdir "$tmp/c" "$tmp/d"
for x in c:0 d:7168; do
    dir=${x%:*} extra=${x#*:}
    echo $hdr >"$tmp/$dir/summary.csv"
    for i in 0 1 2 3 4; do
        echo "big,malloc,$((i + 1)),ok,10,100,$((3436544 + 1024 * i + extra))"
    done >>"$tmp/$dir/summary.csv"
done
"$exe" compare "$tmp/c" "$tmp/d" --csv "$tmp/cmp.csv" >"$tmp/out" || fail "compare c d exited $?"
grep -Eq '^big +malloc +peak RSS .* 0\.0079  below the threshold$' "$tmp/out" \
    || fail "0.2% at p = 0.0079 is below the default threshold"
tr -d '\r' <"$tmp/cmp.csv" | grep -q '^big,malloc,peak_rss_bytes,5,5,3438592,3445760,' \
    || fail "CSV medians are exact integers"
grep -q 'e+' "$tmp/cmp.csv" && fail "no exponent in the CSV"
"$exe" compare "$tmp/c" "$tmp/d" --threshold 0.1 >"$tmp/out" || fail "--threshold 0.1 exited $?"
grep -Eq '^big +malloc +peak RSS .* larger$' "$tmp/out" || fail "--threshold 0.1: larger"

# JSON: valid, the same fields.
"$exe" compare "$tmp/a" "$tmp/b" --format json >"$tmp/out" || fail "--format json exited $?"
python3 -m json.tool "$tmp/out" >/dev/null || fail "--format json is valid JSON"
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["comparisons"] if x["trace"] == "t1" and x["metric"] == "ns_per_event"][0]
assert d["threshold_pct"] == 3 and d["alpha"] == 0.05, d
assert c["median_a"] == 12 and c["shift_lo"] == 2 and c["call"] == "higher", c
assert len(d["comparisons"]) == 9' "$tmp/out" || fail "--format json fields"

# Usage errors: one line, exit 2.
set +e
"$exe" compare "$tmp/a" 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "one directory: exit 2 with one line"
set +e
"$exe" compare "$tmp/a" "$tmp/nonexistent" 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && grep -q "nonexistent/summary.csv: cannot open" "$tmp/err" || fail "missing directory named"
set +e
"$exe" compare "$tmp/a" "$tmp/b" --threshold -1 2>"$tmp/err"; rc=$?
set -e
[ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "--threshold -1: exit 2 with one line"
echo "ok - compare on fabricated results"
