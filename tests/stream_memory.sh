#!/usr/bin/env bash
# The driver's memory stays bounded when it streams a large binary trace:
# makes an N-event trace (16 bytes per event) with big_trace, runs `info` and `validate` on it
# under /usr/bin/time and checks their peak RSS stays below LIMIT_MIB whatever N is: the
# binary reader scans the mapping in windows it gives back behind itself. TAP.
# The suite runs N = 10 million (160 MB); `meson test --benchmark stream_memory-100m` runs 100 million
# (1.6 GB) and prints the figures. Usage: stream_memory.sh ALLOCREPLAY BIG_TRACE N LIMIT_MIB
set -u
. "$(dirname "$0")/tap.sh"
bin=$1 gen=$2 events=$3 limit_mib=$4
[ -x /usr/bin/time ] || { echo "1..0 # SKIP /usr/bin/time is not installed"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/var/tmp}/stream.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$gen" "$events" "$work/big.alrt" || { echo "1..0 # SKIP cannot write $events events in $work"; exit 0; }
size=$(stat -c %s "$work/big.alrt")
echo "# trace: $events events, $((size >> 20)) MiB"
for cmd in info validate; do
    /usr/bin/time -f '%M %e' -o "$work/time" "$bin" $cmd "$work/big.alrt" >"$work/out" 2>"$work/err"
    status=$?
    read -r rss_kib secs <"$work/time"
    echo "# $cmd: exit $status, max RSS $((rss_kib >> 10)) MiB, $secs s"
    [ $status -eq 0 ] && grep -q "$events" "$work/out"
    ok $? "$cmd reads all $events events"
    [ "$rss_kib" -lt $((limit_mib << 10)) ]
    ok $? "$cmd: max RSS $((rss_kib >> 10)) MiB < $limit_mib MiB (file: $((size >> 20)) MiB)"
done
tap_done
