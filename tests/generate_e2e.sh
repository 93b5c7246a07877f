#!/usr/bin/env bash
# allocreplay generate through the CLI, and the shipped generated traces: regenerating each
# from its spec must give the checked-in file byte for byte (same seed, same bytes, on
# whatever machine runs the tests).
#   generate_e2e.sh ALLOCREPLAY TRACES_DIR
set -u
ar=$1 traces=$2 specs=$2/specs
. "$(dirname "$0")/tap.sh"
tap_scratch
tmp=$work

for spec in "$specs"/*.yaml; do
  base=$(basename "$spec" .yaml)
  check "generate $base" "$ar" generate "$spec" -o "$tmp/$base.alrt"
  check "generate $base again: same bytes" sh -c "'$ar' generate '$spec' -o '$tmp/$base.2.alrt' && cmp '$tmp/$base.alrt' '$tmp/$base.2.alrt'"
  check "generated $base validates" "$ar" validate "$tmp/$base.alrt"
  check "shipped traces/$base.alrt is what its spec generates" cmp "$tmp/$base.alrt" "$traces/$base.alrt"
done
spec=$(ls "$specs"/*.yaml | head -1)
check "another seed, other bytes" sh -c "'$ar' generate '$spec' --seed 12345 -o '$tmp/s.alrt' && ! cmp -s '$tmp/s.alrt' '$tmp/$(basename "$spec" .yaml).alrt'"
check "generate to YAML" "$ar" generate "$spec" -o "$tmp/g.yaml"
printf 'format: allocreplay-spec/1\nphases:\n  - {objects: 3, size: {dist: fixed, value: 0}}\n' >"$tmp/bad.yaml"
check "bad spec: status 2" status_is 2 "$ar" generate "$tmp/bad.yaml" -o "$tmp/bad.alrt"
check "bad spec: file:line:column" grep -q "bad.yaml:3:45: 'value' must be between 1 and" "$tmp/out"
tap_done
