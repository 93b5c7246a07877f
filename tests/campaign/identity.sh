#!/usr/bin/env bash
# What a results directory is, as TAP: `campaign --resume DIR` refuses a directory of another
# experiment (another campaign, the same campaign edited, a `run` directory, another shard)
# with exit 2 and one line naming what differs, and leaves the directory as it was; the same
# campaign written differently (comments, key order, defaults spelled out) resumes. Also the
# messages a user meets around it: --resume with a missing directory, a backend that cannot
# run with `threads: true` (named by file:line:column), Ctrl-C (how to resume), and the
# estimate of the time left on a terminal.
# Usage: identity.sh ALLOCREPLAY
set -u
. "$(dirname "$0")/../tap.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tap_workdir
tap_on_fail() { sed 's/^/# stderr: /' err | head -5; }

printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [alloc, 1, 24]\n  - [free, 0]\n  - [free, 1]\n' >t.yaml
cat >c.yaml <<'YAML'
name: ident
traces: [t.yaml]
backends: [null, malloc]
repetitions: 2
options: {latency: false, min_time_ms: 0}
charts: []
YAML
"$bin" campaign c.yaml -o r >/dev/null 2>err
ok $? "a first run"
snapshot() { (cd r && find . -type f | sort | xargs md5sum); }
snapshot >before

# refused CAMPAIGN WANT WHAT: --resume r with CAMPAIGN exits 2 with one line matching WANT,
# and r is unchanged.
refused() {
    "$bin" campaign "$1" --resume r >out 2>err
    local s=$?
    [ $s -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -Eq "$2" err && snapshot | cmp -s - before
    ok $? "$3: exit $s, $(head -c 160 err)"
}
sed 's/repetitions: 2/repetitions: 3/' c.yaml >reps.yaml
refused reps.yaml 'r holds another experiment: repetitions is 2 there, 3 now' "repetitions edited"
sed 's/latency: false/latency: true/' c.yaml >lat.yaml
refused lat.yaml 'latency is false there, true now' "latency: true"
sed 's/min_time_ms: 0/min_time_ms: 5/' c.yaml >mt.yaml
refused mt.yaml 'min_time_ms is 0 there, 5 now' "min_time_ms edited"
sed 's/\[null, malloc\]/[null, slab]/' c.yaml >be.yaml
refused be.yaml 'backend 2 label is malloc there, slab now' "a backend replaced"
sed 's/name: ident/name: other/' c.yaml >other.yaml
refused other.yaml 'name is ident there, other now' "another campaign"
mkdir t2 && sed 's/24/32/' t.yaml >t2/t.yaml && cp c.yaml t2/c.yaml
refused t2/c.yaml 'trace 1 checksum is [0-9a-f]+ there, [0-9a-f]+ now' "a trace with the same name, other events"
"$bin" campaign c.yaml --resume r --shard 1/2 >out 2>err
s=$?
[ $s -eq 2 ] && grep -q 'r holds another shard: (none) there, 1/2 now' err && snapshot | cmp -s - before
ok $? "another shard: exit $s, $(head -c 120 err)"
"$bin" run t.yaml -b null,malloc -n 2 --min-time 0 -o runres >/dev/null 2>&1
"$bin" campaign c.yaml --resume runres >out 2>err
s=$?
[ $s -eq 2 ] && grep -q 'runres holds another experiment: kind is run there, campaign now' err
ok $? "a run directory: exit $s, $(head -c 120 err)"

# The same campaign, written otherwise: resumes (nothing left to run), rc 0.
cat >same.yaml <<'YAML'
# the same experiment: keys reordered, defaults spelled out, a flow list written as a block
charts: [throughput]
repetitions: 2
options:
  min_time_ms: 0
  memory: true
  latency: false
  timeout: 300
backends:
  - null
  - malloc
traces: t.yaml
name: ident
YAML
"$bin" campaign same.yaml --resume r >out 2>err
ok $? "the same campaign written otherwise resumes"

# A missing directory: one line naming it.
"$bin" campaign c.yaml --resume no/such/dir >out 2>err
s=$?
[ $s -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'no/such/dir: no such results directory' err
ok $? "--resume with a missing directory: exit $s, $(head -c 120 err)"

# -o DIR --resume, as a requeued job runs it: the first time, DIR does not exist yet.
"$bin" campaign c.yaml -o fresh --shard 2/2 --resume >out 2>err
s=$?
[ $s -eq 0 ] && [ "$(tail -n +2 fresh/summary.csv | wc -l)" -eq 2 ]
ok $? "-o DIR --resume with no DIR yet starts the run there: exit $s"

# threads: true and a backend that is not thread-safe: the place in the file.
printf 'traces: [t.yaml]\nbackends:\n  - malloc\n  - sgi\noptions: {threads: true}\n' >th.yaml
"$bin" campaign th.yaml -o th >out 2>err
s=$?
[ $s -eq 2 ] && grep -q '^allocreplay.*: th.yaml:4:5: backend sgi is not thread-safe' err && [ ! -e th/cells ]
ok $? "threads: true with sgi names th.yaml:4:5: $(head -c 120 err)"

# Ctrl-C (SIGINT to the process group, as a terminal sends it): one line on how to resume,
# and that command finishes the run.
cat >slow.yaml <<'YAML'
name: slow
traces: [t.yaml]
backends: [null]
repetitions: 40
options: {latency: false, memory: false, min_time_ms: 100}
charts: []
YAML
set -m
"$bin" campaign slow.yaml -o "s p" >out 2>err &
pid=$!
set +m
for _ in $(seq 200); do grep -q '^\[1/' err && break; sleep 0.05; done
kill -INT -- -"$pid"
wait "$pid"
s=$?
cmd=$(grep -A1 'interrupted; finish the run with:' err | tail -1)
[ $s -eq 130 ] && echo "$cmd" | grep -q -- "--resume 's p'"
ok $? "Ctrl-C: exit $s and how to resume: $cmd"
eval "\"\$bin\"${cmd#*allocreplay}" >out 2>err
s=$?
rows=$(tail -n +2 "s p/summary.csv" 2>/dev/null | wc -l)
[ $s -eq 0 ] && [ "$rows" -eq 40 ]
ok $? "the printed command finishes the run: exit $s, $rows of 40 rows"

# The estimate of the time left, on a terminal: none after the first cell (the other trace,
# maybe a hundred times longer, has not run), one once a cell of each kind has finished.
if script -qec true /dev/null >/dev/null 2>&1; then
    cp t.yaml small.yaml
    { echo 'format: allocreplay-trace/1'; echo 'events:'
      for i in $(seq 0 999); do echo "  - [alloc, $i, 16]"; done
      for i in $(seq 0 999); do echo "  - [free, $i]"; done; } >big.yaml
    printf 'name: eta\ntraces: [small.yaml, big.yaml]\nbackends: [null]\nrepetitions: 3\noptions: {latency: false, min_time_ms: 0}\ncharts: []\n' >eta.yaml
    script -qec "'$bin' campaign eta.yaml -o eta" /dev/null </dev/null | tr '\r' '\n' >tty
    first=$(grep -a ' 1/6 ' tty) second=$(grep -a ' 2/6 ' tty)
    echo "$first" | grep -q '~? left' && echo "$second" | grep -Eq '~[0-9]+m[0-9]+s left'
    ok $? "no estimate until a cell of each kind ran: '${first#*]}', then '${second#*]}'"
else
    ok 0 "the estimate of the time left" "SKIP script(1) is not installed"
fi

tap_done
