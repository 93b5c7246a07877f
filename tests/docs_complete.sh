#!/usr/bin/env bash
# The docs say what the code has, as TAP: every column of summary.csv, latency.csv and
# timeline.csv (the X-macro lists of harness/replay/include/replay/results_schema.h) is defined
# in its section of docs/metrics.md; the fixed columns of aggregate.csv in docs/campaigns.md;
# every meson test suite (from every meson.build of the tree) in docs/testing.md; every page of
# docs/ that a comment of the code points at exists, and so does the section it names.
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

# Pointers into docs/ from the code and build files: `docs/X.md` and, where a section is named
# in quotes right after it (`docs/X.md, "Section"` or `docs/X.md "Section"`), a heading of X that
# starts with it (after any "4b." numbering) or a paragraph whose bold lead starts with it.
# Prints one line per pointer that leads nowhere.
dangling_doc_refs() {
    local where ref page section
    grep -rnoE 'docs/[A-Za-z0-9_-]+\.md(,? "[^"]+")?' harness allocators recorder include bench \
        tests plots campaigns scripts meson.build meson_options.txt 2>/dev/null |
        grep -v '^tests/docs_complete.sh:' |
        while IFS= read -r ref; do
            where=${ref%%:docs/*}
            ref=docs/${ref#*:docs/}
            page=${ref%%.md*}.md
            if [ ! -f "$page" ]; then
                echo "$where: $page does not exist"
                continue
            fi
            case $ref in *'"'*) ;; *) continue ;; esac
            section=${ref#*\"}
            section=${section%\"}
            awk -v s="$section" '/^#+ / { sub(/^#+ +([0-9]+[a-z]?\. )?/, ""); if (index($0, s) == 1) f = 1 }
                                 /^\*\*/ { if (index(substr($0, 3), s) == 1) f = 1 }
                                 END { exit !f }' "$page" ||
                echo "$where: $page has no section \"$section\""
        done
}
dangling=$(dangling_doc_refs)
[ -z "$dangling" ] || echo "$dangling" | sed 's/^/# /'
ok "$([ -z "$dangling" ]; echo $?)" "every pointer of the code into docs/ names a page and section that exist"

# The checker itself, on a planted tree: a missing page, a missing section, and two good pointers.
tap_scratch
mkdir -p "$work/docs" "$work/harness"
printf '# Page\n\n## 2b. The part\n\n**Lead paragraph.** Text.\n' >"$work/docs/a.md"
printf '/* docs/a.md, "The part"; docs/a.md "Lead paragraph" */\n/* docs/b.md; docs/a.md, "Nothing" */\n' \
    >"$work/harness/x.c"
planted=$(cd "$work" && dangling_doc_refs)
echo "$planted" | sed 's/^/# planted: /'
ok "$([ "$planted" = 'harness/x.c:2: docs/b.md does not exist
harness/x.c:2: docs/a.md has no section "Nothing"' ]; echo $?)" "a planted missing page and missing section are found, good pointers pass"

tap_done
