#!/usr/bin/env bash
# What `allocreplay merge` accepts, as TAP: shards of one campaign and one build, all of them.
# Refused with exit 2 and one line, leaving no output at all (no OUT, no temporary): a missing
# shard, a shard with missing cells, another campaign, another build, a `run` directory, two
# shards that disagree on a cell, an OUT that is not a results directory. --partial merges
# with the gap recorded in meta.yaml; a later merge of the missing shard into OUT completes it,
# and so does `campaign --resume OUT`.
# Usage: merge_identity.sh ALLOCREPLAY
set -u
. "$(dirname "$0")/../tap.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tap_workdir
tap_on_fail() { sed 's/^/# stderr: /' err | head -5; }

printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [alloc, 1, 24]\n  - [free, 0]\n  - [free, 1]\n' >t.yaml
cat >c.yaml <<'YAML'
name: merge-id
traces: [t.yaml]
backends: [null, malloc]
repetitions: 3
options: {latency: false, min_time_ms: 0}
charts: []
YAML
for k in 1 2 3; do "$bin" campaign c.yaml --shard $k/3 -o s$k >/dev/null 2>&1; done
[ -f s1/summary.csv ] && [ -f s2/summary.csv ] && [ -f s3/summary.csv ]
ok $? "three shards of 6 cells"
rows() { tail -n +2 "$1/summary.csv" | wc -l; }

# refused WANT WHAT ARGS...: merge ARGS into out exits 2 with one line matching WANT and
# leaves nothing: no out, no temporary next to it.
refused() {
    local want=$1 what=$2
    shift 2
    "$bin" merge --no-charts -o out "$@" >stdout 2>err
    local s=$?
    [ $s -eq 2 ] && [ "$(wc -l <err)" -eq 1 ] && grep -Eq "$want" err && [ ! -e out ] &&
        [ -z "$(ls -d out.* 2>/dev/null)" ]
    ok $? "$what: exit $s, nothing left: $(head -c 150 err)"
}
refused 'shard 3/3 is missing \(--partial merges without them' "a missing shard" s1 s2
mkdir s2-short && cp -r s2/* s2-short/ && rm s2-short/cells/*.summary.csv
refused 'shard 2/3 has 0 of 2 cells \(s2-short\)' "a shard with missing cells" s1 s2-short s3
sed 's/repetitions: 3/repetitions: 4/' c.yaml >c4.yaml
"$bin" campaign c4.yaml --shard 3/3 -o other >/dev/null 2>&1
refused 'other: not a shard of the campaign and build of s1: repetitions is 4 here, 3 there' \
    "a shard of an edited campaign" s1 s2 other
mkdir s3-build && cp -r s3/* s3-build/ && sed -i 's/^  git_revision: .*/  git_revision: "0000000"/' s3-build/meta.yaml
refused 's3-build: not a shard of the campaign and build of s1: build git_revision is 0000000 here' \
    "a shard of another build" s1 s2 s3-build
"$bin" run t.yaml -b null,malloc -n 3 --min-time 0 -o runres >/dev/null 2>&1
refused 'runres: a `run` directory, not a campaign shard' "a run directory" s1 s2 s3 runres
mkdir s1-other && cp -r s1/* s1-other/ && f=$(ls s1-other/cells/*.summary.csv | head -1) &&
    sed -i '2s/,ok,/,ok ,/' "$f"
refused 'cell file .* is also in another shard, with other contents' \
    "two shards disagree on a cell (checked after copying started)" s1 s2 s3 s1-other
refused 'nodir: not a results directory' "a directory that does not exist" s1 s2 nodir
mkdir out && echo keep >out/file
"$bin" merge --no-charts -o out s1 s2 s3 >stdout 2>err
s=$?
[ $s -eq 2 ] && grep -q 'out: exists and is not a results directory' err && [ "$(ls out)" = file ]
ok $? "an OUT that is not a results directory is left alone: exit $s"
rm -r out

"$bin" merge --no-charts --partial -o out s1 s2 >stdout 2>err
s=$?
[ $s -eq 0 ] && [ "$(rows out)" -eq 4 ] && grep -q '^  partial: "shard 3/3 is missing"' out/meta.yaml &&
    grep -q 'partial: shard 3/3 is missing' err
ok $? "--partial merges 4 of 6 cells and records the gap: exit $s"
"$bin" merge --no-charts -o out s3 >stdout 2>err
s=$?
[ $s -eq 0 ] && [ "$(rows out)" -eq 6 ] && ! grep -q partial out/meta.yaml &&
    [ "$(grep -c '^    - {shard:' out/meta.yaml)" -eq 3 ] && [ -z "$(ls -d out.* 2>/dev/null)" ]
ok $? "merging the missing shard into OUT completes it: exit $s, $(rows out) rows"
"$bin" merge --no-charts -o out s1 s2 s3 >stdout 2>err
ok $? "merging the same shards again is harmless"

"$bin" merge --no-charts --partial -o part s1 s3 >stdout 2>err
"$bin" campaign c.yaml --resume part >stdout 2>err
s=$?
[ $s -eq 0 ] && [ "$(rows part)" -eq 6 ] && [ "$(tail -n +2 part/summary.csv | cut -d, -f1-3 | sort -u | wc -l)" -eq 6 ]
ok $? "campaign --resume of a partial merge runs the missing cells: exit $s, $(rows part) rows"

tap_done
