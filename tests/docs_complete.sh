#!/usr/bin/env bash
# The docs say what the code has, as TAP: every column of summary.csv, latency.csv and
# timeline.csv (the X-macro lists of harness/replay/include/replay/results_schema.h) is defined
# in its section of docs/metrics.md; the fixed columns of aggregate.csv in docs/campaigns.md;
# every meson test suite (from every meson.build of the tree) in docs/testing.md.
#
#   tests/docs_complete.sh SOURCE_ROOT
set -u
root=${1:?usage: tests/docs_complete.sh SOURCE_ROOT}
cd "$root" || exit 99
. tests/tap.sh
schema=harness/replay/include/replay/results_schema.h

# The column names of the X-macro list MACRO, one per line.
columns_of() {
    awk -v d="#define $1(X)" 'index($0, d) == 1 {on = 1} on {print; if (!/\\$/) exit}' "$schema" |
        grep -oE 'X\([a-z0-9_]+' | sed 's/^X(//'
}

# The first cells of the table rows of markdown FILE, from the heading starting with "## TITLE"
# (or "### TITLE") to the next heading of that level: where a column is defined, not mentioned.
defined_in() {
    awk -v t="$2" 'index($0, t) == 1 {on = 1; lvl = index($0, " "); next}
                   on && /^#+ / && index($0, " ") <= lvl {exit}
                   on && /^\|/ {split($0, c, "|"); print c[2]}' "$1"
}

# Prints each of the words on stdin that TEXT does not mention as `word`.
missing_from() {
    local text=$1 w
    while read -r w; do
        [[ $text == *"\`$w\`"* ]] || echo "$w"
    done
}

# check_documented WHAT DOC WORDS...: one TAP line; the missing words as comments.
check_documented() {
    local what=$1 missing
    missing=$(printf '%s\n' "${@:3}" | missing_from "$2")
    [ -z "$missing" ] || echo "$missing" | sed "s/^/# not documented: /"
    ok "$([ -z "$missing" ]; echo $?)" "$what"
}

for csv in summary latency timeline; do
    macro=$(echo "$csv" | tr a-z A-Z)_COLUMNS
    mapfile -t cols < <(columns_of "$macro")
    ok "$([ "${#cols[@]}" -gt 0 ]; echo $?)" "$macro lists columns (${#cols[@]})"
    check_documented "every column of $csv.csv is defined in docs/metrics.md" \
        "$(defined_in docs/metrics.md "## $csv.csv")" "${cols[@]}"
done
check_documented "the fixed columns of aggregate.csv are defined in docs/campaigns.md" \
    "$(defined_in docs/campaigns.md "### aggregate.csv")" \
    trace backend n_ok n_failed X_median X_min X_max X_mad_pct

# suite : ['a', 'b'] and suite : 'a' in every meson.build.
mapfile -t suites < <(find . -name meson.build -not -path './build*' -print0 |
    xargs -0 grep -ohE "suite *: *(\[[^]]*\]|'[^']*')" | grep -oE "'[^']+'" | tr -d "'" | sort -u)
ok "$([ "${#suites[@]}" -gt 0 ]; echo $?)" "the meson.build files declare suites (${#suites[@]})"
check_documented "every test suite is described in docs/testing.md" \
    "$(defined_in docs/testing.md "## How the tests are organised")" "${suites[@]}"

tap_done
