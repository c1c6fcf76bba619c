#!/usr/bin/env bash
# `lakesink broker` and `lakesink produce`: start the local broker, produce generated events,
# file lines and a change stream into it, read them back with kcat (an independent client)
# and check counts, keys, partitions and tombstones; SIGTERM stops the broker with 0.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
if ! command -v kcat >/dev/null 2>&1; then
    echo "skipped: kcat is not installed"
    exit 0
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/lakesink-kafka-test-XXXXXX")
bpid=""
cleanup() { [ -n "$bpid" ] && kill "$bpid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $2"; fi; }

"$LAKESINK" broker --topics t:4,f:2,c:3 >"$work/broker.out" 2>"$work/broker.err" &
bpid=$!
boot=""
for _ in $(seq 1 100); do
    boot=$(sed -n '1s/.*"bootstrap":"\([^"]*\)".*/\1/p' "$work/broker.out" 2>/dev/null)
    [ -n "$boot" ] && break
    sleep 0.1
done
check '[ -n "$boot" ]' "broker prints its bootstrap address ($(cat "$work/broker.err"))"
[ -n "$boot" ] || { echo "kafka_broker: $passed passed, $failed failed"; exit 1; }
check '[[ "$boot" == 127.0.0.1:* ]]' "broker listens on 127.0.0.1 ($boot)"
check 'head -1 "$work/broker.err" | grep -q "\"component\":\"broker\""' "broker logs JSON lines"

consume() { timeout 30 kcat -C -b "$boot" -t "$1" -e -q -o beginning "${@:2}"; }

# generated user events: 2000 messages, valid JSON, keyed by user_id, over all 4 partitions
"$LAKESINK" produce --brokers "$boot" --topic t --count 2000 --template user-events \
    >"$work/p1.out" 2>"$work/p1.err"
check '[ $? -eq 0 ]' "produce user-events exits 0 ($(cat "$work/p1.err"))"
check 'grep -q "\"messages\":2000,.*\"errors\":0" "$work/p1.out"' "summary: 2000 delivered, 0 errors"
consume t -f '%p\t%k\t%s\n' >"$work/t.tsv"
check '[ "$(wc -l <"$work/t.tsv")" -eq 2000 ]' "2000 messages consumed"
check '[ "$(cut -f1 "$work/t.tsv" | sort -u | wc -l)" -eq 4 ]' "spread over 4 partitions"
check '[ "$(cut -f2 "$work/t.tsv" | grep -cv "^user_[0-9]\{5\}$")" -eq 0 ]' "every key is a user id"
check 'cut -f3 "$work/t.tsv" | python3 -c "
import json, sys
n = 0
for line in sys.stdin:
    json.loads(line); n += 1
sys.exit(0 if n == 2000 else 1)"' "every value is valid JSON"
check 'awk -F"\t" "{ if (index(\$3, \"\\\"user_id\\\":\\\"\" \$2 \"\\\"\") == 0) bad++ } END { exit bad > 0 }" "$work/t.tsv"' \
    "keys equal the user_id field"
# the per-partition summary matches what kcat sees
for p in 0 1 2 3; do
    want=$(cut -f1 "$work/t.tsv" | grep -c "^$p$")
    check 'grep -q "{\"partition\":$p,\"messages\":$want," "$work/p1.out"' "partition $p count in summary"
done

# --file: each non-empty line is one message, keyed by --key-field
printf '{"id":1,"v":"a"}\n{"id":2,"v":"b"}\n\n{"id":3,"v":"c"}' >"$work/in.ndjson"
"$LAKESINK" produce --brokers "$boot" --topic f --file "$work/in.ndjson" --key-field id \
    >"$work/p2.out" 2>"$work/p2.err"
check '[ $? -eq 0 ] && grep -q "\"messages\":3," "$work/p2.out"' "file mode sends 3 lines"
consume f -f '%k %s\n' | sort >"$work/f.txt"
check '[ "$(cat "$work/f.txt")" = "$(printf "1 {\"id\":1,\"v\":\"a\"}\n2 {\"id\":2,\"v\":\"b\"}\n3 {\"id\":3,\"v\":\"c\"}")" ]' \
    "file lines arrive unchanged with their keys"
printf '{"id":1}\nnot json\n' >"$work/bad.ndjson"
"$LAKESINK" produce --brokers "$boot" --topic f --file "$work/bad.ndjson" --key-field id \
    >/dev/null 2>"$work/bad.err"
check '[ $? -eq 1 ] && grep -q "bad.ndjson: line 2" "$work/bad.err"' "a bad line with --key-field is named"

# cdc: Debezium envelopes, each delete followed by a null-valued tombstone with its key
"$LAKESINK" produce --brokers "$boot" --topic c --count 300 --template cdc >"$work/p3.out" 2>&1
check '[ $? -eq 0 ]' "produce cdc exits 0"
consume c -Z -f '%k\t%s\n' >"$work/c.tsv"
check '[ "$(wc -l <"$work/c.tsv")" -eq 300 ]' "300 cdc messages consumed"
check 'grep -q "\"op\":\"d\"" "$work/c.tsv"' "the change stream has deletes"
check '[ "$(grep -c "	NULL$" "$work/c.tsv")" -ge 1 ]' "tombstones arrive as null values"
check 'python3 - "$work/c.tsv" <<"PY"
import json, sys
deleted, tombs = {}, {}
for line in open(sys.argv[1]):
    k, v = line.rstrip("\n").split("\t", 1)
    if v == "NULL":
        tombs[k] = tombs.get(k, 0) + 1
        continue
    e = json.loads(v)
    assert e["op"] in "crud" and set(e["source"]) >= {"connector", "db", "table", "ts_ms", "lsn"}
    assert json.loads(k)["id"] == (e["after"] or e["before"])["id"]
    if e["op"] == "d":
        deleted[k] = deleted.get(k, 0) + 1
# the stream may end right after a delete, before its tombstone
short = [k for k, n in deleted.items() if tombs.get(k, 0) != n]
assert deleted and set(tombs) <= set(deleted), (deleted, tombs)
assert len(short) <= 1 and all(deleted[k] == tombs.get(k, 0) + 1 for k in short), (deleted, tombs)
PY' "one tombstone per delete, same key"

# --partitions: only partitions 0..P-1; more than the topic has is a runtime error
"$LAKESINK" produce --brokers "$boot" --topic t --count 100 --template orders --partitions 2 \
    >"$work/p4.out" 2>&1
check '[ $? -eq 0 ] && ! grep -q "\"partition\":[23]" "$work/p4.out"' "--partitions 2 uses partitions 0 and 1"
"$LAKESINK" produce --brokers "$boot" --topic t --count 10 --partitions 9 >"$work/p5.out" 2>&1
check '[ $? -eq 1 ] && grep -q "has only 4" "$work/p5.out"' "--partitions beyond the topic fails"

# --rate paces the sends
"$LAKESINK" produce --brokers "$boot" --topic t --count 40 --rate 100 >"$work/p6.out" 2>&1
check '[ $? -eq 0 ] && python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[\"seconds\"]; sys.exit(0 if s >= 0.3 else 1)" "$work/p6.out"' \
    "--rate 100 takes at least 0.3 s for 40 messages"

# bad arguments exit 2
for args in "--topic t" "--brokers $boot" "--brokers $boot --topic t --template nope" \
    "--brokers $boot --topic t --template orders --file x" "--brokers $boot --topic bad/name" \
    "--brokers $boot --topic t --count -1" "--brokers $boot --topic t --template cdc --key-field id"; do
    # shellcheck disable=SC2086
    "$LAKESINK" produce $args >/dev/null 2>&1
    check '[ $? -eq 2 ]' "produce $args exits 2"
done
for args in "--listen 127.0.0.1:9092" "--topics t:0" "--topics bad/name:1" "--brokers 0" "extra"; do
    # shellcheck disable=SC2086
    timeout 10 "$LAKESINK" broker $args >/dev/null 2>"$work/bad.err"
    check '[ $? -eq 2 ]' "broker $args exits 2"
done
timeout 10 "$LAKESINK" broker --listen 0.0.0.0:9092 >/dev/null 2>"$work/bad.err"
check 'grep -q "127.0.0.1:0" "$work/bad.err"' "--listen error says what is possible"
"$LAKESINK" produce --brokers "$boot" --topic f --file "$work/missing.ndjson" >/dev/null 2>"$work/m.err"
check '[ $? -eq 1 ] && grep -q "missing.ndjson" "$work/m.err"' "missing file is exit 1, named"

# SIGTERM stops the broker cleanly
kill -TERM "$bpid"
wait "$bpid"
rc=$?
bpid=""
check '[ $rc -eq 0 ]' "broker exits 0 on SIGTERM (got $rc)"
check 'grep -q "\"msg\":\"stopping\"" "$work/broker.err"' "broker logs its stop"

# with the broker gone, deliveries fail: counted, summarised, exit 1
"$LAKESINK" produce --brokers "$boot" --topic t --count 5 --timeout 1 >"$work/p7.out" 2>"$work/p7.err"
check '[ $? -eq 1 ] && grep -q "\"messages\":0,.*\"errors\":5" "$work/p7.out"' "failed deliveries exit 1"
check 'grep -q "5 messages not delivered" "$work/p7.err"' "failures reported on stderr"

echo "kafka_broker: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
