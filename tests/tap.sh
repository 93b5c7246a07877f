# TAP helpers for the end-to-end shell tests, sourced after `set -u`:
#   tap_scratch          make a scratch directory $work, removed on exit
#   tap_workdir          the same, and cd into it
#   ok STATUS WHAT [DIRECTIVE]  one TAP line: "ok N - WHAT" when STATUS is 0, else "not ok N -
#                        WHAT"; DIRECTIVE ("TODO reason", "SKIP reason") follows a "#"; a failed
#                        TODO check does not fail the script. A script may define tap_on_fail,
#                        called after each "not ok" line to print its diagnostics.
#   check WHAT CMD...    run CMD as one check; its output is left in $work/out for the next
#   status_is WANT CMD...  run CMD; succeed when its exit status is WANT
#   col FILE BACKEND COLUMN   the values of COLUMN (by header name) in FILE's rows for BACKEND
#   tap_done             the plan line; the script's exit status (0 when every check passed)
n=0
failed=0

tap_scratch() {
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
}

tap_workdir() {
    tap_scratch
    cd "$work" || exit 99
}

ok() {
    n=$((n + 1))
    local what=${2//$'\n'/ } # a description quoting a command's output stays on one TAP line
    if [ "$1" -eq 0 ]; then echo "ok $n - $what${3:+ # $3}"; return; fi
    echo "not ok $n - $what${3:+ # $3}"
    case "${3:-}" in TODO*) ;; *) failed=$((failed + 1)) ;; esac
    if declare -F tap_on_fail >/dev/null; then tap_on_fail; fi
}

check() {
    n=$((n + 1))
    if "${@:2}" >"$work/out.new" 2>&1; then echo "ok $n - $1"; else
        echo "not ok $n - $1"; sed 's/^/# /' "$work/out.new"; failed=$((failed + 1)); fi
    mv "$work/out.new" "$work/out"
}

status_is() {
    local want=$1; shift
    "$@"; local got=$?
    [ "$got" -eq "$want" ] || { echo "exit status $got, want $want"; return 1; }
}

col() { # fields split as RFC 4180 says (a backend label may hold quoted commas)
    awk -v b="$2" -v c="$3" '
        function csv(line, f,    n, i, ch, q, cur) {
            n = 0; cur = ""; q = 0
            for (i = 1; i <= length(line); i++) {
                ch = substr(line, i, 1)
                if (q && ch == "\"" && substr(line, i + 1, 1) == "\"") { cur = cur ch; i++ }
                else if (ch == "\"") q = !q
                else if (ch == "," && !q) { f[++n] = cur; cur = "" }
                else cur = cur ch
            }
            f[++n] = cur
            return n
        }
        {sub(/\r$/, ""); n = csv($0, f)}
        NR==1 {for (i = 1; i <= n; i++) if (f[i] == c) k = i; next}
        f[2] == b {print f[k]}' "$1"
}

tap_done() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
