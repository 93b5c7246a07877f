#!/usr/bin/env bash
# Fidelity of the threaded replay (docs/performance.md): real multi-threaded programs
# (bench/fidelity/) run under glibc, jemalloc, mimalloc and tcmalloc (LD_PRELOAD of the
# installed libraries); each one's real heap peak is its VmHWM minus the VmHWM of the trivial
# threaded program (fidelity-baseline) under the same allocator. Each program is then
# recorded once with `allocreplay record` (under glibc: the allocation sequence of these
# programs does not depend on the allocator) and replayed with `allocreplay run` on the
# matching backend; the replayed figure is the memory pass's peak_rss_bytes (RssAnon over the
# worker's baseline). Prints one row per program and allocator: real and replayed heap peak
# (medians over RUNS runs), their ratio, and per program the order of the allocators by
# memory, real and replayed.
#
#   bench/fidelity.sh [BUILD_DIR] [PROGRAM...]    RUNS=N (default 3)
#                                                 RUN_OPTS="..." (default "--threads")
#                                                 KEEP=DIR: keep traces and results there
#
# Target (issue 12): every ratio within 0.8..1.2 and the same order. Exit 0 whatever the
# figures (it is a measurement), 2 on bad usage or a missing tool.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
shift || true
programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(turns prodcons shortlived pool)
runs=${RUNS:-3}
run_opts=${RUN_OPTS:---threads}
ar=$build/harness/allocreplay
bin=$build/bench/fidelity
lib=/usr/lib/x86_64-linux-gnu
[ -x "$ar" ] && [ -x "$bin/fidelity-baseline" ] ||
    { echo "fidelity.sh: build first (ninja -C $build)" >&2; exit 2; }

allocators=(glibc jemalloc mimalloc tcmalloc)
declare -A preload=([glibc]="" [jemalloc]=$lib/libjemalloc.so.2 [mimalloc]=$lib/libmimalloc.so.2
                    [tcmalloc]=$lib/libtcmalloc.so.4)
declare -A backend=([glibc]=malloc [jemalloc]=jemalloc [mimalloc]=mimalloc [tcmalloc]=tcmalloc)
for a in "${allocators[@]}"; do
    p=${preload[$a]}
    [ -z "$p" ] || [ -f "$p" ] || { echo "fidelity.sh: $p not installed" >&2; exit 2; }
done

work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# hwm PROGRAM ALLOCATOR: median VmHWM in kB over RUNS runs.
hwm() {
    for _ in $(seq "$runs"); do
        LD_PRELOAD=${preload[$2]} "$bin/fidelity-$1" | awk '$1 == "VmHWM" { print $2 }'
    done | median
}

# order NAME=VALUE...: the names by increasing value, joined with '<'.
order() { printf '%s\n' "$@" | sort -t= -k2,2g | cut -d= -f1 | paste -sd'<'; }

declare -A base
for a in "${allocators[@]}"; do
    base[$a]=$(hwm baseline "$a")
done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$runs, run options: $run_opts"
printf '%-11s %-9s %10s %10s %7s\n' program allocator real_MB replay_MB ratio
for prog in "${programs[@]}"; do
    [ -x "$bin/fidelity-$prog" ] || { echo "fidelity.sh: no program $prog" >&2; exit 2; }
    trace=$work/$prog.alrt
    "$ar" record -o "$trace" -- "$bin/fidelity-$prog" >"$work/$prog.record.txt"
    backends=$(for a in "${allocators[@]}"; do printf '%s,' "${backend[$a]}"; done)
    rm -rf "$work/$prog.results"
    # shellcheck disable=SC2086 # run_opts is a list of options
    if ! "$ar" run "$trace" -b "${backends%,}" -n "$runs" --min-time 0 $run_opts \
        -o "$work/$prog.results" --format csv >/dev/null 2>"$work/$prog.run.err"; then
        echo "  (allocreplay run: $(head -c 300 "$work/$prog.run.err"))"
    fi
    real=() replay=()
    for a in "${allocators[@]}"; do
        r=$(( $(hwm "$prog" "$a") - ${base[$a]} ))
        p=$(awk -F, -v b="${backend[$a]}" '{ sub(/\r$/, "") } NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
            $c["backend"] == b && $c["status"] == "ok" { print $c["peak_rss_bytes"] / 1024 }' \
            "$work/$prog.results/summary.csv" 2>/dev/null | median)
        p=${p:-0}
        awk -v p="$prog" -v a="$a" -v r="$r" -v q="$p" \
            'BEGIN { x = r > 0 ? q / r : 0; m = (x < 0.8 || x > 1.2) ? "  miss" : ""
                     printf "%-11s %-9s %10.1f %10.1f %7.2f%s\n", p, a, r / 1024, q / 1024, x, m }'
        real+=("$a=$r") replay+=("$a=$p")
    done
    ro=$(order "${real[@]}") po=$(order "${replay[@]}")
    echo "  order: real $ro, replayed $po$([ "$ro" = "$po" ] && echo "  (same)" || echo "  (differs)")"
done
