#!/usr/bin/env bash
# Compressed binary traces (.alrt.zst) and formats recognised by content (docs/trace-format.md):
# byte-identical round trips through compression on every shipped trace, every command reading
# .alrt.zst, files named anything, Android traces zipped, and the near-misses refused in one
# line with exit 2.
#   tests/trace_formats.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
. "$root/tests/tap.sh"
tap_scratch

# refused WHAT FILE PATTERN: info FILE exits 2 with one line on stderr naming FILE, matching PATTERN.
refused() {
    "$bin" info "$2" >"$work/out" 2>"$work/err"
    local st=$?
    [ "$st" = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "^allocreplay: $2:.*$3" "$work/err"
    local r=$?
    [ $r = 0 ] || { echo "# status $st:"; sed 's/^/# /' "$work/err"; }
    ok $r "$1: exit 2, one line"
}

# --- round trips through compression ---
for f in "$root"/traces/*.alrt "$root"/traces/recorded/*.alrt; do
    b=$(basename "$f" .alrt)
    "$bin" convert "$f" "$work/$b.alrt.zst" >/dev/null &&
        "$bin" convert "$work/$b.alrt.zst" "$work/$b.alrt" >/dev/null &&
        cmp -s "$f" "$work/$b.alrt" &&
        [ "$(stat -c %s "$work/$b.alrt.zst")" -lt "$(stat -c %s "$f")" ]
    ok $? "$b: .alrt -> .alrt.zst -> .alrt byte-identical, and smaller"
done
for f in "$root"/traces/*.yaml; do
    b=$(basename "$f" .yaml)
    "$bin" convert "$f" "$work/$b.yaml.alrt.zst" >/dev/null &&
        "$bin" convert "$work/$b.yaml.alrt.zst" "$work/$b.1.yaml" >/dev/null &&
        "$bin" convert "$work/$b.1.yaml" "$work/$b.2.yaml" >/dev/null &&
        cmp -s "$work/$b.1.yaml" "$work/$b.2.yaml"
    ok $? "$b: YAML -> .alrt.zst -> YAML stable"
done
# A trace with times (a time section after the records) keeps them through compression.
a=$root/tests/traces/import/timestamps.android.txt
"$bin" convert "$a" "$work/timed.alrt" >/dev/null && "$bin" convert "$a" "$work/timed.alrt.zst" >/dev/null &&
    "$bin" convert "$work/timed.alrt.zst" "$work/timed2.alrt" >/dev/null && cmp -s "$work/timed.alrt" "$work/timed2.alrt"
ok $? "a timed trace: .alrt.zst decompresses to the same .alrt, time section included"
f=$root/traces/recorded/python-json.alrt
"$bin" info "$f" | tail -n +4 >"$work/plain.info"
"$bin" info "$work/python-json.alrt.zst" | tail -n +4 >"$work/zst.info"
cmp -s "$work/plain.info" "$work/zst.info"
ok $? "info: the same figures from .alrt and .alrt.zst"
"$bin" validate "$work/python-json.alrt.zst" | grep -q ': ok: 80342 events'
ok $? "validate reads .alrt.zst"
"$bin" run "$work/python-json.alrt.zst" -b malloc --no-memory --min-time 0 -o "$work/run" >/dev/null 2>&1
ok $? "run replays .alrt.zst"
cat >"$work/spec.yaml" <<'SPEC'
format: allocreplay-spec/1
seed: 3
threads: 2
phases:
  - events: 5000
    size: {dist: uniform, min: 8, max: 256}
    lifetime: {dist: exponential, mean: 50}
SPEC
"$bin" generate "$work/spec.yaml" -o "$work/g.alrt" >/dev/null &&
    "$bin" generate "$work/spec.yaml" -o "$work/g.alrt.zst" >/dev/null &&
    "$bin" convert "$work/g.alrt.zst" "$work/g2.alrt" >/dev/null && cmp -s "$work/g.alrt" "$work/g2.alrt"
ok $? "generate -o .alrt.zst: the same trace as -o .alrt"
if command -v zstd >/dev/null; then
    zstd -q -3 "$f" -o "$work/by-tool.alrt.zst" && "$bin" convert "$work/by-tool.alrt.zst" "$work/by-tool.alrt" >/dev/null &&
        cmp -s "$f" "$work/by-tool.alrt"
    ok $? "a .alrt compressed by the zstd tool is read too"
else
    ok 0 "# SKIP zstd tool not installed"
fi

# --- recognised by content, whatever the name ---
cp "$f" "$work/trace.bin"
"$bin" info "$work/trace.bin" | grep -q '^events: *80342' ; ok $? ".alrt named .bin"
cp "$work/python-json.alrt.zst" "$work/trace.dat"
"$bin" info "$work/trace.dat" | grep -q '^events: *80342' ; ok $? ".alrt.zst named .dat"
cp "$root/tests/traces/import/timestamps.android.txt" "$work/surfaceflinger.txt"
"$bin" convert "$root/tests/traces/import/timestamps.android.txt" "$work/a1.yaml" >/dev/null &&
    "$bin" convert "$work/surfaceflinger.txt" "$work/a2.yaml" >/dev/null &&
    diff <(tail -n +3 "$work/a1.yaml") <(tail -n +3 "$work/a2.yaml") >/dev/null
ok $? "Android text named surfaceflinger.txt"
cp "$root/tests/traces/import/glibc.mtrace" "$work/malloc.log"
"$bin" convert "$root/tests/traces/import/glibc.mtrace" "$work/m1.yaml" >/dev/null &&
    "$bin" convert "$work/malloc.log" "$work/m2.yaml" >/dev/null &&
    diff <(tail -n +3 "$work/m1.yaml") <(tail -n +3 "$work/m2.yaml") >/dev/null
ok $? "mtrace log named .log"
cp "$root/traces/list-churn.yaml" "$work/list.txt"
"$bin" info "$work/list.txt" >/dev/null ; ok $? "YAML named .txt"
zipit() { # zipit ARCHIVE METHOD(stored|deflated) NAME=FILE...
    python3 - "$@" <<'PY'
import sys, zipfile
method = zipfile.ZIP_STORED if sys.argv[2] == 'stored' else zipfile.ZIP_DEFLATED
with zipfile.ZipFile(sys.argv[1], 'w', method) as z:
    for arg in sys.argv[3:]:
        name, path = arg.split('=', 1)
        z.write(path, name)
PY
}
for method in deflated stored; do
    zipit "$work/sf-$method.zip" $method "surfaceflinger.txt=$work/surfaceflinger.txt" &&
        "$bin" convert "$work/sf-$method.zip" "$work/z.yaml" >/dev/null &&
        diff <(tail -n +3 "$work/a1.yaml") <(tail -n +3 "$work/z.yaml") >/dev/null
    ok $? "Android trace zipped ($method), read in place"
done
zipit "$work/m.zip" deflated "malloc.log=$work/malloc.log" && cp "$work/m.zip" "$work/m.archive" &&
    "$bin" convert "$work/m.archive" "$work/mz.yaml" >/dev/null &&
    diff <(tail -n +3 "$work/m1.yaml") <(tail -n +3 "$work/mz.yaml") >/dev/null
ok $? "mtrace log zipped, named .archive"

# --- near-misses ---
printf 'format: allocreplay-campaign/1\nname: x\n' >"$work/campaign.yaml"
refused "a YAML file that is not a trace" "$work/campaign.yaml" 'format'
printf 'hello\nworld\n' >"$work/hello.txt"
refused "text in no format" "$work/hello.txt" 'not a trace in any known format (tried binary .alrt, compressed .alrt.zst, zip archive, Android memory_replay text, glibc mtrace log, YAML'
zipit "$work/two.zip" deflated "a.txt=$work/surfaceflinger.txt" "b.txt=$work/surfaceflinger.txt"
refused "a zip with two entries" "$work/two.zip" 'zip archive with 2 entries'
zipit "$work/notrace.zip" deflated "hello.txt=$work/hello.txt"
refused "a zip of something else" "$work/notrace.zip" "entry is not an Android memory_replay or glibc mtrace"
head -c 100 "$work/sf-deflated.zip" >"$work/cut.zip"
refused "a truncated zip" "$work/cut.zip" 'zip archive without its end record'
python3 - "$work/sf-deflated.zip" "$work/crc.zip" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.index(b'PK\x01\x02')
b[i + 16] ^= 0xff   # the central directory's CRC-32
open(sys.argv[2], 'wb').write(b)
PY
refused "a zip entry failing its CRC" "$work/crc.zip" 'CRC-32 mismatch'
z=$work/python-json.alrt.zst
size=$(stat -c %s "$z")
head -c $((size - 100)) "$z" >"$work/cut.alrt.zst"
refused "a truncated zstd frame" "$work/cut.alrt.zst" 'compressed frame'
head -c 40 "$z" >"$work/short.alrt.zst"
refused "a compressed trace cut in its header" "$work/short.alrt.zst" 'truncated compressed trace header'
python3 - "$z" "$work/flip.alrt.zst" <<'PY'
import sys
b = bytearray(open(sys.argv[1], 'rb').read())
b[len(b) // 2] ^= 0x10
open(sys.argv[2], 'wb').write(b)
PY
refused "a compressed trace with a flipped bit" "$work/flip.alrt.zst" '\(compressed\|checksum\|corrupt\)'
head -c $(( $(stat -c %s "$root/traces/recorded/sqlite-small.alrt") / 2 )) "$root/traces/recorded/sqlite-small.alrt" >"$work/half.alrt"
zstd -q "$work/half.alrt" -o "$work/cut-inner.zst"
refused "zstd of a truncated .alrt" "$work/cut-inner.zst" 'truncated'
: >"$work/empty.dat"
refused "an empty file" "$work/empty.dat" 'not a trace in any known format'

# The three near-misses of the issue through every command that reads a trace, not only info:
# one line naming the file, exit 2, no output file left behind.
for f in campaign.yaml two.zip cut.alrt.zst; do
    for cmd in validate convert slice run; do
        args=()
        case $cmd in
        convert | slice) args=("$work/out-$cmd.alrt") ;;
        run) args=(-b malloc --no-memory --min-time 0 -o "$work/run-$f") ;;
        esac
        "$bin" "$cmd" "$work/$f" "${args[@]}" >/dev/null 2>"$work/err"
        st=$?
        [ $st = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q "$work/$f" "$work/err" &&
            [ ! -e "$work/out-$cmd.alrt" ]
        r=$?
        [ $r = 0 ] || { echo "# status $st:"; sed 's/^/# /' "$work/err"; }
        ok $r "$f: $cmd exits 2 with one line naming it"
    done
done

tap_done
