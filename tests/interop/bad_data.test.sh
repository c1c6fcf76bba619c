#!/usr/bin/env bash
# Every parquet-testing bad_data file makes `lakesink parquet cat` exit 1 with a message
# naming the file: never success, never a signal, never a hang (except the files listed
# as readable below, which must give their rows). `schema` and `meta` (which read only
# the footer) may succeed, but must not crash either.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
here="$(cd "$(dirname "$0")" && pwd)"
bad="${LS_TESTDATA:-$here/../../../shared/testdata}/parquet-testing/bad_data"
if [ ! -d "$bad" ]; then
    echo "skipped: $bad is absent"
    exit 0
fi
# Files that are readable after all, with the rows they must give (a list that goes
# stale fails the test: a listed file that starts failing, or disappears, is reported).
#   ARROW-GH-43605: dictionary indices with RLE bit width 0 under a one-entry dictionary
#   are valid (ceil(log2(1)) = 0); the issue was a crash in one reader. DuckDB and
#   parquet-java read the file too: 21186 rows, all {"min_fl":0}.
declare -A readable=(["ARROW-GH-43605.parquet"]='21186 {"min_fl":0}')

failed=0 n=0
err="$(mktemp)"
out="$(mktemp)"
trap 'rm -f "$err" "$out"' EXIT
for name in "${!readable[@]}"; do
    if [ ! -e "$bad/$name" ]; then
        echo "FAIL $name is listed as readable but absent: update the list"
        failed=$((failed + 1))
    fi
done
for f in "$bad"/*.parquet; do
    n=$((n + 1))
    name="$(basename "$f")"
    if [ -n "${readable[$name]:-}" ]; then
        timeout 60 "$LAKESINK" parquet cat "$f" >"$out" 2>"$err"
        rc=$?
        got="$(sort "$out" | uniq -c | awk '{print $1, $2}')"
        if [ "$rc" -ne 0 ] || [ "$got" != "${readable[$name]}" ]; then
            echo "FAIL $f (listed as readable): exit $rc, rows '$got', want '${readable[$name]}': $(head -c 300 "$err")"
            failed=$((failed + 1))
        fi
        continue
    fi
    timeout 60 "$LAKESINK" parquet cat "$f" >/dev/null 2>"$err"
    rc=$?
    if [ "$rc" -ne 1 ]; then
        echo "FAIL $f: parquet cat exited $rc (want 1): $(head -c 300 "$err")"
        failed=$((failed + 1))
    elif ! grep -qF "$f" "$err"; then
        echo "FAIL $f: the message does not name the file: $(head -c 300 "$err")"
        failed=$((failed + 1))
    fi
    for cmd in schema meta; do
        timeout 60 "$LAKESINK" parquet "$cmd" "$f" >/dev/null 2>"$err"
        rc=$?
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
            echo "FAIL $f: parquet $cmd exited $rc: $(head -c 300 "$err")"
            failed=$((failed + 1))
        fi
    done
done
echo "bad_data: $n files, $failed failures"
[ "$failed" -eq 0 ]
