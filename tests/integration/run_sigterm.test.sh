#!/usr/bin/env bash
# SIGTERM of `lakesink run` while producers run and rows are pending (batch-size and
# flush-interval large, so little is committed before the signal). Checks: exit 0 well within
# shutdown-timeout and a logged clean stop; after it, per partition, the tables' txn + 1 is at
# least what the daemon had consumed just before the signal (nothing consumed is left
# uncommitted), the tables hold exactly offsets 0..txn, and the group's Kafka offsets equal
# txn + 1. A restart starts each partition at txn + 1, consumes exactly the produced tail
# (lakesink_messages_consumed_total = high watermark - txn - 1) and ends exactly once. Last,
# daemons stopped 0.5-3 s after their start (before any assignment) still exit 0.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_sigterm
rl_need_node

rl_broker_start user-events:4,orders:2,dlq:1
rl_conf_two sig "{batch-size: 1000000, flush-interval: 60s}" "{batch-size: 1000000, flush-interval: 60s}" >run.yaml
eo=(--app-id sig --topic user-events:4 --topic orders:2
    --table "$work/events=user-events" --table "$work/orders=orders" --dlq-topic dlq --expect-dlq 0)

rl_daemon_start d run.yaml || { finish; exit 1; }
rl_wait "6 partitions assigned" 30 'len(assigned(j)) == 6' d
rl_produce_bg ue --topic user-events --count 45000 --template user-events --rate 3000
rl_produce_bg or --topic orders --count 15000 --template orders --rate 1000
rl_wait "rows pending in both tables" 20 'all(t["pending_rows"] > 500 for t in j["tables"])' d
sleep 2
# what the daemon has consumed per partition, just before the signal (a lower bound)
rl_get d metrics | python3 -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"lakesink_messages_consumed_total\{partition=\"(\d+)\",topic=\"([^\"]+)\"\} (\d+)", line)
    if m:
        print("%s:%s %s" % (m.group(2), m.group(1), m.group(3)))' >consumed.txt
pending=$(rl_py status "$work/d.log" | python3 -c 'import json,sys; print(sum(t["pending_rows"] for t in json.load(sys.stdin)["tables"]))')
rl_daemon_stop d 40
expect "SIGTERM with $pending rows pending: exit 0 in ${RL_SECS} s (got $RL_RC)" \
    '[ "$RL_RC" -eq 0 ] && [ "$RL_SECS" -lt 30 ]'
expect "clean stop logged" '[ "$(rl_log_count d "stopped cleanly")" -eq 1 ]'
expect "consumption scraped for 6 partitions" '[ "$(wc -l <consumed.txt)" -eq 6 ]'

rl_eo "after SIGTERM the tables hold exactly offsets 0..txn" "${eo[@]}" --not-drained --summary stop.json
check "nothing consumed before the signal is left uncommitted (txn + 1 >= consumed)" python3 - <<'PY'
import json
s = json.load(open("stop.json"))["partitions"]
bad = []
for line in open("consumed.txt"):
    k, n = line.split()
    pos = s[k]["upto"]   # accounted up to txn + 1
    if pos < int(n):
        bad.append("%s: txn + 1 = %d < %s consumed" % (k, pos, n))
print(", ".join("%s %d" % (k, v["upto"]) for k, v in sorted(s.items())))
assert not bad, bad
PY
rl_produce_wait ue or
# Kafka's committed offsets of the group (kcat joins the group the daemon left; it starts each
# partition at the committed offset and exits at the end, committing nothing)
timeout 60 kcat -b "$BROKER" -G sig -X enable.auto.commit=false -X auto.offset.reset=error \
    -X session.timeout.ms=6000 -X heartbeat.interval.ms=500 -e -q -f '%t:%p %o\n' \
    user-events orders >tail.txt 2>kcat.err
check "the group's Kafka offsets are txn + 1 (kcat starts each partition there)" python3 - "$(rl_hw user-events:4,orders:2)" <<'PY'
import json, sys
s = json.load(open("stop.json"))["partitions"]
hw = json.loads(sys.argv[1])
first = {}
for line in open("tail.txt"):
    k, o = line.split()
    first[k] = min(first.get(k, 1 << 62), int(o))
bad = ["%s: kcat starts at %s, txn + 1 = %d" % (k, first.get(k), v["upto"])
       for k, v in s.items() if first.get(k, hw[k]) != v["upto"]]
assert not bad, bad
PY

sed 's/flush-interval: 60s/flush-interval: 1s/' run.yaml >run2.yaml
rl_daemon_start d run2.yaml || { finish; exit 1; }
rl_wait_drained 60 user-events:4,orders:2 d
check "the restart starts at txn + 1 and consumes only the produced tail" \
    python3 - "$(rl_get d metrics | grep '^lakesink_messages_consumed_total')" "$(rl_hw user-events:4,orders:2)" <<'PY'
import json, re, sys
s = json.load(open("stop.json"))["partitions"]
hw = json.loads(sys.argv[2])
got = {"%s:%s" % (t, p): int(n) for p, t, n in
       re.findall(r'partition="(\d+)",topic="([^"]+)"\} (\d+)', sys.argv[1])}
starts = {}
for line in open("d.log"):
    if '"partition assigned"' in line:
        j = json.loads(line)
        starts["%s:%s" % (j["topic"], j["partition"])] = int(j["start"])   # the newest run
bad = []
for k, v in s.items():
    if starts.get(k) != v["upto"]:
        bad.append("%s starts at %s, txn + 1 = %d" % (k, starts.get(k), v["upto"]))
    if got.get(k, 0) != hw[k] - v["upto"]:
        bad.append("%s consumed %s, tail is %d" % (k, got.get(k), hw[k] - v["upto"]))
assert not bad, bad
PY
rl_daemon_stop d 40
expect "second SIGTERM run: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
rl_eo "exactly once after the restart" "${eo[@]}" --produced ue.prod.json --produced or.prod.json
for t in events orders; do rl_delta_check "delta_check $t" "$work/$t"; done

# SIGTERM before the first assignment, in a group that has had members (a restart loop):
# exit 0 every time. Six moments, since what goes wrong there does not go wrong every time.
rcs=""
for ms in 500 1000 1500 2000 2500 3000; do
    rl_daemon_start e run2.yaml || break
    sleep "$((ms / 1000)).$((ms % 1000 / 100))"
    rl_daemon_stop e 40
    rcs="$rcs $RL_RC"
done
expect "SIGTERM 0.5-3 s after start, before any assignment: exit 0 each time (got$rcs)" \
    '[ "$rcs" = " 0 0 0 0 0 0" ]'
finish
