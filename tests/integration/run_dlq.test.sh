#!/usr/bin/env bash
# Dead letters of `lakesink run`: into a table declared by a JSON Schema file (unknown fields
# dead-lettered, max-message-bytes 2K, the message key as a column), good messages are mixed
# with invalid JSON, wrong types, unknown fields, oversize messages, keys that are not UTF-8,
# and tombstones, over 2 partitions (all with an original header). Checks: each bad message
# is once in the DLQ topic with its original key, value and header, the reason for its kind,
# and source topic/partition/offset/table headers; good ones are rows with their key; per
# partition high watermark = rows + dead letters + tombstones; metrics and /status agree.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_dlq
rl_need_node

rl_broker_start typed:2,dlq:1
cat >schema.json <<'EOF'
{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
 "amount": {"type": "number"}, "ok": {"type": "boolean"}}}
EOF
{ rl_conf_head dl; cat <<EOF
dlq: {topic: dlq}
topics:
  typed:
    kafka-topic: typed
    schema-file: $work/schema.json
    metadata-columns: [_kafka_topic, _kafka_partition, _kafka_offset, _kafka_key]
    destination: {table-uri: $work/typed}
    processing: {batch-size: 100000, flush-interval: 1s, max-message-bytes: 2K,
                 unknown-fields: dead-letter}
EOF
} >run.yaml

# p0.tsv, p1.tsv (key TAB value lines for kcat) and expected.json (what each message is)
python3 - <<'PY'
import json, random
rnd = random.Random(7)
kinds = ["good"] * 10 + ["invalid", "invalid2", "type", "unknown", "oversize", "badkey", "tomb"]
exp = []
for p in range(2):
    with open("p%d.tsv" % p, "wb") as f:
        for i in range(400):
            n = p * 1000 + i
            kind = kinds[rnd.randrange(len(kinds))] if i >= 3 else "good"
            key = b"k%d" % n
            val = {"id": n, "name": "n%d" % n, "amount": n / 4, "ok": n % 2 == 0}
            if kind == "invalid":
                raw = b'{"id": %d, "name": "broken' % n
            elif kind == "invalid2":
                raw = b'{"id": %d} trailing %d' % (n, n)
            elif kind == "type":
                raw = json.dumps(dict(val, name=n)).encode()
            elif kind == "unknown":
                raw = json.dumps(dict(val, extra_field=n)).encode()
            elif kind == "oversize":
                raw = json.dumps(dict(val, name="x" * 3000)).encode()
            elif kind == "badkey":
                key, raw = b"k\xff\xfe%d" % n, json.dumps(val).encode()
            elif kind == "tomb":
                key, raw = b"t%d" % n, b""
            else:
                raw = json.dumps(val).encode()
            f.write(key + b"\t" + raw + b"\n")
            exp.append({"p": p, "kind": kind, "key": key.hex(), "value": raw.hex() if raw else None,
                        "id": n})
json.dump(exp, open("expected.json", "w"))
PY
for p in 0 1; do
    kcat -P -b "$BROKER" -t typed -p "$p" -K '\t' -Z -H origin=acceptance -l "p$p.tsv" ||
        fail "kcat could not produce p$p.tsv"
done

rl_daemon_start d run.yaml || { finish; exit 1; }
rl_wait_drained 60 typed:2 d
ndlq=$(rl_metric d lakesink_dlq_messages_total)
dlqerr=$(rl_metric d lakesink_dlq_errors_total)
tombs=$(rl_metric d lakesink_tombstones_total table=typed)
sdlq=$(rl_py status "$work/d.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dlq"]["messages"])')
rl_daemon_stop d 60
expect "SIGTERM: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'

check "each bad message once in the DLQ with its key, value, header and reason; metrics agree" \
    python3 - "$BROKER" "$RL_EO" "$LAKESINK" "${ndlq:-x}" "${sdlq:-x}" "${tombs:-x}" "${dlqerr:-x}" <<'PY'
import json, os, re, subprocess, sys, time
brokers, eo, lakesink = sys.argv[1:4]
sys.path.insert(0, os.path.dirname(eo))
import eo_check
reasons = {"invalid": r"^byte \d+, field name: unterminated string$",
           "invalid2": r"^byte \d+: unexpected data after the record$",
           "type": r"field name: a number cannot fill a string column",
           "unknown": r'unknown field "extra_field"',
           "oversize": r"^message of \d+ bytes is larger than processing\.max-message-bytes \(2048\)$",
           "badkey": r"^message key is not UTF-8 text$"}
exp = json.load(open("expected.json"))
by_val = {(e["p"], e["value"] or "tomb:" + e["key"]): e for e in exp}
src = {}
for m in eo_check.read_dlq(brokers, "typed"):  # the source topic, read the same way
    v = m["value"].hex() if m["value"] is not None else "tomb:" + m["key"].hex()
    e = by_val[(m["partition"], v)]
    assert e["key"] == m["key"].hex(), ("key changed in the source?", e)
    src[(m["partition"], m["offset"])] = (e, m)
assert len(src) == len(exp), (len(src), len(exp))
bad = {k: e for k, (e, m) in src.items() if e["kind"] not in ("good", "tomb")}
errors, seen = [], set()
for d in eo_check.read_dlq(brokers, "dlq"):
    h = dict(d["headers"])
    k = (int(h.get("lakesink.source.partition", -1)), int(h.get("lakesink.source.offset", -1)))
    if h.get("lakesink.source.topic") != "typed" or k not in src:
        errors.append("dead letter with source %s" % h); continue
    e, m = src[k]
    if k in seen:
        errors.append("%s dead-lettered twice" % (k,))
    seen.add(k)
    if e["kind"] in ("good", "tomb"):
        errors.append("a %s message was dead-lettered: %s" % (e["kind"], h)); continue
    if d["key"] != m["key"] or d["value"] != m["value"]:
        errors.append("%s: key/value differ from the original" % (k,))
    if h.get("origin") != "acceptance":
        errors.append("%s: original header lost: %s" % (k, d["headers"]))
    if h.get("lakesink.table") != "typed":
        errors.append("%s: lakesink.table %r" % (k, h.get("lakesink.table")))
    if not re.search(reasons[e["kind"]], h.get("lakesink.error.reason", "")):
        errors.append("%s (%s): reason %r" % (k, e["kind"], h.get("lakesink.error.reason")))
    t = int(h.get("lakesink.error.time", "0") or 0)
    if not time.time() * 1000 - 600000 < t <= time.time() * 1000 + 1000:
        errors.append("%s: lakesink.error.time %r is not a recent ms time" % (k, t))
missing = set(bad) - seen
if missing:
    errors.append("bad messages not in the DLQ: %s" % sorted(missing)[:10])
kinds = sorted(set(e["kind"] for e in bad.values()))
assert len(kinds) == 6, kinds
rows = [json.loads(l) for l in subprocess.check_output(
    [lakesink, "table", "scan", "typed", "--columns", "id,name,_kafka_partition,_kafka_offset,_kafka_key"]).splitlines()]
good = {k: e for k, (e, m) in src.items() if e["kind"] == "good"}
got = {(r["_kafka_partition"], r["_kafka_offset"]): r for r in rows}
if set(got) != set(good):
    errors.append("rows are not the good messages: %d rows, %d good" % (len(got), len(good)))
for k, r in got.items():
    e = good.get(k)
    if e and (r["id"] != e["id"] or r["name"] != "n%d" % e["id"] or
              r["_kafka_key"] != bytes.fromhex(e["key"]).decode()):
        errors.append("row %s differs: %s" % (k, r)); break
ntomb = sum(1 for e in exp if e["kind"] == "tomb")
figures = (sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7])
if figures != (str(len(bad)), str(len(bad)), str(ntomb), "0"):
    errors.append("dlq metric, /status dlq.messages, tombstones, dlq errors = %s; want %s" %
                  (figures, (len(bad), len(bad), ntomb, 0)))
print("%d messages: %d good, %d dead letters (%s), %d tombstones" %
      (len(exp), len(good), len(bad), ",".join(kinds), ntomb))
assert not errors, "\n".join(errors[:15])
PY
nbad=$(python3 -c 'import json; print(sum(e["kind"] not in ("good", "tomb") for e in json.load(open("expected.json"))))')
rl_eo "per partition: high watermark = rows + dead letters + tombstones" --app-id dl --topic typed:2 \
    --table "$work/typed=typed" --tap typed --dlq-topic dlq --dlq-exact --expect-dlq "$nbad"
rl_delta_check "delta_check typed" "$work/typed"
finish
