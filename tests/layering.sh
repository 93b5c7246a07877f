#!/usr/bin/env bash
# The layering of docs/architecture.md, checked on every #include of the tree, as TAP:
#
#   util < trace < gen;  allocators, trace < replay < run < campaign < cli;  recorder apart
#
# A file of a library may include the public headers ("lib/x.h") of its own library and of the
# libraries below it, and private headers ("x.h") only from its own folder. Failures: a header
# of a library above, another library's private header (or any "x.h" not next to the file), a
# "lib/x.h" that is not a public header, and any include through "..". tests/ and bench/ may
# use every library (white-box tests add a library's private folder on purpose); only ".." is
# refused there.
#
#   tests/layering.sh SOURCE_ROOT
set -u
root=${1:?usage: tests/layering.sh SOURCE_ROOT}
cd "$root" || exit 99
. tests/tap.sh

# What each library may include, itself included. recorder/ is the log format's library too:
# the trace library reads that one header.
declare -A may=(
    [allocreplay]="allocreplay"
    [recorder]="recorder"
    [util]="util"
    [trace]="util trace recorder"
    [gen]="util trace gen"
    [allocators]="allocreplay allocators"
    [replay]="util trace allocreplay allocators replay"
    [run]="util trace recorder allocreplay allocators replay run"
    [campaign]="util trace recorder allocreplay allocators replay run campaign"
    [cli]="util trace gen recorder allocreplay allocators replay run campaign cli"
)
generated="config.h git_revision.h"

# The folder that holds the public headers of LIB (included as "LIB/x.h").
public_dir() {
    case $1 in
    allocreplay) echo include/allocreplay ;;
    allocators) echo allocators/include/allocators ;;
    recorder) echo recorder/include/recorder ;;
    *) echo "harness/$1/include/$1" ;;
    esac
}

# Sets lib to the library FILE belongs to, or to nothing for tests/ and bench/.
library_of() {
    case $1 in
    include/allocreplay/*) lib=allocreplay ;;
    allocators/*) lib=allocators ;;
    recorder/*) lib=recorder ;;
    harness/*/*) lib=${1#harness/}; lib=${lib%%/*} ;;
    *) lib= ;;
    esac
}

# Reads "FILE<TAB>INCLUDE" lines (INCLUDE with its delimiters, "x.h" or <x.h>) and prints one
# line per include that breaks the layering. Run from the root of the tree being checked.
check_includes() {
    local file inc path lib target
    while IFS=$'\t' read -r file inc; do
        path=${inc:1:${#inc}-2}
        case $path in
        *..*) echo "$file: includes $inc through .."; continue ;;
        esac
        library_of "$file"
        [ -n "$lib" ] || continue
        target=${path%%/*}
        if [ "$target" = "$path" ]; then
            # No folder: a system header (<x.h>), a generated one, or a private header, which
            # must sit next to the file.
            [ "${inc:0:1}" = '"' ] || continue
            case " $generated " in *" $path "*) continue ;; esac
            [ -f "${file%/*}/$path" ] ||
                echo "$file: includes $inc, a private header of another folder"
            continue
        fi
        [ -n "${may[$target]+set}" ] || continue # <sys/x.h>, <yaml.h>...: not ours
        if [ ! -f "$(public_dir "$target")/${path#*/}" ]; then
            echo "$file: includes $inc, which is not a public header of $target"
        elif [[ " ${may[$lib]} " != *" $target "* ]]; then
            echo "$file: $lib includes $inc of $target, which is not below it"
        fi
    done
}

# FILE<TAB>INCLUDE for every #include of the given files.
includes_of() {
    grep -HoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*("[^"]+"|<[^>]+>)' "$@" |
        sed -E 's/^([^:]+):[^"<]*(["<].*)$/\1\t\2/'
}

files=$(find harness allocators recorder include tests bench \
            \( -name '*.c' -o -name '*.h' -o -name '*.cc' -o -name '*.in' \) -type f | sort)
# shellcheck disable=SC2086 # source paths have no spaces
out=$(includes_of $files | check_includes)
[ -z "$out" ] || echo "$out" | sed 's/^/# /'
ok "$([ -z "$out" ]; echo $?)" "every include of harness/, allocators/, recorder/, include/, tests/ and bench/ keeps to the layering"

# The checker itself must see each kind of violation (planted in a scratch copy).
tap_scratch
mkdir -p "$work/harness/trace/include/trace" "$work/harness/run/include/run" "$work/harness/util"
touch "$work/harness/run/include/run/runner.h" "$work/harness/trace/trace_io.h"
printf '#include "run/runner.h"\n#include "trace_io.h"\n#include "../x.h"\n#include "trace/nope.h"\n#include <stdio.h>\n' \
    >"$work/harness/util/planted.c"
planted=$(cd "$work" && includes_of harness/util/planted.c | check_includes)
echo "$planted" | sed 's/^/# /'
ok "$([ "$(echo "$planted" | wc -l)" -eq 4 ]; echo $?)" "a planted file with an upward, a private, a .. and a non-public include fails 4 times"

tap_done
