#!/usr/bin/env bash
# The ordering window of threaded replay (--threads --window W) measured (docs/performance.md,
# "Threaded replay"), in up to three parts, all through the worker directly (one pass per run):
#
# peak:  for each trace with two or more threads and each window, the peak live bytes the
#        threaded memory pass reached against the trace's own: the largest deviation over RUNS
#        runs, signed (+ above the trace's peak, - below).
# speed: for each trace of SPEED_TRACES, ns/event of the threaded throughput pass on BACKEND
#        (null: its ns/event is the harness's own cost, so the figure is what the ordering
#        costs) for each window of SPEED_WINDOWS and single-threaded ("single"), ROUNDS rounds
#        interleaved (every configuration once per round, so load changes hit all alike), each
#        run looping for MIN_TIME ms; medians, and each one's ratio to free-running.
# waits: (not run by default) what the waits cost, for the same traces and windows, under
#        `perf stat`: per pass of the trace, the futex calls and context switches of the
#        worker, and its CPU time per event (task-clock); medians of ROUNDS interleaved rounds.
#        Needs perf with the syscalls tracepoints (run as root); skipped otherwise.
#
#   bench/window.sh [BUILD_DIR] [TRACE...]
#     RUNS=N (3), BACKEND=NAME (null), WINDOWS="1 4 16 64 auto free", PARTS="peak speed"
#     (or any of peak, speed, waits),
#     SPEED_TRACES="traces/server-churn.alrt traces/recorded/python-json.alrt",
#     SPEED_WINDOWS="strict 16 auto free", ROUNDS=N (5), MIN_TIME=MS (300)
#
# Without TRACE: every shipped, recorded and test trace (traces/, traces/recorded/,
# tests/traces/) with two or more threads. Exit 0 whatever the figures (a measurement).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
ar=$build/harness/allocreplay
worker=$build/harness/allocreplay-worker
runs=${RUNS:-3}
backend=${BACKEND:-null}
windows=${WINDOWS:-1 4 16 64 auto free}
parts=${PARTS:-peak speed}
speed_traces=${SPEED_TRACES:-$root/traces/server-churn.alrt $root/traces/recorded/python-json.alrt}
speed_windows=${SPEED_WINDOWS:-strict 16 auto free}
rounds=${ROUNDS:-5}
min_time=${MIN_TIME:-300}
[ -x "$ar" ] && [ -x "$worker" ] || { echo "window.sh: build first (ninja -C $build)" >&2; exit 2; }

traces=("$@")
if [ ${#traces[@]} -eq 0 ]; then
    while read -r f; do
        t=$("$ar" info "$f" 2>/dev/null | awk '/^threads:/ { print $2 }')
        [ "${t:-1}" -ge 2 ] && traces+=("$f")
    done < <(find "$root/traces" "$root/tests/traces/import" -type f \
                  \( -name '*.yaml' -o -name '*.alrt' -o -name '*.txt' -o -name '*.mtrace' \) \
                  -not -path '*/specs/*' | sort)
fi

# field REPORT NAME: the value of one "s NAME VALUE" line of a worker report.
field() { awk -v n="$2" '$1 == "s" && $2 == n { print $3 }' <<<"$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pass() { # pass TRACE PASS WINDOW [MIN_TIME]: the worker's report
    local threads=(--threads --window "$3")
    [ "$3" = single ] && threads=()
    "$worker" --trace "$1" --backend "$backend" --pass "$2" "${threads[@]}" \
        --min-time "${4:-0}" --report-fd 1 2>/dev/null
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, backend $backend"
if [[ " $parts " == *" peak "* ]]; then
    echo "## peak live: largest deviation from the trace's peak over RUNS=$runs memory passes"
    printf '%-26s %9s %7s %11s' trace events threads trace_peak
    for w in $windows; do printf ' %9s' "W=$w"; done
    echo
    for tr in "${traces[@]}"; do
        info=$("$ar" info "$tr" 2>/dev/null)
        printf '%-26s %9s %7s' "$(basename "$tr")" "$(awk '/^events:/ { print $2 }' <<<"$info")" \
            "$(awk '/^threads:/ { print $2 }' <<<"$info")"
        first=1
        for w in $windows; do
            worst=0 tp=0
            for _ in $(seq "$runs"); do
                rep=$(pass "$tr" memory "$w")
                tp=$(field "$rep" trace_peak_live_bytes) p=$(field "$rep" peak_live_bytes)
                [ -n "$p" ] || { worst=fail; break; }
                worst=$(awk -v w="$worst" -v p="$p" -v t="$tp" \
                    'BEGIN { d = 100 * (p - t) / t; a = d < 0 ? -d : d; b = w < 0 ? -w : w; print (a > b) ? d : w }')
            done
            [ $first -eq 1 ] && printf ' %11s' "$tp" && first=0
            [ "$worst" = fail ] && printf ' %9s' fail || printf ' %+8.2f%%' "$worst"
        done
        echo
    done
fi

if [[ " $parts " == *" speed "* ]]; then
    echo "## speed: ns/event of the throughput pass, median of ROUNDS=$rounds interleaved rounds of $min_time ms; ratio to free"
    for tr in $speed_traces; do
        declare -A ns=()
        configs=($speed_windows single)
        for _ in $(seq "$rounds"); do
            for w in "${configs[@]}"; do
                v=$(field "$(pass "$tr" throughput "$w" "$min_time")" ns_per_event)
                ns[$w]="${ns[$w]:-} ${v:-nan}"
            done
        done
        printf '%-26s' "$(basename "$tr")"
        free=$(tr ' ' '\n' <<<"${ns[free]:-}" | grep -v '^$' | median)
        for w in "${configs[@]}"; do
            m=$(tr ' ' '\n' <<<"${ns[$w]}" | grep -v '^$' | median)
            awk -v w="$w" -v m="$m" -v f="${free:-0}" -v all="${ns[$w]}" \
                'BEGIN { printf "  %s %.0f ns (%s; x%.2f)", w, m, all, (f > 0 ? m / f : 0) }'
        done
        echo
        unset ns
    done
fi

if [[ " $parts " == *" waits "* ]]; then
    stats=$(mktemp)
    trap 'rm -f "$stats"' EXIT
    if ! perf stat -x, -o "$stats" -e syscalls:sys_enter_futex true >/dev/null 2>&1; then
        echo "## waits: skipped (perf stat with the syscalls tracepoints is not available)"
    else
        echo "## waits: per pass of the trace, futex calls and context switches; CPU ns/event (perf stat); medians of ROUNDS=$rounds interleaved rounds of $min_time ms"
        for tr in $speed_traces; do
            declare -A fu=() cs=() cpu=()
            events=$("$ar" info "$tr" 2>/dev/null | awk '/^events:/ { print $2 }')
            for _ in $(seq "$rounds"); do
                for w in $speed_windows; do
                    rep=$(perf stat -x, -o "$stats" -e syscalls:sys_enter_futex,context-switches,task-clock \
                        "$worker" --trace "$tr" --backend "$backend" --pass throughput --threads \
                        --window "$w" --min-time "$min_time" --report-fd 1 2>/dev/null)
                    loops=$(field "$rep" loops)
                    read -r f c t < <(awk -F, '/sys_enter_futex/ { f = $1 } /context-switches/ { c = $1 }
                                               /task-clock/ { t = $1 } END { print f, c, t }' "$stats")
                    fu[$w]+=" $(awk -v v="$f" -v l="${loops:-0}" 'BEGIN { print l ? v / l : "nan" }')"
                    cs[$w]+=" $(awk -v v="$c" -v l="${loops:-0}" 'BEGIN { print l ? v / l : "nan" }')"
                    cpu[$w]+=" $(awk -v v="$t" -v l="${loops:-0}" -v e="$events" \
                        'BEGIN { print l && e ? v * 1e6 / (l * e) : "nan" }')"
                done
            done
            printf '%-26s' "$(basename "$tr")"
            for w in $speed_windows; do
                printf '  %s %.0f futex, %.0f cs, %.1f CPU ns' "$w" \
                    "$(tr ' ' '\n' <<<"${fu[$w]}" | grep -v '^$' | median)" \
                    "$(tr ' ' '\n' <<<"${cs[$w]}" | grep -v '^$' | median)" \
                    "$(tr ' ' '\n' <<<"${cpu[$w]}" | grep -v '^$' | median)"
            done
            echo
            unset fu cs cpu
        done
    fi
fi
