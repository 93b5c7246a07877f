# TAP helpers for the end-to-end shell tests, sourced after `set -u`:
#   tap_workdir          make a scratch directory, removed on exit, and cd into it
#   ok STATUS WHAT       one TAP line: "ok N - WHAT" when STATUS is 0, else "not ok N - WHAT"
#   col FILE BACKEND COLUMN   the values of COLUMN (by header name) in FILE's rows for BACKEND
#   tap_done             the plan line; the script's exit status (0 when every check passed)
n=0
failed=0

tap_workdir() {
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work" || exit 99
}

ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

col() {
    awk -F, -v b="$2" -v c="$3" '{sub(/\r$/, "")}
                                 NR==1 {for (i=1;i<=NF;i++) if ($i==c) k=i; next}
                                 $2==b {print $k}' "$1"
}

tap_done() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
