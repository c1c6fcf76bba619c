#!/usr/bin/env bash
# `lakesink demo`: writes the generated events and their schema, loads them into a Delta
# table partitioned by event_type through `lakesink load`, and prints how to look at it.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
work=$(mktemp -d "${TMPDIR:-/tmp}/lakesink-demo-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $2"; fi; }

"$LAKESINK" demo --dir "$work/d" --events 5000 >"$work/out" 2>"$work/err"
check '[ $? -eq 0 ]' "demo exits 0 ($(cat "$work/err"))"
check '[ -s "$work/d/schema.json" ] && [ -d "$work/d/events/_delta_log" ]' "schema and Delta log written"
check '[ "$(wc -l < "$work/d/events.ndjson")" -eq 5000 ]' "5000 events generated"
check 'grep -q "\"rows\":5000" "$work/out"' "the load summary counts 5000 rows"
check 'grep -q "5000 generated events loaded into the Delta table $work/d/events" "$work/out"' "summary line"
check 'grep -q "lakesink table scan $work/d/events" "$work/out"' "prints how to look"
check '[ "$(ls -d "$work"/d/events/event_type=* | wc -l)" -ge 5 ]' "partition folders per event type"
"$LAKESINK" table scan "$work/d/events" >"$work/rows"
check '[ "$(wc -l < "$work/rows")" -eq 5000 ]' "the table holds 5000 rows"
# same events: compare user ids and event types, sorted (partitions reorder rows)
ids() { grep -o '"user_id":"[^"]*","event_type":"[^"]*"' "$1" | sort; }
key() { grep -o '"user_id":"[^"]*"' "$1" | sort; }
check 'diff <(key "$work/d/events.ndjson") <(key "$work/rows") >/dev/null' "rows equal the events"
check '[ "$(grep -c "\"event_type\":\"purchase\"" "$work/rows")" -eq "$(grep -c "\"event_type\":\"purchase\"" "$work/d/events.ndjson")" ]' "partition column read back"
"$LAKESINK" table info "$work/d/events" >"$work/info"
check 'grep -q "timestamp" "$work/info"' "table schema shown"
"$LAKESINK" demo --dir /proc/no/such/dir --events 10 >/dev/null 2>"$work/err"
check '[ $? -eq 1 ] && grep -q "/proc/no/such/dir" "$work/err"' "unwritable directory is named"

echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
