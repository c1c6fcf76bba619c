#!/usr/bin/env bash
# `lakesink demo`: a local broker, producers and the daemon in one process; both tables hold
# every well-formed message produced (the three malformed ones go to the dead-letter topic),
# are partitioned as documented, and the summary says how to look at them.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
work=$(mktemp -d "${TMPDIR:-/tmp}/lakesink-demo-test-XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $2"; fi; }

"$LAKESINK" demo --dir "$work/d" --seconds 3 --rate 4000 >"$work/out" 2>"$work/err"
check '[ $? -eq 0 ]' "demo exits 0 ($(tail -3 "$work/err"))"
users=$(sed -n 's/.*produced \([0-9]*\) user events, \([0-9]*\) orders and \([0-9]*\) malformed.*/\1/p' "$work/out")
orders=$(sed -n 's/.*produced \([0-9]*\) user events, \([0-9]*\) orders and \([0-9]*\) malformed.*/\2/p' "$work/out")
bad=$(sed -n 's/.*produced \([0-9]*\) user events, \([0-9]*\) orders and \([0-9]*\) malformed.*/\3/p' "$work/out")
check '[ "${users:-0}" -ge 10000 ] && [ "${orders:-0}" -ge 2500 ] && [ "${bad:-0}" -eq 3 ]' \
    "summary counts what was produced ($users users, $orders orders, $bad malformed)"
check '[ -s "$work/d/lakesink.yml" ]' "the config it ran is written"
"$LAKESINK" check-config "$work/d/lakesink.yml" >/dev/null 2>&1
check '[ $? -eq 0 ]' "that config passes check-config"
for t in user_events orders; do
    check '[ -d "$work/d/tables/'$t'/_delta_log" ]' "$t: Delta log written"
    check 'grep -q "lakesink table .* $work/d/tables/'$t'" "$work/out"' "$t: prints how to look"
done
"$LAKESINK" table scan "$work/d/tables/user_events" >"$work/users" 2>>"$work/err"
"$LAKESINK" table scan "$work/d/tables/orders" >"$work/orders" 2>>"$work/err"
check '[ "$(wc -l < "$work/users")" -eq "${users:-x}" ]' "user_events holds every user event once"
check '[ "$(wc -l < "$work/orders")" -eq "${orders:-x}" ]' "orders holds every order once"
check '[ "$(grep -o "\"_kafka_partition\":[0-9]*,\"_kafka_offset\":[0-9]*" "$work/users" | sort -u | wc -l)" -eq "${users:-x}" ]' \
    "no (partition, offset) twice"
check 'ls -d "$work"/d/tables/user_events/event_date=2024-01-15/event_type=* >/dev/null 2>&1' \
    "user_events partitioned by the derived event_date, then event_type"
check 'ls -d "$work"/d/tables/orders/status=* >/dev/null 2>&1' "orders partitioned by status"
check 'grep -q "\"event_date\":\"2024-01-15\"" "$work/users"' "derived column read back"
"$LAKESINK" demo --dir /proc/no/such/dir --seconds 1 >/dev/null 2>"$work/err2"
check '[ $? -eq 1 ] && grep -q "/proc/no/such/dir" "$work/err2"' "unwritable directory is named"

echo "demo: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
