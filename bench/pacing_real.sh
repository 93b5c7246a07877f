#!/usr/bin/env bash
# Paced replay against the real program: bench/pacing/bursts.c (the program that
# traces/specs/bursts-idle.yaml models) runs under each allocator — glibc, and LD_PRELOAD of
# the installed jemalloc (its defaults, and MALLOC_CONF=background_thread:true) and mimalloc —
# while this script samples its RssAnon from /proc every SAMPLE_MS; then `allocreplay run
# traces/bursts-idle.alrt --pace recorded` replays the trace on the same allocators, sampling
# every SAMPLE_MS too, and back to back (unpaced) for contrast. Prints RSS (MiB above the
# baseline) at the same moments of both timelines, and leaves the samples in OUT_DIR.
#
#   bench/pacing_real.sh [BUILD_DIR [OUT_DIR]]     SAMPLE_MS=N (default 50)
#
# About 9.2 s per allocator for the program and as much for each paced cell: ~80 s in all.
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
"$bin" run "$trace" -b "$backends" --pace recorded --rss-every-ms "$ms" --min-time 0 \
    -o "$out/paced" --format csv >/dev/null
"$bin" run "$trace" -b "$backends" --rss-every 500 --min-time 0 -o "$out/unpaced" \
    --format csv >/dev/null

# at FILE T: the RSS (KiB, above the first sample) of the last sample at or before T seconds.
at() { awk -v t="$2" 'NR == 1 {base = $2} $1 <= t {v = $2 - base} END {printf "%.1f", v / 1024}' "$1"; }
# The paced replay's samples of one backend as "seconds rss_kib".
replay_tsv() {
    tr -d '\r' <"$out/paced/timeline.csv" | awk -F, -v b="$1" '
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
    replay_tsv "${specs[$i]}" >"$out/replay-${names[$i]}.tsv"
    for kind in program replay; do
        f=$out/real-${names[$i]}.tsv
        [ $kind = replay ] && f=$out/replay-${names[$i]}.tsv
        printf '%-28s' "${names[$i]} ($kind)"
        for t in "${moments[@]}"; do printf '%7s' "$(at "$f" "$t")"; done
        if [ $kind = replay ]; then
            printf '%12s\n' "$(field "$out/unpaced/summary.csv" "${specs[$i]}" final_rss_bytes)"
        else
            echo
        fi
    done
done
echo "samples in $out (real-*.tsv, replay-*.tsv, paced/, unpaced/)"
