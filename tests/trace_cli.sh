#!/usr/bin/env bash
# End-to-end test of `allocreplay convert/info/validate` (TAP). Runs the real CLI on the malformed
# corpus tests/traces/bad/ (each FILE has FILE.err, the exact stderr expected) and on the shipped
# examples traces/*.yaml. Usage: trace_cli.sh ALLOCREPLAY SOURCE_ROOT
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/tap.sh"

# run CMD...: stdout, stderr and exit status into $work/out, err, status.
run() {
    "$@" >"$work/out" 2>"$work/err"
    echo $? >"$work/status"
}

# 1. Every malformed file is refused with exit 2 and exactly its expected line, by validate and by
#    convert (which must leave no output file behind).
cd "$root/tests/traces/bad" || exit 99
for f in $(ls | grep -v -e '\.err$' -e '^README.md$'); do
    run "$bin" validate "$f"
    [ "$(cat "$work/status")" = 2 ] && cmp -s "$work/err" "$f.err"
    ok $? "validate $f: exit 2, stderr: $(cat "$f.err")"
    [ "$(cat "$work/status")" = 2 ] || sed 's/^/# got: /' "$work/err"
    cmp -s "$work/err" "$f.err" || sed 's/^/# got: /' "$work/err"
    run "$bin" convert "$f" "$work/out.alrt"
    [ "$(cat "$work/status")" = 2 ] && cmp -s "$work/err" "$f.err" && [ ! -e "$work/out.alrt" ] &&
        [ -z "$(ls "$work" | grep tmp)" ]
    ok $? "convert $f: same error, no output file"
done

# 2. Usage: --help exits 0 on stdout; bad usage exits 2 with one line on stderr.
for cmd in convert info validate; do
    run "$bin" $cmd --help
    [ "$(cat "$work/status")" = 0 ] && grep -q "^usage: allocreplay $cmd" "$work/out" && [ ! -s "$work/err" ]
    ok $? "$cmd --help"
    run "$bin" $cmd
    [ "$(cat "$work/status")" = 2 ] && [ "$(wc -l <"$work/err")" = 1 ] &&
        grep -qx "allocreplay $cmd: missing argument (allocreplay $cmd --help)" "$work/err"
    ok $? "$cmd without arguments: exit 2, one line"
    run "$bin" $cmd --frobnicate x.yaml
    [ "$(cat "$work/status")" = 2 ] && grep -qx "allocreplay $cmd: unknown option '--frobnicate' (allocreplay $cmd --help)" "$work/err"
    ok $? "$cmd with an unknown option: exit 2"
done
printf 'hello world\n' >"$work/trace.json"
run "$bin" info "$work/trace.json"
[ "$(cat "$work/status")" = 2 ] &&
    [ "$(cat "$work/err")" = "allocreplay: $work/trace.json: not a trace in any known format (tried binary .alrt, compressed .alrt.zst, zip archive, Android memory_replay text, glibc mtrace log, YAML; known extensions: .yaml, .yml, .alrt, .alrt.zst, .mtrace, .android.txt, .zip)" ]
ok $? "a file in no known format, unknown extension: exit 2, what was tried listed"
run "$bin" convert "$root/traces/list-churn.yaml" "$work/x.mtrace"
[ "$(cat "$work/status")" = 2 ] &&
    [ "$(cat "$work/err")" = "allocreplay: $work/x.mtrace: cannot write this format (writable: .yaml, .yml, .alrt, .alrt.zst)" ]
ok $? "convert to an import-only format: exit 2"
run "$bin" validate "$work/missing.alrt"
[ "$(cat "$work/status")" = 2 ] &&
    [ "$(cat "$work/err")" = "allocreplay: $work/missing.alrt: cannot open: No such file or directory" ]
ok $? "missing file: exit 2"

mkdir "$work/dir.alrt"
for cmd in validate info; do
    run "$bin" $cmd "$work/dir.alrt"
    [ "$(cat "$work/status")" = 2 ] &&
        [ "$(cat "$work/err")" = "allocreplay: $work/dir.alrt: is a directory, not a trace" ]
    ok $? "$cmd of a directory: exit 2"
done
rmdir "$work/dir.alrt"

# 3. Lenient mode drops and counts by kind.
printf 'format: allocreplay-trace/1\nevents:\n  - [alloc, 0, 8]\n  - [free, 0]\n  - [free, 0]\n  - [free, 7]\n  - [alloc, 1, 0]\n  - [free, 9]\n  - [alloc, 2, 16]\n' >"$work/bad.yaml"
run "$bin" validate --lenient "$work/bad.yaml"
[ "$(cat "$work/status")" = 0 ] &&
    grep -qx "$work/bad.yaml: ok: 3 events, 2 objects, 1 threads" "$work/out" &&
    grep -qx "$work/bad.yaml: dropped 4 events: 2 use before alloc, 1 double free, 1 bad size" "$work/out"
ok $? "validate --lenient counts dropped events by kind"
run "$bin" convert --lenient "$work/bad.yaml" "$work/kept.alrt"
[ "$(cat "$work/status")" = 0 ] && "$bin" validate "$work/kept.alrt" >/dev/null
ok $? "convert --lenient writes the kept events, which validate"

# 4. Round trips through the CLI on the shipped examples: YAML -> binary -> YAML is lossless, and
#    a second trip is byte-identical in both formats.
for f in "$root"/traces/*.yaml; do
    b=$(basename "$f" .yaml)
    "$bin" convert "$f" "$work/$b.alrt" >/dev/null &&
        "$bin" convert "$work/$b.alrt" "$work/$b.1.yaml" >/dev/null &&
        "$bin" convert "$work/$b.1.yaml" "$work/$b.2.alrt" >/dev/null &&
        "$bin" convert "$work/$b.2.alrt" "$work/$b.2.yaml" >/dev/null &&
        cmp -s "$work/$b.alrt" "$work/$b.2.alrt" && cmp -s "$work/$b.1.yaml" "$work/$b.2.yaml"
    ok $? "round trip $b: binary and YAML stable"
    "$bin" info "$f" | grep -v '^file:' >"$work/info.yaml.txt" &&
        "$bin" info "$work/$b.alrt" | grep -v '^file:' >"$work/info.alrt.txt" &&
        cmp -s "$work/info.yaml.txt" "$work/info.alrt.txt"
    ok $? "info $b: same figures from YAML and binary"
done

# 5. info figures of a known trace (computed by hand in traces/hash-rehash.yaml's comments).
"$bin" info "$root/traces/hash-rehash.yaml" >"$work/info"
grep -qx "peak live:    473 bytes in 13 objects" "$work/info" &&
    grep -qx "  calloc      2" "$work/info" && grep -qx "events:       32" "$work/info" &&
    grep -qx "objects:      16 allocations on 16 distinct ids (id space 16)" "$work/info"
ok $? "info hash-rehash: events, ops, objects, peak live"

tap_done
