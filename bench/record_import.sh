#!/usr/bin/env bash
# Speed of the second half of `allocreplay record`: the recorder's raw logs turned into a trace,
# in ns per event, on a log of at least 10 M events (the bound is 30 ns/event, issue "traces at
# scale"). The log is made by running bench/workloads/json_roundtrip.py under the recorder, as
# `allocreplay record` does (10.4 M events); then build/bench/record_import_time imports it RUNS
# times both ways: streamed into an .alrt file (what `record -o X.alrt` does) and through memory
# then trace_save (the .yaml and .alrt.zst outputs). Medians; CPU time (user + system) is what
# the machine's load disturbs least.
#
# The trace goes into $TMPDIR (a disk's file system, where `record -o X.alrt` usually writes;
# recorder_overhead.sh writes there too), or into OUT_PARENT: OUT_PARENT=/dev/shm puts it on
# tmpfs beside the raw log, whose pages cost the kernel more here (docs/performance.md, 7).
#
#   bench/record_import.sh [BUILD_DIR]      RUNS=N (default 5), RAW_PARENT=DIR (default /dev/shm),
#                                            OUT_PARENT=DIR (default $TMPDIR, else /tmp)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
so=$build/recorder/liballocreplay-record.so
tool=$build/bench/record_import_time
runs=${RUNS:-5}
for f in "$so" "$tool"; do
  [ -f "$f" ] || { echo "record_import: $f not built (ninja -C $build)" >&2; exit 2; }
done
python=${PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )}
parent=${RAW_PARENT:-/dev/shm}
[ -d "$parent" ] && [ -w "$parent" ] || parent=${TMPDIR:-/tmp}
raw=$(mktemp -d "$parent/allocreplay-import.XXXXXX")
out=$(mktemp -d "${OUT_PARENT:-${TMPDIR:-/tmp}}/allocreplay-import-out.XXXXXX")
trap 'rm -rf "$raw" "$out"' EXIT

ALLOCREPLAY_RECORD_DIR=$raw LD_PRELOAD=$so PYTHONMALLOC=malloc \
  "$python" "$here/workloads/json_roundtrip.py" >/dev/null
bytes=$(cat "$raw"/*.arraw | wc -c)

# median COLUMN FILE
median() {
  sort -g -k"$1","$1" "$2" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# record_import_time prints: events N stream_wall W stream_cpu C import_wall W import_cpu C
# save_wall W save_cpu C
for _ in $(seq "$runs"); do
  "$tool" "$raw" "$out/t.alrt" | awk '{ print $2, $4, $6, $8 + $12, $10 + $14 }'
  rm -f "$out/t.alrt"
done >"$out/times"
awk -v n="$(median 1 "$out/times")" -v b="$bytes" -v runs="$runs" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
    -v fs="$(stat -f -c %T "$out")" \
    -v sw="$(median 2 "$out/times")" -v sc="$(median 3 "$out/times")" \
    -v mw="$(median 4 "$out/times")" -v mc="$(median 5 "$out/times")" 'BEGIN {
  printf "record import: %d events, raw log %.0f MB, trace written to %s, medians of %d runs, load %s\n", n, b / 1e6, fs, runs, load
  printf "streamed to .alrt:        wall %.3f s (%.1f ns/event)   cpu %.3f s (%.1f ns/event)\n", sw, sw * 1e9 / n, sc, sc * 1e9 / n
  printf "in memory + trace_save:   wall %.3f s (%.1f ns/event)   cpu %.3f s (%.1f ns/event)\n", mw, mw * 1e9 / n, mc, mc * 1e9 / n
}'
