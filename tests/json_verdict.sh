#!/usr/bin/env bash
# End-to-end (TAP): `--format json` of run, info and backends is valid JSON (python3 -m
# json.tool) with the documented members (docs/json.md); run's table says whether its figures
# are medians and ends with a verdict; a trace without events and a results directory given as
# a trace are refused with one line.
# Usage: json_verdict.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$(dirname "$0")/tap.sh"
tap_workdir
tap_on_fail() { sed 's/^/# /' out err 2>/dev/null | head -40; }

# py FILE EXPR...: FILE parses as JSON (bound to d) and every Python assert holds.
py() {
    local f=$1
    shift
    python3 -c "import json, sys
d = json.load(open(sys.argv[1]))
$*" "$f" 2>py.err || { tail -1 py.err | sed 's/^/# /'; return 1; }
}

"$bin" backends --format json >out 2>err
py out 'names = [b["name"] for b in d["backends"]]
assert "sgi" in names and "malloc" in names and "null" in names, names
assert all(b["worker"].startswith("allocreplay-worker") for b in d["backends"])
assert [f["name"] for f in d["forms"]] == ["plugin:PATH", "preload:PATH"]
assert "options" not in d'
ok $? "backends --format json"
"$bin" backends --format json --options >out 2>err
py out 'o = [x for x in d["options"] if x["backend"] == "sgi" and x["key"] == "refill"]
assert len(o) == 1 and o[0]["default"] == "20", o'
ok $? "backends --format json --options: sgi refill, default 20"

"$bin" info "$src/traces/list-churn.yaml" --format json >out 2>err
py out 'assert d["name"] == "list-churn" and d["events"] == 26 and d["ops"]["alloc"] == 13
assert d["peak_live_bytes"] == 120 and d["timed"] is False and d["dropped"] == {}
assert d["size_histogram"] == [{"from": 16, "to": 32, "count": 13}], d["size_histogram"]'
ok $? "info --format json: list-churn's figures"

# A trace whose only event is a free of an address never allocated: nothing left to replay.
printf '= Start\n@ ./prog:[0x400000] - 0x55d0c0a012a0\n= End\n' >empty.mtrace
status_is 2 "$bin" run empty.mtrace -b malloc -o r-empty >out 2>err
ok $? "a trace without events: run exits 2"
[ "$(wc -l <err)" -eq 1 ] && grep -q '^allocreplay: empty.mtrace: the trace has no events' err &&
    [ ! -e r-empty ]
ok $? "one line naming the file, no results directory"

"$bin" run "$src/traces/list-churn.yaml" "$src/traces/vector-growth.yaml" -b sgi,slab \
    -o r1 >out 2>err
ok $? "run, one repetition"
grep -q '^(one repetition: single measurements, not medians; -n 5 for medians' out &&
    ! grep -q '(medians over' out
ok $? "one repetition: the table does not claim medians"
grep -q '^verdict (medians, lower is better' out &&
    [ "$(grep -c '^    fastest .*too few repetitions for a verdict' out)" -eq 2 ] &&
    [ "$(grep -c '^    best p99      not measured' out)" -eq 2 ]
ok $? "verdict per trace: too few repetitions; p99 not measured without --latency"
status_is 2 "$bin" info r1 >out 2>err && [ "$(wc -l <err)" -eq 1 ] &&
    grep -q '^allocreplay: r1: a results directory, not a trace' err
ok $? "info on a results directory says so"

"$bin" run "$src/traces/list-churn.yaml" -b sgi,malloc -n 4 --latency -o r4 --format json \
    --threshold 100000 >out 2>err
ok $? "run -n 4 --latency --format json --threshold 100000"
py out 'g = {x["backend"]: x for x in d["groups"]}
assert set(g) == {"sgi", "malloc"} and g["sgi"]["n_ok"] == 4 and g["sgi"]["n_failed"] == 0
m = g["malloc"]["metrics"]
assert m["peak_live_bytes"] == {"median": 120, "min": 120, "max": 120, "mad_pct": 0}, m
assert m["p99_ns"]["median"] > 0 and isinstance(m["peak_rss_bytes"]["median"], int)
assert d["threshold_pct"] == 100000 and d["results_dir"] == "r4"
v = d["verdict"]
assert [x["aspect"] for x in v] == ["fastest", "best p99", "least memory"], v
for x in v:
    assert x["best"] in g and x["runner_up"] in g and x["best"] != x["runner_up"], x
    assert x["best_n"] == 4 and x["state"] in ("significant", "below-threshold", "not-significant"), x
    assert x["best_median"] <= x["runner_up_median"], x
    # No lead of 1000x in ns/event between these two: --threshold reached the verdict.
    assert x["aspect"] != "fastest" or x["state"] != "significant", x'
ok $? "run JSON: groups with every metric, a verdict per aspect with 4 repetitions"

"$bin" run "$src/traces/list-churn.yaml" -b sgi,malloc -n 4 -o r4t >out 2>err
grep -q '^(medians over the ok repetitions' out &&
    grep -Eq '^    fastest       (sgi|malloc), [0-9.]+ ns/event; runner-up (sgi|malloc), ' out &&
    ! grep -q 'too few repetitions' out
ok $? "run -n 4: medians, and a verdict with a margin"
tap_done
