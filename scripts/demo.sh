#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs the demo campaign (shipped traces x
# every backend this build has), and writes CSV, charts and report.html.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build=${BUILD_DIR:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=release >/dev/null
ninja -C "$build" >/dev/null

exec "$build/harness/allocreplay" campaign campaigns/demo.yaml "$@"
