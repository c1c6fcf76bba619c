#!/usr/bin/env bash
# The operations endpoints of `lakesink run` over a fixed set of messages (user-events 4
# partitions with 2 tombstones, orders 2 partitions with 3 invalid JSON messages): /healthz
# 200 from the start, /readyz 503 before the assignment and 200 after; once drained, /metrics
# is valid Prometheus text with every documented series, and its figures agree with the broker
# (high watermarks via kcat -Q), the tables (lakesink table info/files) and /status: lag 0,
# consumed = high watermark, committed_offset + 1 = high watermark, rows, files, bytes,
# commits, versions, dead letters, tombstones, memory, assignment.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_metrics
rl_need_node

rl_broker_start user-events:4,orders:2,dlq:1
rl_produce_bg ue --topic user-events --count 5000 --template user-events
rl_produce_bg or --topic orders --count 2000 --template orders
rl_produce_wait ue or
printf 'not json 1\n{"order_id": \n[1,2\n' | kcat -P -b "$BROKER" -t orders -p 0 ||
    fail "kcat could not produce the invalid messages"
printf 'user_1\t\nuser_2\t\n' | kcat -P -b "$BROKER" -t user-events -p 1 -K '\t' -Z ||
    fail "kcat could not produce the tombstones"
rl_conf_two met "{flush-interval: 1s}" "{flush-interval: 1s}" >run.yaml

rl_daemon_start d run.yaml || { finish; exit 1; }
st=$(rl_py status "$work/d.log" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], sum(p["assigned"] for t in j["tables"] for p in t["partitions"]))')
ready0=$(rl_code d readyz)
expect "/healthz 200 at start" '[ "$(rl_code d healthz)" = 200 ]'
if [ "$st" = "starting 0" ]; then
    expect "/readyz 503 before the assignment (got $ready0)" '[ "$ready0" = 503 ]'
else
    note "the assignment came before the first look ($st): /readyz 503 not checked"
fi
rl_wait "6 partitions assigned" 30 'len(assigned(j)) == 6' d
expect "/readyz 200 after the assignment" '[ "$(rl_code d readyz)" = 200 ]'
rl_wait_drained 60 user-events:4,orders:2 d
sleep 0.5   # one more lag update (every 200 ms) after the last commit
rl_get d metrics >metrics.txt
rl_get d status >status.json
rl_hw user-events:4,orders:2 >hw.json
for t in events orders; do
    "$LAKESINK" table info "$work/$t" --json >"$t.info.json"
    "$LAKESINK" table files "$work/$t" --json >"$t.files.json"
done
check "/metrics agrees with the broker, the tables and /status" python3 - <<'PY'
import json, re
text = open("metrics.txt").read()
status, hw = json.load(open("status.json")), json.load(open("hw.json"))
errors, samples, types = [], {}, {}
for line in text.splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ", 3)
        types[name] = kind
    elif line.startswith("# HELP ") or not line.strip():
        continue
    else:
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_]\w*="(?:[^"\\]|\\.)*",?)*)\})? (\S+)$', line)
        if not m:
            errors.append("not Prometheus text: %r" % line); continue
        labels = tuple(sorted(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or "")))
        samples[(m.group(1), labels)] = float(m.group(3))
def get(name, **lab):
    return samples.get((name, tuple(sorted(lab.items()))))
def want(what, got, exp):
    if got != exp:
        errors.append("%s: %r, want %r" % (what, got, exp))
tables = ("events", "orders")
kinds = {"lakesink_records_total": "counter", "lakesink_bytes_total": "counter",
         "lakesink_files_total": "counter", "lakesink_commits_total": "counter",
         "lakesink_commit_errors_total": "counter", "lakesink_commit_seconds": "histogram",
         "lakesink_table_version": "gauge", "lakesink_pending_rows": "gauge",
         "lakesink_unknown_fields_total": "counter", "lakesink_tombstones_total": "counter",
         "lakesink_storage_requests_total": "counter", "lakesink_s3_retries_total": "counter",
         "lakesink_storage_errors_total": "counter", "lakesink_storage_breaker_trips_total": "counter",
         "lakesink_consumer_lag": "gauge", "lakesink_messages_consumed_total": "counter",
         "lakesink_messages_total": "counter", "lakesink_message_bytes_total": "counter",
         "lakesink_dlq_messages_total": "counter", "lakesink_dlq_errors_total": "counter",
         "lakesink_rebalances_total": "counter", "lakesink_memory_bytes": "gauge",
         "lakesink_memory_budget_bytes": "gauge", "lakesink_paused_partitions": "gauge",
         "lakesink_assigned_partitions": "gauge"}
for name, kind in kinds.items():
    want("TYPE of " + name, types.get(name), kind)
per_table = [n for n in kinds if n.startswith(("lakesink_records", "lakesink_bytes", "lakesink_files",
             "lakesink_commit", "lakesink_table", "lakesink_pending", "lakesink_unknown",
             "lakesink_tombstones", "lakesink_storage", "lakesink_s3"))]
for name in per_table:
    for t in tables:
        key = name + "_count" if kinds[name] == "histogram" else name
        if get(key, table=t) is None:
            errors.append("no %s{table=%s}" % (key, t))
for k, h in hw.items():
    t, p = k.split(":")
    want("lag of " + k, get("lakesink_consumer_lag", topic=t, partition=p), 0.0)
    want("consumed of " + k, get("lakesink_messages_consumed_total", topic=t, partition=p), float(h))
want("messages_total", get("lakesink_messages_total"), float(sum(hw.values())))
st = {t["name"]: t for t in status["tables"]}
for t in tables:
    info, files = json.load(open(t + ".info.json")), json.load(open(t + ".files.json"))
    want(t + " records_total = table rows", get("lakesink_records_total", table=t), float(info["rows"]))
    want(t + " records_total = /status rows_committed", get("lakesink_records_total", table=t),
         float(st[t]["rows_committed"]))
    want(t + " files_total = live files", get("lakesink_files_total", table=t), float(len(files)))
    want(t + " files_total = /status", get("lakesink_files_total", table=t), float(st[t]["files_committed"]))
    want(t + " bytes_total = live file sizes", get("lakesink_bytes_total", table=t),
         float(sum(f["size"] for f in files)))
    want(t + " table_version = table info", get("lakesink_table_version", table=t), float(info["version"]))
    want(t + " /status version", st[t]["version"], info["version"])
    want(t + " commits_total = /status commits", get("lakesink_commits_total", table=t), float(st[t]["commits"]))
    want(t + " commit_seconds_count = commits", get("lakesink_commit_seconds_count", table=t),
         get("lakesink_commits_total", table=t))
    want(t + " commit_seconds +Inf bucket = count", get("lakesink_commit_seconds_bucket", table=t, le="+Inf"),
         get("lakesink_commit_seconds_count", table=t))
    want(t + " pending_rows", get("lakesink_pending_rows", table=t), 0.0)
    for zero in ("lakesink_commit_errors_total", "lakesink_storage_errors_total",
                 "lakesink_s3_retries_total", "lakesink_storage_breaker_trips_total",
                 "lakesink_unknown_fields_total"):
        want(t + " " + zero, get(zero, table=t), 0.0)
    if not (get("lakesink_storage_requests_total", table=t) or 0) > 0:
        errors.append(t + ": no storage requests counted")
    for p in st[t]["partitions"]:
        k = "%s:%d" % (p["topic"], p["partition"])
        want("/status " + k, (p["assigned"], p["committed_offset"] + 1, p["next_offset"], p["lag"]),
             (True, hw[k], hw[k], 0))
want("tombstones of events", get("lakesink_tombstones_total", table="events"), 2.0)
want("tombstones of orders", get("lakesink_tombstones_total", table="orders"), 0.0)
want("dead letters", (get("lakesink_dlq_messages_total"), get("lakesink_dlq_errors_total"),
                      status["dlq"]["messages"]), (3.0, 0.0, 3))
want("budget", (get("lakesink_memory_budget_bytes"), status["memory"]["budget_bytes"]),
     (268435456.0, 268435456))
want("assigned, paused", (get("lakesink_assigned_partitions"), get("lakesink_paused_partitions")), (6.0, 0.0))
if not (get("lakesink_rebalances_total") or 0) >= 1:
    errors.append("no rebalance counted")
if get("lakesink_memory_bytes") is None or get("lakesink_message_bytes_total") is None:
    errors.append("lakesink_memory_bytes or lakesink_message_bytes_total missing")
want("state", status["state"], "running")
print("%d series checked" % len(samples))
assert not errors, "\n".join(errors)
PY
rl_daemon_stop d 40
expect "SIGTERM: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
rl_eo "exactly once" --app-id met --topic user-events:4 --topic orders:2 --tap user-events \
    --table "$work/events=user-events" --table "$work/orders=orders" --dlq-topic dlq --dlq-exact --expect-dlq 3
for t in events orders; do rl_delta_check "delta_check $t" "$work/$t"; done
finish
