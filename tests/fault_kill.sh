#!/usr/bin/env bash
# kill -9 of the driver at random points, as TAP: 144 kills of a campaign (in rounds: each
# round kills the campaign 36 times, resuming it each time, then lets a resume finish it) and
# 60 kills of a merge, each followed by a rerun. After every kill nothing may be half-written
# (every CSV under the results directory, temporaries aside, has whole rows; a merge's output
# is absent or complete); after the final resume or rerun every cell is there exactly once,
# every CSV parses and no temporary is left. Then a full disk during a merge (a small tmpfs,
# root only): exit 1, one line, the earlier merge in place and nothing else left.
# Usage: fault_kill.sh ALLOCREPLAY
set -u
. "$(dirname "$0")/tap.sh"
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'umount "$work/small" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 99
tap_on_fail() { sed 's/^/# stderr: /' err 2>/dev/null | head -5; }

printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [alloc, 1, 24]\n  - [realloc, 0, 40]\n  - [free, 0]\n  - [free, 1]\n' >a.yaml
sed 's/24/100/' a.yaml >b.yaml
cat >c.yaml <<'YAML'
name: kill
traces: [a.yaml, b.yaml]
backends: [null, malloc]
repetitions: 5
options: {latency: false, min_time_ms: 0, rss_every: 1}
charts: []
YAML
cells=20

# whole DIR: every CSV outside temporaries has rows as wide as its header and ends in a newline.
whole() {
    local f bad
    bad=$(find "$1" -name '*.csv' ! -name '*.tmp.*' ! -path '*.tmp.*' -print0 2>/dev/null |
        xargs -0 -r awk -F, 'FNR == 1 { w = NF } NF != w { print FILENAME; exit }')
    [ -z "$bad" ] || { echo "# a partial row in $bad"; return 1; }
    for f in "$1"/*.csv; do
        [ ! -s "$f" ] || [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] ||
            { echo "# $f does not end in a newline"; return 1; }
    done
}
# complete DIR N: N distinct cells in summary.csv, all ok, whole files, no temporary.
complete() {
    local rows unique okc
    rows=$(tail -n +2 "$1/summary.csv" | wc -l)
    unique=$(tail -n +2 "$1/summary.csv" | cut -d, -f1-3 | sort -u | wc -l)
    okc=$(tail -n +2 "$1/summary.csv" | cut -d, -f4 | grep -c '^ok$')
    [ "$rows" -eq "$2" ] && [ "$unique" -eq "$2" ] && [ "$okc" -eq "$2" ] &&
        [ "$(ls "$1"/cells/*.summary.csv | wc -l)" -eq "$2" ] && [ -s "$1/aggregate.csv" ] &&
        whole "$1" && [ -z "$(find "$1" -name '*.tmp.*')" ] ||
        { echo "# $1: $rows rows, $unique distinct, $okc ok, want $2"; return 1; }
}
# A random delay of 0 to $1 ms.
pause() { sleep "$(awk -v r="$RANDOM" -v m="$1" 'BEGIN { printf "%.3f", r % (m + 1) / 1000 }')"; }
# Milliseconds a command takes: the kill points are spread over the real duration on this
# machine, however loaded, so that they land in every phase (start, cells, assembly, rename).
ms() {
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}
full=$(ms "$bin" campaign c.yaml -o calibrate)
[ -s calibrate/summary.csv ] || { echo "1..0 # SKIP the campaign does not run: $(ls calibrate 2>&1)"; exit 0; }
echo "# a whole campaign takes $full ms here"

# Campaign: 4 rounds of 36 kills.
kills=0 killed=0
for round in 1 2 3 4; do
    rm -rf r
    broken=0
    for _ in $(seq 36); do
        # A first start, or one killed before it made the directory, is a new run.
        if [ -d r ]; then set -- --resume r; else set -- -o r; fi
        "$bin" campaign c.yaml "$@" >/dev/null 2>err &
        pid=$!
        pause $((full / 4))
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        s=$?
        kills=$((kills + 1)) killed=$((killed + (s == 137)))
        # Killed (137), finished (0); anything else is a refusal or a failure.
        [ $s -eq 137 ] || [ $s -eq 0 ] || { broken=1; echo "# exit $s: $(head -1 err)"; break; }
        [ ! -d r ] || whole r || { broken=1; break; }
    done
    [ $broken -eq 0 ]
    ok $? "round $round: 36 kills of the campaign, each resumed; nothing half-written"
    if [ -d r ]; then set -- --resume r; else set -- -o r; fi
    "$bin" campaign c.yaml "$@" >/dev/null 2>err
    s=$?
    [ $s -eq 0 ] && complete r $cells
    ok $? "round $round: a last resume finishes: exit $s, every one of $cells cells exactly once"
done

# Merge: shards of the same campaign, then 60 kills of a merge into m, each followed by a check
# that m is absent or complete.
for k in 1 2 3; do "$bin" campaign c.yaml --shard $k/3 -o s$k >/dev/null 2>&1; done
merge=$(ms "$bin" merge --no-charts -o calibrate-m s1 s2 s3)
echo "# a merge takes $merge ms here"
broken=0
for i in $(seq 60); do
    "$bin" merge --no-charts -o m s1 s2 s3 >/dev/null 2>err &
    pid=$!
    pause $((merge * 5 / 4))
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    s=$?
    kills=$((kills + 1)) killed=$((killed + (s == 137)))
    [ $s -eq 137 ] || [ $s -eq 0 ] || { broken=1; echo "# merge $i: exit $s: $(head -1 err)"; break; }
    if [ -e m ]; then
        # m exists only once complete; a killed merge's temporaries are m.tmp.PID beside it.
        tail -n +2 m/summary.csv | wc -l | grep -qx $cells && grep -q '^merged:' m/meta.yaml &&
            whole m && [ -z "$(find m -name '*.tmp.*')" ] || { broken=1; echo "# merge $i: m is partial"; break; }
    fi
done
[ $broken -eq 0 ]
ok $? "60 kills of a merge: the output is absent or complete after each"
"$bin" merge --no-charts -o m s1 s2 s3 >/dev/null 2>err
s=$?
[ $s -eq 0 ] && complete m $cells && [ -z "$(ls -d m.* 2>/dev/null)" ]
ok $? "a rerun of the merge: exit $s, every cell once, no temporary left beside it"
[ $kills -ge 200 ]
ok $? "$kills kills in all ($killed before the driver had finished)"

# A full disk during a merge: a tmpfs that holds one merge but not a second copy of it.
mkdir small
need=$(du -sk m | cut -f1)
if mount -t tmpfs -o size=$((need * 3 / 2))k tmpfs small 2>/dev/null; then
    "$bin" merge --no-charts -o small/m s1 s2 s3 >/dev/null 2>err
    s=$?
    [ $s -eq 0 ] && complete small/m $cells
    ok $? "a merge into a tmpfs of $((need * 3 / 2)) KiB fits: exit $s"
    (cd small/m && find . -type f | sort | xargs md5sum) >before
    "$bin" merge --no-charts -o small/m s1 s2 s3 >/dev/null 2>err
    s=$?
    [ $s -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'No space left on device' err &&
        (cd small/m && find . -type f | sort | xargs md5sum) | cmp -s - before &&
        [ "$(ls small)" = m ]
    ok $? "merging again needs a second copy: disk full, exit $s, one line, the earlier merge as it was, nothing else left"
    rm -rf small/m
    mkdir small/x
    dd if=/dev/zero of=small/fill bs=1k count="$need" 2>/dev/null
    "$bin" merge --no-charts -o small/x/m s1 s2 s3 >/dev/null 2>err
    s=$?
    [ $s -eq 1 ] && [ "$(wc -l <err)" -eq 1 ] && grep -q 'No space left on device' err &&
        [ -z "$(ls small/x)" ]
    ok $? "a first merge onto a full disk: exit $s, one line, nothing left: $(head -c 120 err)"
    umount small
else
    ok 0 "a full disk during a merge" "SKIP cannot mount a tmpfs (not root)"
fi

tap_done
