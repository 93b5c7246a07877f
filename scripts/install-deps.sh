#!/usr/bin/env bash
# Installs the Debian packages allocreplay needs that are not already installed.
#   scripts/install-deps.sh          what building and running the demo needs
#   scripts/install-deps.sh --test   also what the test suite needs (clang runtimes, chromium)
set -euo pipefail

pkgs=(
  gcc g++ meson ninja-build pkg-config   # the build
  libyaml-dev                            # YAML traces and campaign files
  libzstd-dev zlib1g-dev                 # compressed traces, zipped Android traces
  gnuplot-nox                            # charts
  libbenchmark-dev                       # bench/: Google Benchmark micro-benchmarks
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev  # optional third-party backends
)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(
    clang libclang-rt-14-dev             # libFuzzer and sanitizer builds
    chromium                             # the report.html rendering test
  )
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
