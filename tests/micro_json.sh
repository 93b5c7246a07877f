#!/bin/sh
# Runs allocreplay-micro briefly (a tiny --benchmark_min_time and a filter that keeps a few
# sizes and batch counts, and every trace) with JSON written through --benchmark_out, then
# checks the JSON: every backend has its pair, batch and realloc benchmarks, every shipped trace
# is replayed on every backend, the counters are there and positive, and nothing failed except
# what the backend cannot do by design (a trace with aligned events on a backend without
# aligned_alloc).
#   micro_json.sh ALLOCREPLAY_MICRO TRACES_DIR [BACKEND...]
# The BACKENDs (default: sgi malloc) must be in the executable's registry; the traces are run on
# them (the listing shows that every backend registers every trace).
set -eu
micro=$1
traces=$2
shift 2
[ $# -gt 0 ] || set -- sgi malloc
required="$*"
alt=$(printf '%s' "$required" | tr ' ' '|')
command -v python3 >/dev/null 2>&1 || { echo "python3 not found: skipped"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Traces run on the required backends only (null on large-blocks takes seconds: its realloc
# copies into fresh pages).
filter="^(pair/[^/]+/size:(8|128|65536)|batch_(lifo|fifo|random)/[^/]+/n:16|realloc_growth/[^/]+|trace/($alt)/.*)\$"
"$micro" --traces "$traces" --benchmark_min_time=0.001 --benchmark_filter="$filter" \
    --benchmark_out="$tmp/x.json" --benchmark_out_format=json >"$tmp/console.txt"
"$micro" --traces "$traces" --benchmark_list_tests >"$tmp/list.txt"

python3 - "$tmp/x.json" "$tmp/list.txt" "$traces" "$required" <<'EOF'
import json, os, sys

out, listing, traces, required = sys.argv[1:5]
required = required.split()
with open(out) as f:
    doc = json.load(f)
def base(name):
    # Google Benchmark appends how time is measured to the name; the checks use the rest.
    for suffix in ("/manual_time", "/real_time"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name

runs = {base(b["name"]): b for b in doc["benchmarks"]}
names = [base(l.strip()) for l in open(listing) if l.strip()]
failures = []

def check(cond, what):
    if not cond:
        failures.append(what)

check("context" in doc and "date" in doc["context"], "JSON has a context with a date")
backends = sorted({n.split("/")[1] for n in names if n.startswith("pair/")})
for name in required:
    check(name in backends, "backend %s has micro-benchmarks" % name)

for b in backends:
    for name in ["pair/%s/size:%d" % (b, s) for s in (8, 128, 65536)] + \
                ["batch_%s/%s/n:16" % (o, b) for o in ("lifo", "fifo", "random")] + \
                ["realloc_growth/%s" % b]:
        r = runs.get(name)
        check(r is not None, "%s ran" % name)
        if r is None:
            continue
        check(not r.get("error_occurred"), "%s: %s" % (name, r.get("error_message")))
        check(r.get("iterations", 0) > 0, "%s has iterations" % name)
        check(r.get("items_per_second", 0) > 0, "%s has items_per_second" % name)

shipped = []
for root, dirs, files in os.walk(traces):
    dirs[:] = [d for d in dirs if not d.startswith(".")
               and not (root == traces and d == "specs")]
    for f in files:
        if f.endswith((".yaml", ".yml", ".alrt")) and not f.startswith("."):
            shipped.append(os.path.relpath(os.path.join(root, f), traces))
trace_backends = sorted({n.split("/")[1] for n in names if n.startswith("trace/")})
if shipped:
    check(set(backends) <= set(trace_backends), "every backend replays the traces")
for b in trace_backends:
    for t in shipped:
        name = "trace/%s/%s" % (b, t)
        check(name in names, "%s is registered" % name)
        if b not in required:
            continue
        r = runs.get(name)
        check(r is not None, "%s ran" % name)
        if r is None:
            continue
        if r.get("error_occurred"):
            check("align" in r.get("error_message", ""), "%s: %s" % (name, r.get("error_message")))
            continue
        check(r.get("events_per_second", 0) > 0, "%s has events_per_second" % name)
        check(r.get("time_unit") == "ns" and r.get("real_time", 0) > 0, "%s has a time" % name)

for f in failures:
    print("FAIL:", f)
print("%d benchmarks, %d backends, %d traces, %d failures"
      % (len(runs), len(backends), len(shipped), len(failures)))
sys.exit(1 if failures else 0)
EOF
