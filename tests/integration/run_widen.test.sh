#!/usr/bin/env bash
# Type widening by `lakesink run` under additive evolution (enable-schema-evolution: true):
# a table declared with integer, short (nested) and float columns first receives values that
# fit, which are committed into files with the narrow Parquet types; then values beyond an
# integer, a short and a float. Checks: nothing dead-lettered, the columns became long and
# double with delta.typeChanges and the typeWidening feature, `lakesink table scan` returns
# every value exactly (old files upcast), the independent checker (log replay, DuckDB) agrees,
# and a strict table (the same schema, evolution off) dead-letters the wide values instead.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_widen
rl_need_node

rl_broker_start wide:1,strict:1,dlq:1
cat >schema.json <<'EOF'
{"type":"struct","fields":[
 {"name":"id","type":"long","nullable":true,"metadata":{}},
 {"name":"n","type":"integer","nullable":true,"metadata":{}},
 {"name":"f","type":"float","nullable":true,"metadata":{}},
 {"name":"s","type":{"type":"struct","fields":[
   {"name":"m","type":"short","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]}
EOF
{ rl_conf_head wd; cat <<EOF
dlq: {topic: dlq}
topics:
  wide:
    kafka-topic: wide
    schema-file: $work/schema.json
    destination: {table-uri: $work/wide, delta-config: {enable-schema-evolution: true}}
    processing: {flush-interval: 300ms}
  strict:
    kafka-topic: strict
    schema-file: $work/schema.json
    destination: {table-uri: $work/strict}
    processing: {flush-interval: 300ms}
EOF
} >run.yaml

# rows NAME FROM TO BIG: NDJSON rows id FROM..TO-1; BIG=1 gives values beyond the narrow types
rows() {
    python3 - "$@" <<'PY'
import json, sys
name, lo, hi, big = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
with open(name, "w") as f:
    for i in range(lo, hi):
        if big:
            r = {"id": i, "n": 3000000000 + i, "f": 1e300 * (i % 3 + 1), "s": {"m": 70000 + i}}
        else:
            r = {"id": i, "n": -i, "f": i + 0.5, "s": {"m": i}}
        f.write(json.dumps(r) + "\n")
PY
}
rows small.ndjson 0 50 0
rows big.ndjson 50 100 1
cat small.ndjson big.ndjson >all.ndjson

rl_daemon_start d run.yaml || { finish; exit 1; }
for t in wide strict; do
    "$LAKESINK" produce --brokers "$BROKER" --topic "$t" --file small.ndjson >/dev/null 2>&1 ||
        fail "produce small rows to $t"
done
rl_wait_drained 60 wide:1,strict:1 d
for t in wide strict; do
    "$LAKESINK" produce --brokers "$BROKER" --topic "$t" --file big.ndjson >/dev/null 2>&1 ||
        fail "produce wide rows to $t"
done
rl_wait_drained 60 wide:1,strict:1 d
ndlq=$(rl_metric d lakesink_dlq_messages_total)
rl_daemon_stop d 60
expect "SIGTERM: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
expect "the strict table dead-lettered the 50 wide rows, the additive one none (${ndlq:-none})" \
    '[ "${ndlq:-0}" = 50 ]'

"$LAKESINK" table info "$work/wide" --json >info.json 2>info.err
check "widened: n and s.m long, f double, delta.typeChanges, typeWidening" python3 - <<'PY'
import json
info = json.load(open("info.json"))
schema = json.loads(info["schema"]) if isinstance(info["schema"], str) else info["schema"]
f = {x["name"]: x for x in schema["fields"]}
assert f["n"]["type"] == "long", f["n"]
assert f["f"]["type"] == "double", f["f"]
assert f["s"]["type"]["fields"][0]["type"] == "long", f["s"]
assert f["n"]["metadata"]["delta.typeChanges"] == [{"fromType": "integer", "toType": "long"}]
assert f["f"]["metadata"]["delta.typeChanges"] == [{"fromType": "float", "toType": "double"}]
text = json.dumps(info)
assert "typeWidening" in text, "no typeWidening feature"
PY
"$LAKESINK" table scan "$work/wide" --columns id,n,f,s >scan.ndjson 2>scan.err
check "table scan: every value exactly, old files upcast" python3 - <<'PY'
import json
want = sorted((json.loads(l) for l in open("all.ndjson")), key=lambda r: r["id"])
got = sorted((json.loads(l) for l in open("scan.ndjson")), key=lambda r: r["id"])
assert len(got) == len(want), (len(got), len(want))
for a, b in zip(got, want):
    assert a["id"] == b["id"] and a["n"] == b["n"] and a["s"] == b["s"], (a, b)
    if b["id"] < 50:
        assert a["f"] == b["f"], (a, b)  # small values are exact in a float
    else:
        assert abs(a["f"] - b["f"]) <= abs(b["f"]) * 1e-15, (a, b)
PY
for f in $(find "$work/wide" -name "*.parquet"); do "$LAKESINK" parquet meta "$f"; done >meta.txt 2>&1
expect "the wide table's files hold column n as INT32 (before) and INT64 (after)" \
    'grep -q " n: INT32" meta.txt && grep -q " n: INT64" meta.txt'
rl_delta_check "delta_check wide" "$work/wide"
"$LAKESINK" table scan "$work/strict" --columns id >strict.ndjson 2>/dev/null
expect "the strict table kept its 50 fitting rows" '[ "$(wc -l <strict.ndjson)" -eq 50 ]'
finish
