#!/usr/bin/env bash
# Size and speed of compressed binary traces (.alrt.zst, docs/trace-format.md) against plain
# zstd on the 16-byte records: bytes per event, and compression and decompression MB/s of
# records on one core (CPU time, best of REPEATS), for each trace given (default: the shipped
# and recorded traces).
#   bench/trace_compress.sh [BUILD_DIR] [TRACE...]      LEVELS="1 3" REPEATS=3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
shift || true
tool=$build/bench/trace_zst_time
[ -x "$tool" ] || { echo "trace_compress: $tool not built (ninja -C $build)" >&2; exit 2; }
[ $# -gt 0 ] || set -- "$here"/../traces/recorded/*.alrt "$here"/../traces/*.alrt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "$@"; do
  for l in ${LEVELS:-1 3}; do
    "$tool" "$t" "$l" "${REPEATS:-3}"
  done
  if command -v zstd >/dev/null; then
    events=$(od -An -t u8 -j 16 -N 8 "$t" | tr -d ' ')
    for l in 3 19; do
      zstd -q -f -"$l" "$t" -o "$work/plain.zst"
      echo "$t plain zstd -$l: $(stat -c %s "$work/plain.zst") bytes, $(awk -v b="$(stat -c %s "$work/plain.zst")" -v n="$events" 'BEGIN { printf "%.3f", b / n }') bytes/event"
    done
  fi
done
