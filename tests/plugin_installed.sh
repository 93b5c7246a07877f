#!/usr/bin/env bash
# The published plugin API, used as a plugin author uses it (docs/backends.md), as TAP: install
# the header and allocreplay.pc into a scratch DESTDIR (`meson install --tags devel`), build a
# plugin out of the tree with nothing but `pkg-config --cflags allocreplay` on the include path,
# and run it with `allocreplay run -b plugin:PATH` on a shipped trace.
#
#   tests/plugin_installed.sh BUILD_DIR ALLOCREPLAY SOURCE_ROOT CC...
set -u
. "$(dirname "$0")/tap.sh"
build=$1 bin=$2 root=$3
shift 3
command -v pkg-config >/dev/null || { echo "1..0 # SKIP pkg-config is not installed"; exit 0; }
command -v meson >/dev/null || { echo "1..0 # SKIP meson is not on PATH"; exit 0; }
tap_scratch
dest=$work/dest

check "meson install --tags devel installs the header and allocreplay.pc" \
    meson install -C "$build" --tags devel --destdir "$dest" --no-rebuild
pc=$(find "$dest" -name allocreplay.pc)
header=$(find "$dest" -path '*/include/allocreplay/allocator.h')
ok "$([ -n "$pc" ] && [ -n "$header" ]; echo $?)" "installed: ${pc#"$dest"} and ${header#"$dest"}"

# The .pc is relocatable: the prefix comes from where the file is, not from the build.
export PKG_CONFIG_PATH=${pc%/*}
cflags=$(pkg-config --define-prefix --cflags allocreplay | sed "s/ *$//")
echo "# cflags: $cflags"
ok "$([ "$cflags" = "-I${header%/allocreplay/allocator.h}" ]; echo $?)" \
    "pkg-config --define-prefix --cflags allocreplay names the installed include directory"

# The plugin: a copy of the shipped example outside the source tree, so no include path of the
# tree can help it; a plugin written in C++ is built the same way (tests/headers_cxx_test.cc).
mkdir "$work/plugin"
cp "$root/allocators/plugin_example.c" "$work/plugin/my_plugin.c"
# shellcheck disable=SC2086 # cflags is a list of flags
check "an out-of-tree plugin builds against the installed header alone" \
    "$@" -std=gnu11 -Wall -Werror -fPIC -shared $cflags \
    -o "$work/plugin/my_plugin.so" "$work/plugin/my_plugin.c"

check "allocreplay run -b plugin:PATH replays a shipped trace with it" \
    "$bin" run "$root/traces/list-churn.yaml" -b "plugin:$work/plugin/my_plugin.so" -n 1 \
    -o "$work/results"
status=$(col "$work/results/summary.csv" "plugin:$work/plugin/my_plugin.so" status)
ok "$([ "$status" = ok ]; echo $?)" "its cell's status is ok (got: ${status:-nothing})"

tap_done
