#!/bin/sh
# --shard 1/2 + --shard 2/2 + merge holds exactly the cells of a full run, and the shards are
# disjoint.
set -eu
exe=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }
cells() { tail -n +2 "$1/summary.csv" | cut -d, -f1-4 | sort; }

cat >"$tmp/c.yaml" <<YAML
name: shard-test
traces: ["$src/traces/*.yaml"]
backends: [sgi, malloc, slab]
repetitions: 2
options: {latency: false, rss_every: 50}
charts: []
YAML
"$exe" campaign "$tmp/c.yaml" -o "$tmp/full" >/dev/null 2>&1 || fail "full run exited $?"
"$exe" campaign "$tmp/c.yaml" --shard 1/2 -o "$tmp/s1" >/dev/null 2>&1 || fail "shard 1/2 exited $?"
"$exe" campaign "$tmp/c.yaml" --shard 2/2 -o "$tmp/s2" >/dev/null 2>&1 || fail "shard 2/2 exited $?"
"$exe" merge --no-charts -o "$tmp/m" "$tmp/s1" "$tmp/s2" >/dev/null 2>"$tmp/err" || fail "merge: $(cat "$tmp/err")"

n1=$(cells "$tmp/s1" | wc -l) n2=$(cells "$tmp/s2" | wc -l) nf=$(cells "$tmp/full" | wc -l)
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "a shard is empty ($n1, $n2)"
[ $((n1 + n2)) -eq "$nf" ] || fail "shards hold $n1 + $n2 cells, the full run $nf"
cells "$tmp/s1" | cut -d, -f1-3 >"$tmp/c1"
cells "$tmp/s2" | cut -d, -f1-3 >"$tmp/c2"
[ -z "$(comm -12 "$tmp/c1" "$tmp/c2")" ] || fail "the shards overlap"
cells "$tmp/full" >"$tmp/want"
cells "$tmp/m" >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" || fail "merged cells differ from the full run: $(diff "$tmp/want" "$tmp/got" | head -3)"
grep -q '^merged:' "$tmp/m/meta.yaml" && grep -q 's2' "$tmp/m/meta.yaml" || fail "meta.yaml notes the shards"
[ "$(tail -n +2 "$tmp/m/aggregate.csv" | wc -l)" -eq "$(tail -n +2 "$tmp/full/aggregate.csv" | wc -l)" ] \
    || fail "aggregate.csv has a row per (trace, backend)"
# Merging again is harmless; a conflicting cell is refused.
"$exe" merge --no-charts -o "$tmp/m" "$tmp/s1" >/dev/null 2>&1 || fail "merging the same shard twice"
echo "ok 1 - shard 1/2 + 2/2 + merge = the full run's $nf cells"
echo "1..1"
