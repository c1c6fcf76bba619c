#!/usr/bin/env bash
# Scale-out of `lakesink run`: instances with the same config (one group, ephemeral HTTP ports)
# share 12 partitions (user-events 8, orders 4) while producers run. (1) a and b split the
# partitions; b is killed with SIGKILL; a takes b's partitions over once b's session times out
# (seen in a's /status). (2) c joins while a runs (cooperative rebalance) and takes some
# partitions; c stops on SIGTERM (exit 0) and a gets them back. At the end, after a drains:
# every offset exactly once, txn ranges per commit, delta_check.js on both tables; and no
# instance restarts itself in-process ("fenced: starting afresh") on a rebalance.
# The daemon's own assignment strategy is used; LS_RUN_ASSIGNMENT=range (see run_lib.sh) runs
# the same scenario with another one.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_two_instances
rl_need_node

rl_broker_start user-events:8,orders:4,dlq:1
rl_conf_two two "{batch-size: 5000, flush-interval: 2s}" "{batch-size: 2000, flush-interval: 2s}" >run.yaml
all='len(assigned(j)) == 12'

# producers run through every phase, in 2 s rounds
rl_produce_loop ue --topic user-events --count 2000 --template user-events --rate 1000
rl_produce_loop or --topic orders --count 800 --template orders --rate 400
rl_daemon_start a run.yaml || { finish; exit 1; }
rl_wait "a alone holds all 12 partitions" 30 "$all" a
rl_wait "a commits" 20 'sum(t["commits"] for t in j["tables"]) > 0' a
rl_daemon_start b run.yaml || { finish; exit 1; }
rl_wait "a and b share the 12 partitions" 40 \
    'all(len(assigned(x)) > 0 for x in js) and sum(len(assigned(x)) for x in js) == 12 and
     not set(assigned(js[0])) & set(assigned(js[1]))' a b
expect "a and b use different HTTP ports" '[ "$(rl_port a)" != "$(rl_port b)" ]'
rl_wait "b commits" 20 'sum(t["commits"] for t in j["tables"]) > 0' b
b_parts=$(rl_py status "$work/b.log" | python3 -c 'import json,sys
j = json.load(sys.stdin)
print(";".join("%s:%d" % (p["topic"], p["partition"]) for t in j["tables"] for p in t["partitions"] if p["assigned"]))')
note "b holds $b_parts"
rl_daemon_kill9 b
# b's session (6 s) must time out before a gets its partitions
rl_wait "a takes over b's partitions after b's SIGKILL" 40 \
    "$all and all(parts(j)[(t, int(p))]['assigned'] for t, p in (x.split(':') for x in '$b_parts'.split(';')))" a

rl_daemon_start c run.yaml || { finish; exit 1; }
rl_wait "c joins while a runs: both hold partitions" 40 \
    'all(len(assigned(x)) > 0 for x in js) and sum(len(assigned(x)) for x in js) == 12' a c
rl_wait "c commits" 20 'sum(t["commits"] for t in j["tables"]) > 0' c
rl_daemon_stop c 40
expect "c stops on SIGTERM with exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
expect "c logged a clean stop" '[ "$(rl_log_count c "stopped cleanly")" -eq 1 ]'
rl_wait "a gets c's partitions back" 30 "$all" a
restarts=""
for x in a b c; do restarts="$restarts $x:$(($(rl_log_count "$x" running) - 1))"; done
expect "no instance restarted in-process after a rebalance (restarts$restarts)" \
    '[ "$restarts" = " a:0 b:0 c:0" ]'

rl_produce_stop ue or
rl_wait_drained 60 user-events:8,orders:4 a
rebal=$(rl_metric a lakesink_rebalances_total)
if [ "$(rl_log_count a running)" -eq 1 ]; then   # counters start afresh with each restart
    expect "a counted its rebalances (${rebal:-none}, at least 4)" '[ "${rebal:-0}" -ge 4 ]'
fi
rl_daemon_stop a 60
expect "a stops on SIGTERM with exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'

rl_eo "exactly once over three instances" --app-id two --topic user-events:8 --topic orders:4 \
    --table "$work/events=user-events" --table "$work/orders=orders" \
    --dlq-topic dlq --expect-dlq 0 --produced ue.prod.json --produced or.prod.json
for t in events orders; do rl_delta_check "delta_check $t" "$work/$t"; done
finish
