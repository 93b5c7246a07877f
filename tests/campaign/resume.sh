#!/bin/sh
# Resume after a killed run: a campaign is killed with SIGKILL part-way, then finished with
# --resume; the summary must then hold every cell exactly once, all ok, and no temporary file
# may be left anywhere in the results directory.
set -eu
exe=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "not ok - $*"; exit 1; }

n_traces=$(ls "$src"/traces/*.yaml | wc -l)
reps=4
total=$((n_traces * 3 * reps))
cat >"$tmp/c.yaml" <<YAML
name: resume-test
traces: ["$src/traces/*.yaml"]
backends: [sgi, malloc, slab]
repetitions: $reps
options: {latency: true, verify: true, rss_every: 50, timeout: 60}
charts: []
YAML

# Start, wait for a few finished cells, then kill the driver without warning. The log exists
# before the driver starts, so the polling below never races its creation.
: >"$tmp/log1"
"$exe" campaign "$tmp/c.yaml" -o "$tmp/r" 2>"$tmp/log1" >/dev/null &
pid=$!
i=0
while [ "$(grep -c '^\[' "$tmp/log1" 2>/dev/null || true)" -lt 3 ] && [ $i -lt 600 ]; do
    sleep 0.05
    i=$((i + 1))
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
done_before=$(grep -c '^\[' "$tmp/log1" || true)
[ "$done_before" -lt "$total" ] || fail "the run finished before the kill ($done_before/$total): nothing tested"
echo "# killed after $done_before of $total cells"
sleep 0.5 # orphaned workers of the killed driver finish or die on their broken pipe

"$exe" campaign "$tmp/c.yaml" --resume "$tmp/r" 2>"$tmp/log2" >/dev/null || fail "resume exited $?: $(tail -1 "$tmp/log2")"
ran=$(grep -c '^\[' "$tmp/log2" || true)
[ "$ran" -lt "$total" ] || fail "resume re-ran every cell ($ran)"
echo "# the resume ran $ran cells"

rows=$(tail -n +2 "$tmp/r/summary.csv" | wc -l)
unique=$(tail -n +2 "$tmp/r/summary.csv" | cut -d, -f1-3 | sort -u | wc -l)
ok=$(tail -n +2 "$tmp/r/summary.csv" | cut -d, -f4 | grep -c '^ok$' || true)
[ "$rows" -eq "$total" ] || fail "summary.csv has $rows rows, want $total"
[ "$unique" -eq "$total" ] || fail "summary.csv has $unique distinct cells, want $total"
[ "$ok" -eq "$total" ] || fail "$ok of $total cells ok"
left=$(find "$tmp/r" -name '*.tmp*' | head -3)
[ -z "$left" ] || fail "temporary files left: $left"
[ -s "$tmp/r/aggregate.csv" ] || fail "aggregate.csv written"
echo "ok 1 - killed at $done_before/$total, resumed: every cell exactly once, no temporary file"
echo "1..1"
