#!/usr/bin/env bash
# Paced replay against the real program: bench/pacing/bursts.c (the program that
# traces/specs/bursts-idle.yaml models) runs under each allocator — glibc, and LD_PRELOAD of
# the installed jemalloc (its defaults, and MALLOC_CONF=background_thread:true) and mimalloc —
# while this script samples its RssAnon from /proc every SAMPLE_MS. Then the program is
# recorded (`allocreplay record`: its own events, with their times), and both its recording and
# the generated traces/bursts-idle.alrt are replayed on the same allocators with `--pace
# recorded`, sampling every SAMPLE_MS too, and back to back (unpaced) for contrast. Prints RSS
# (MiB above the baseline) at the same moments of the three timelines, and leaves the samples
# in OUT_DIR.
#
#   bench/pacing_real.sh [BUILD_DIR [OUT_DIR]]     SAMPLE_MS=N (default 50)
#
# About 9.2 s per allocator for the program and for each paced cell: about 2.5 minutes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=${2:-$(mktemp -d)}
mkdir -p "$out"
bin=$build/harness/allocreplay
prog=$build/bench/allocreplay-bursts
trace=$root/traces/bursts-idle.alrt
ms=${SAMPLE_MS:-50}
for f in "$bin" "$prog"; do
    [ -x "$f" ] || { echo "pacing_real: $f not built (ninja -C $build)" >&2; exit 2; }
done
libdir=/usr/lib/x86_64-linux-gnu
je=$libdir/libjemalloc.so.2 mi=$libdir/libmimalloc.so.2

# sample NAME ENV...: runs the program with ENV, writing "seconds rss_kib" lines to
# OUT/real-NAME.tsv; seconds count from the program's start (200 ms after its launch).
sample() {
    local name=$1 raw=$out/real-$1.raw
    shift
    env "$@" "$prog" &
    local pid=$! t0=$EPOCHREALTIME period rss
    period=$(awk -v m="$ms" 'BEGIN {print m / 1000}')
    : >"$raw"
    # A process that has exited (a zombie until waited for) has no RssAnon line.
    while rss=$(awk '$1 == "RssAnon:" {print $2}' "/proc/$pid/status" 2>/dev/null) && [ -n "$rss" ]; do
        echo "$EPOCHREALTIME $rss" >>"$raw"
        sleep "$period"
    done
    wait "$pid"
    awk -v t0="$t0" '{printf "%.3f %s\n", $1 - t0 - 0.2, $2}' "$raw" >"$out/real-$name.tsv"
}

names=(malloc) specs=(malloc)
sample malloc
if [ -r "$je" ]; then
    sample jemalloc LD_PRELOAD="$je"
    sample jemalloc-bg LD_PRELOAD="$je" MALLOC_CONF=background_thread:true
    names+=(jemalloc jemalloc-bg) specs+=(jemalloc jemalloc:background_thread=true)
fi
if [ -r "$mi" ]; then
    sample mimalloc LD_PRELOAD="$mi"
    names+=(mimalloc) specs+=(mimalloc)
fi

backends=$(IFS=,; echo "${specs[*]}")
"$bin" record -o "$out/recorded.alrt" -- "$prog" >/dev/null
for kind in recorded generated; do
    t=$out/recorded.alrt
    [ $kind = generated ] && t=$trace
    "$bin" run "$t" -b "$backends" --pace recorded --rss-every-ms "$ms" --min-time 0 \
        -o "$out/paced-$kind" --format csv >/dev/null
    "$bin" run "$t" -b "$backends" --rss-every 500 --min-time 0 -o "$out/unpaced-$kind" \
        --format csv >/dev/null
done

# at FILE T: the RSS (KiB, above the first sample) of the last sample at or before T seconds.
at() { awk -v t="$2" 'NR == 1 {base = $2} $1 <= t {v = $2 - base} END {printf "%.1f", v / 1024}' "$1"; }
# replay_tsv KIND BACKEND: a paced replay's samples of one backend as "seconds rss_kib".
replay_tsv() {
    tr -d '\r' <"$out/paced-$1/timeline.csv" | awk -F, -v b="$2" '
        NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
        $c["backend"] == b {print $c["time_s"], $c["rss_bytes"] / 1024}'
}
field() { tr -d '\r' <"$1" | awk -F, -v b="$2" -v f="$3" 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i; next}
    $c["backend"] == b {printf "%.1f", $c[f] / 1048576}'; }

moments=(0.5 2.0 4.0 4.5 6.0 8.0 8.3 9.1)
echo "pacing_real: $(date -u '+%Y-%m-%d %H:%M UTC'), load:$(uptime | sed 's/.*load average://')"
echo "RSS above baseline, MiB, at t seconds (program: RssAnon from /proc; replay: rss_bytes)"
printf '%-28s' "allocator / t"
printf '%7s' "${moments[@]}"
printf '%12s\n' "unpaced end"
for i in "${!names[@]}"; do
    for kind in program recorded generated; do
        f=$out/real-${names[$i]}.tsv
        if [ $kind != program ]; then
            f=$out/replay-$kind-${names[$i]}.tsv
            replay_tsv $kind "${specs[$i]}" >"$f"
        fi
        printf '%-28s' "${names[$i]} ($kind)"
        for t in "${moments[@]}"; do printf '%7s' "$(at "$f" "$t")"; done
        if [ $kind != program ]; then
            printf '%12s\n' "$(field "$out/unpaced-$kind/summary.csv" "${specs[$i]}" final_rss_bytes)"
        else
            echo
        fi
    done
done
echo "program: the C program; recorded: paced replay of its recording; generated: of traces/bursts-idle.alrt"
echo "samples in $out (real-*.tsv, replay-*.tsv, paced-*/, unpaced-*/)"
