#!/usr/bin/env bash
# The bad-input corpus (tests/bad/, docs/testing.md) through the real CLI, as TAP.
#
# Every FILE in tests/bad/ has FILE.err, the exact line expected on stderr. Each command that
# reads traces must, on each file: exit 2 (never a crash: >= 128), print exactly that one line
# and nothing on stdout, and leave no output behind: no OUT, no OUT.tmp.*, and an OUT that
# existed before is left untouched. Sanitizer reports are caught by the ASan build of the suite
# (a report adds lines to stderr or changes the status). Then inputs too big or too odd to
# commit are made at run time: deep nesting, a 64 MiB scalar, an error after 200000 events,
# directories, devices, an unreadable file, output paths that cannot be written.
# Usage: bad_inputs.sh corpus|made ALLOCREPLAY SOURCE_ROOT GEN_BINARY (two halves, so that each
# stays well under 30 s in the sanitizer build)
set -u
part=$1
shift
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
gen=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"
tap_on_fail() {
    [ -s "$work/err" ] && head -3 "$work/err" | sed 's/^/# stderr: /'
    echo "# status: $(cat "$work/status" 2>/dev/null)"
}

run() { # run CMD...: stdout, stderr and status into $work/out, err, status
    "$@" >"$work/out" 2>"$work/err"
    echo $? >"$work/status"
}

status_is() { [ "$(cat "$work/status")" = "$1" ]; }

# one_line PATTERN: exit 2, empty stdout, exactly one stderr line, matching the grep pattern.
refused_with() {
    status_is 2 && [ ! -s "$work/out" ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q -- "$1" "$work/err"
}

no_output_left() { # no_output_left DIR BASENAME
    [ ! -e "$1/$2" ] && ! ls "$1" | grep -q "^$2\.tmp\."
}

if [ "$part" = corpus ]; then
# 1. The committed binary files are exactly what gen_binary makes (so every byte is explained).
mkdir "$work/gen"
"$gen" "$work/gen"
same=0
for f in "$work"/gen/*.alrt; do
    cmp -s "$f" "$root/tests/bad/$(basename "$f")" || { echo "# differs: $(basename "$f")"; same=1; }
done
ok $same "tests/bad/bin-*.alrt are gen_binary's output ($(ls "$work/gen" | wc -l) files)"

# 2. The committed corpus, through validate, info, run and convert (to both writable formats,
#    once onto a fresh path and once onto an existing file, which must be left as it was).
# `run` too, once it is built: the trace is refused before any worker starts, and no results
# directory is created.
has_run=0
"$bin" run --help >/dev/null 2>&1 && has_run=1
cd "$root/tests/bad" || exit 99
count=0
for f in $(ls | grep -v '\.\(err\|c\|md\)$'); do
    count=$((count + 1))
    expected=$(cat "$f.err")
    for cmd in validate info; do
        run "$bin" $cmd "$f"
        status_is 2 && [ ! -s "$work/out" ] && [ "$(cat "$work/err")" = "$expected" ]
        ok $? "$cmd $f: exit 2, one line: $expected"
    done
    if [ $has_run = 1 ]; then
        run "$bin" run "$f" -b null -o "$work/results"
        status_is 2 && [ ! -s "$work/out" ] && [ "$(cat "$work/err")" = "$expected" ] && [ ! -e "$work/results" ]
        ok $? "run $f: exit 2, the same line, no results directory"
    fi
    for ext in alrt yaml; do
        out=$work/conv/out.$ext
        rm -rf "$work/conv" && mkdir "$work/conv"
        run "$bin" convert "$f" "$out"
        status_is 2 && [ "$(cat "$work/err")" = "$expected" ] && no_output_left "$work/conv" "out.$ext"
        ok $? "convert $f to .$ext: exit 2, same line, no output file, no temporary"
    done
    echo keep >"$work/conv/out.alrt"
    run "$bin" convert "$f" "$work/conv/out.alrt"
    status_is 2 && [ "$(cat "$work/conv/out.alrt")" = keep ] && [ "$(ls "$work/conv")" = out.alrt ]
    ok $? "convert $f onto an existing output: exit 2, output untouched"
done
[ "$count" -ge 40 ]
ok $? "the committed corpus holds at least 40 inputs ($count)"
tap_done
exit
fi
cd "$work" || exit 99

# 3. Made at run time.
H='format: allocreplay-trace/1\nevents:\n'

# Deep nesting: 200000 open brackets where an event's op belongs, and as the whole document.
{ printf "$H  - "; head -c 200000 /dev/zero | tr '\0' '['; echo; } >deep.yaml
run "$bin" validate deep.yaml
refused_with "^allocreplay: deep.yaml:3:6: op: expected alloc, calloc, aligned, realloc or free, got a sequence$"
ok $? "200000 nested sequences in an event: exit 2, one line at 3:6"
{ head -c 200000 /dev/zero | tr '\0' '{'; echo; } >deep-top.yaml
run "$bin" validate deep-top.yaml
refused_with "^allocreplay: deep-top.yaml:1:1: expected a mapping with format, name, description, events; got a mapping\|^allocreplay: deep-top.yaml:1:2: "
ok $? "200000 nested mappings as the document: exit 2, one line"

# An enormous scalar: 64 MiB where the op belongs; the message quotes at most 40 bytes of it.
{ printf "$H  - ["; head -c $((64 << 20)) /dev/zero | tr '\0' a; echo ', 0, 8]'; } >huge-scalar.yaml
run "$bin" validate huge-scalar.yaml
refused_with "^allocreplay: huge-scalar.yaml:3:6: op: expected alloc, calloc, aligned, realloc or free, got 'a\{40\}'$"
ok $? "a 64 MiB scalar as op: exit 2, one short line"
rm -f huge-scalar.yaml

# An error after 200000 valid events is reported at its line.
{ printf "$H"; seq 0 199999 | sed 's/.*/  - [alloc, &, 16]/'; echo '  - [free, 200000]'; } >late.yaml
run "$bin" validate late.yaml
refused_with "^allocreplay: late.yaml:200003:5: use before alloc: free of id 200000, never allocated$"
ok $? "an error after 200000 events: exit 2, at line 200003"
"$bin" convert --lenient late.yaml late.alrt >/dev/null && printf '\x00' | dd of=late.alrt bs=1 seek=$((80 + 16 * 150000 + 8)) conv=notrunc status=none
run "$bin" validate late.alrt
refused_with "^allocreplay: late.alrt: records checksum mismatch (file corrupt)$"
ok $? "one byte changed in record 150000 of 200000: checksum mismatch"

# Directories given as trace files, one per format.
for f in d.yaml d.alrt d.mtrace d.android.txt; do
    mkdir "$f"
    run "$bin" validate "$f"
    refused_with "^allocreplay: $f: is a directory, not a trace$"
    ok $? "a directory named $f: exit 2, one line"
    if "$bin" run --help >/dev/null 2>&1; then
        run "$bin" run "$f" -b null -o results
        refused_with "^allocreplay: $f: is a directory, not a trace$" && [ ! -e results ]
        ok $? "run on a directory named $f: exit 2, one line, no results directory"
    fi
done

# Devices: /dev/zero read as each format, /dev/urandom as text.
for f in zero.alrt zero.yaml zero.mtrace; do ln -s /dev/zero $f; done
run "$bin" validate zero.alrt
refused_with "^allocreplay: zero.alrt: not an allocreplay binary trace (file too short for the magic)$"
ok $? "/dev/zero as a binary trace: exit 2"
run "$bin" validate zero.yaml
refused_with "^allocreplay: zero.yaml:1:1: control characters are not allowed (byte 0x00)$"
ok $? "/dev/zero as YAML: exit 2 at 1:1"
run "$bin" validate zero.mtrace
refused_with "^allocreplay: zero.mtrace:1: malformed mtrace line: line longer than 65535 bytes$"
ok $? "/dev/zero as an mtrace log: exit 2 at line 1"
head -c 65536 /dev/urandom >random.android.txt
run "$bin" info random.android.txt
refused_with "^allocreplay: random.android.txt:[0-9]*: "
ok $? "64 KiB of random bytes as an Android trace: exit 2, one line with a line number"

# An unreadable file. Root reads through 0 permissions, so as root the command runs as nobody
# (setpriv); the test is skipped when that is impossible, never passed vacuously.
printf "${H}  - [alloc, 0, 8]\n" >locked.yaml
chmod 000 locked.yaml
if [ "$(id -u)" != 0 ]; then
    run "$bin" validate locked.yaml
    refused_with "^allocreplay: locked.yaml: cannot open: Permission denied$"
    ok $? "an unreadable file: exit 2, one line"
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --help >/dev/null 2>&1; then
    chmod 755 "$work"
    run setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" validate locked.yaml
    refused_with "^allocreplay: locked.yaml: cannot open: Permission denied$"
    ok $? "an unreadable file (read as nobody): exit 2, one line"
else
    ok 0 "an unreadable file" "SKIP running as root and cannot switch to nobody"
fi

# Outputs that cannot be written: a directory in the way, a missing directory, a full disk.
printf "${H}"  >good.yaml
for i in $(seq 0 19999); do echo "  - [alloc, $i, 8]"; done >>good.yaml
mkdir -p outs/taken.alrt
run "$bin" convert good.yaml outs/taken.alrt
refused_with "^allocreplay: outs/taken.alrt: " && [ "$(ls outs)" = taken.alrt ]
ok $? "convert onto a directory: exit 2, one line, no temporary left"
run "$bin" convert good.yaml nowhere/out.alrt
refused_with "^allocreplay: nowhere/out.alrt: cannot create: No such file or directory$"
ok $? "convert into a missing directory: exit 2"
mkdir small
if mount -t tmpfs -o size=64k tmpfs small 2>/dev/null; then
    run "$bin" convert good.yaml small/out.alrt
    refused_with "^allocreplay: small/out.alrt: write failed: No space left on device$" && [ -z "$(ls small)" ]
    ok $? "convert onto a full disk (64 KiB tmpfs): exit 2, nothing left"
    umount small
else
    ok 0 "convert onto a full disk" "SKIP cannot mount a tmpfs (not root)"
fi
# A file size limit (ulimit -f): the kernel sends SIGXFSZ, which kills a process that does not
# ignore it, leaving the temporary file behind; ignored, write() fails with EFBIG instead.
mkdir fsize
(ulimit -f 64; exec "$bin" convert good.yaml fsize/out.alrt) >"$work/out" 2>"$work/err"
echo $? >"$work/status"
refused_with "^allocreplay: fsize/out.alrt: write failed: File too large$" && [ -z "$(ls fsize)" ]
ok $? "convert past a file size limit (ulimit -f 64): exit 2, nothing left"

# Campaign files, once `campaign` is built: hostile campaign files, and a good one naming a bad
# trace. Each: exit 2, one line naming the file, no results directory.
if "$bin" campaign --help >/dev/null 2>&1; then
    mkdir camp
    : >camp/empty.yaml
    mkdir camp/dir.yaml
    printf 'traces: [a\0b]\nbackends: [null]\n' >camp/nul.yaml
    printf 'name: \xff\xfe\ntraces: [x]\nbackends: [null]\n' >camp/latin1.yaml
    { printf 'traces: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >camp/deep.yaml
    printf 'traces: [%s]\nbackends: [null]\noutput: %s\n' "$root/tests/bad/bin-double-free.alrt" \
        "$work/camp/out" >camp/bad-trace.yaml
    for f in empty dir nul latin1; do
        run "$bin" campaign "camp/$f.yaml"
        refused_with "camp/$f.yaml" && [ ! -e camp/out ]
        ok $? "campaign camp/$f.yaml: exit 2, one line naming the file: $(head -c 150 "$work/err")"
    done
    for c in "nul.yaml:1:11:" "latin1.yaml:1:7:" "dir.yaml: is a directory"; do
        run "$bin" campaign "camp/${c%%:*}"
        grep -q "camp/$c" "$work/err"
        ok $? "campaign camp/${c%%:*}: the message names the position ($c)"
    done
    run "$bin" campaign camp/deep.yaml
    refused_with "camp/deep.yaml"
    ok $? "campaign with 100000 nested sequences: exit 2, one line (status $(cat "$work/status"))"
    run "$bin" campaign camp/bad-trace.yaml
    status_is 2 && [ "$(tail -1 "$work/err")" = "$(sed "s|^allocreplay: |allocreplay: $root/tests/bad/|" \
        "$root/tests/bad/bin-double-free.alrt.err")" ] && [ ! -e camp/out ]
    ok $? "a campaign naming a bad trace: exit 2 with the trace's own error, no results"
    [ "$(wc -l <"$work/err")" = 1 ]
    ok $? "a campaign naming a bad trace: one line on stderr"
fi

# Generator specs, once `generate` is built: hostile spec files. Each: exit 2, one line naming
# the file and the position, no output trace.
if "$bin" generate --help >/dev/null 2>&1; then
    mkdir spec
    : >spec/empty.yaml
    mkdir spec/dir.yaml
    printf 'format: allocreplay-spec/1\nname: a\0b\n' >spec/nul.yaml
    printf 'format: allocreplay-spec/1\nname: \xff\n' >spec/latin1.yaml
    { printf 'format: allocreplay-spec/1\nphases: '; head -c 100000 /dev/zero | tr '\0' '['; echo; } >spec/deep.yaml
    for f in empty nul latin1 dir; do
        run "$bin" generate "spec/$f.yaml" -o spec/out.alrt
        refused_with "spec/$f.yaml" && [ -z "$(ls spec | grep out)" ]
        ok $? "generate spec/$f.yaml: exit 2, one line naming the file, no output"
    done
    for c in "nul.yaml:2:8:" "latin1.yaml:2:7:" "dir.yaml: is a directory"; do
        run "$bin" generate "spec/${c%%:*}" -o spec/out.alrt
        grep -q "spec/$c" "$work/err"
        ok $? "generate spec/${c%%:*}: the message names the position ($c)"
    done
    run "$bin" generate spec/deep.yaml -o spec/out.alrt
    refused_with "spec/deep.yaml"
    ok $? "generate with 100000 nested sequences: exit 2, one line (status $(cat "$work/status"))"
fi

tap_done
