#!/usr/bin/env bash
# `lakesink demo`: writes the generated events, their schema and a Parquet file holding
# exactly those events, and prints the commands to inspect it.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
work=$(mktemp -d "${TMPDIR:-/tmp}/lakesink-demo-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $2"; fi; }

"$LAKESINK" demo --dir "$work/d" --events 5000 >"$work/out" 2>"$work/err"
check '[ $? -eq 0 ]' "demo exits 0 ($(cat "$work/err"))"
check '[ -s "$work/d/events.parquet" ] && [ -s "$work/d/schema.json" ]' "files written"
check '[ "$(wc -l < "$work/d/events.ndjson")" -eq 5000 ]' "5000 events generated"
check 'grep -q "^lakesink demo: 5000 events" "$work/out"' "summary line"
check 'grep -q "lakesink parquet cat $work/d/events.parquet" "$work/out"' "prints how to look"
"$LAKESINK" parquet cat "$work/d/events.parquet" >"$work/rows"
check '[ "$(wc -l < "$work/rows")" -eq 5000 ]' "the Parquet file holds 5000 rows"
# same events, in order: compare the user ids and sessions of input and output
ids() { grep -o '"user_id":"[^"]*","event_type":"[^"]*"' "$1"; }
check 'diff <(ids "$work/d/events.ndjson") <(ids "$work/rows") >/dev/null' "rows equal the events"
"$LAKESINK" parquet schema "$work/d/events.parquet" >"$work/schema"
check 'grep -q "timestamp: timestamp" "$work/schema"' "timestamp typed as timestamp"
"$LAKESINK" demo --dir /proc/no/such/dir --events 10 >/dev/null 2>"$work/err"
check '[ $? -eq 1 ] && grep -q "/proc/no/such/dir" "$work/err"' "unwritable directory is named"

echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
