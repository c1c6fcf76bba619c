#!/usr/bin/env bash
# `lakesink run` end to end: 200 k messages over 3 topics and 12 partitions (user-events 6,
# orders 3, cdc 3 with tombstones), produced while the daemon runs, into two local tables
# (one Hive-partitioned) and one S3 table (moto). Checks: every (topic, partition, offset) is
# once in the tables (or a tombstone), row counts equal what was produced per partition, no
# dead letters, txn ranges per commit, contiguous versions, delta_check.js on all three.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_exactly_once
rl_need_node
rl_need_moto

rl_broker_start user-events:6,orders:3,cdc:3,dlq:1
rl_moto_start lakesink-eo
meta="[_kafka_topic, _kafka_partition, _kafka_offset, _kafka_timestamp, _kafka_key]"
{ rl_conf_two eo "{batch-size: 20000, flush-interval: 2s}" "{batch-size: 10000, flush-interval: 2s}" "{checkpoint-interval: 5}"; cat <<EOF
  cdc:
    kafka-topic: cdc
    metadata-columns: $meta
    destination: {table-uri: "s3://lakesink-eo/tables/cdc"}
    processing: {batch-size: 10000, flush-interval: 3s}
EOF
} >run.yaml

rl_tap_start cdc   # the broker may drop old cdc messages: keep which ones were tombstones
rl_daemon_start d run.yaml || { finish; exit 1; }
rl_wait "all 12 partitions assigned" 60 'len(assigned(j)) == 12' d
# ~30 s of production at ~6.7 k msgs/s: each partition stays far below the broker's ~5 MB
rl_produce_bg ue --topic user-events --count 100000 --template user-events --rate 3400
rl_produce_bg or --topic orders --count 50000 --template orders --rate 1700
rl_produce_bg cd --topic cdc --count 50000 --template cdc --rate 1700
rl_produce_wait ue or cd
rl_wait_drained 120 user-events:6,orders:3,cdc:3 d

expect "no dead letters (metric)" '[ "$(rl_metric d lakesink_dlq_messages_total)" = 0 ]'
tomb=$(rl_metric d lakesink_tombstones_total table=cdc)
expect "cdc tombstones counted ($tomb)" '[ "${tomb:-0}" -gt 0 ]'
rows=$(rl_metric d lakesink_records_total)
rl_daemon_stop d 60
expect "SIGTERM: exit 0 (got $RL_RC after $RL_SECS s)" '[ "$RL_RC" -eq 0 ]'
rl_tap_stop cdc 3

n=$(rl_s3_get lakesink-eo tables/cdc "$work/cdc")
expect "S3 table copied ($n objects)" '[ "${n:-0}" -gt 2 ]'
check "S3 table reads through s3:// like its copy" python3 - "$LAKESINK" <<'PY'
import json, subprocess, sys
info = lambda t: json.loads(subprocess.check_output([sys.argv[1], "table", "info", t, "--json"]))
a, b = info("s3://lakesink-eo/tables/cdc"), info("cdc")
assert (a["version"], a["rows"]) == (b["version"], b["rows"]), (a, b)
PY
rl_eo "exactly once over 3 tables" --app-id eo \
    --topic user-events:6 --topic orders:3 --topic cdc:3 \
    --table "$work/events=user-events" --table "$work/orders=orders" --table "$work/cdc=cdc" \
    --tap "cdc=$work/tap.cdc" --dlq-topic dlq --expect-dlq 0 --summary eo.json \
    --produced ue.prod.json --produced or.prod.json --produced cd.prod.json
check "rows committed (metric $rows) = table rows + 0 dead letters; tombstones ($tomb) = tap's" \
    python3 - "$rows" "$tomb" <<'PY'
import json, sys
s = json.load(open("eo.json"))
rows = sum(t["rows"] for t in s["tables"].values())
tombs = sum(p["tombstones"] for k, p in s["partitions"].items() if k.startswith("cdc:"))
assert rows == int(sys.argv[1]) and tombs == int(sys.argv[2]), (rows, tombs)
assert rows + tombs == 200000, rows + tombs
PY
for t in events orders cdc; do rl_delta_check "delta_check $t" "$work/$t"; done
ls "$work/orders/_delta_log/"*.checkpoint.parquet >/dev/null 2>&1 &&
    ok "orders has checkpoints" || fail "orders: no checkpoint with checkpoint-interval 5"

# the checker itself must catch a data file committed twice and a lost commit
eo_catches() { # DESCRIPTION TABLE-COPY PATTERN
    if python3 "$RL_EO" --lakesink "$LAKESINK" --brokers "$BROKER" --app-id eo --topic orders:3 \
        --table "$2=orders" >eo.bad 2>&1; then fail "$1: eo_check passed a broken table"
    elif grep -qE -- "$3" eo.bad; then ok "$1"
    else fail "$1: no FAIL line matches /$3/"; head -5 eo.bad | sed 's/^/    /'; fi
}
cp -r orders bad-dup
python3 - bad-dup <<'PY'
import glob, json, os, shutil, sys
log = sorted(glob.glob(sys.argv[1] + "/_delta_log/*.json"))
last = int(os.path.basename(log[-1])[:20])
acts = [json.loads(l) for l in open(log[1])]
add = [a["add"] for a in acts if "add" in a][0]
shutil.copy(os.path.join(sys.argv[1], add["path"]), os.path.join(sys.argv[1], "again.parquet"))
add["path"] = "again.parquet"
txn = [{"txn": {"appId": "eo-orders-%d" % p, "version": 10 ** 9}} for p in range(3)]
with open("%s/_delta_log/%020d.json" % (sys.argv[1], last + 1), "w") as f:
    f.write("\n".join(json.dumps(a) for a in [{"add": add}] + txn) + "\n")
PY
eo_catches "eo_check catches a data file committed twice" bad-dup 'no offset twice'
cp -r orders bad-gap
rm -f bad-gap/_delta_log/*.checkpoint.parquet bad-gap/_delta_log/_last_checkpoint
rm "$(ls bad-gap/_delta_log/*.json | tail -1)"
eo_catches "eo_check catches a lost commit" bad-gap 'every offset below .*missing: [0-9]'
finish
