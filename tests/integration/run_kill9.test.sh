#!/usr/bin/env bash
# Crash safety of `lakesink run`: while producers keep producing, the daemon is killed with
# SIGKILL at 5 random moments (the first during start-up, the others at a random time after
# its partitions are assigned, when small batches make commits frequent) and restarted each
# time; after a last drain and a clean SIGTERM stop, every offset is in the tables exactly
# once, txn ranges hold per commit and delta_check.js passes. LS_SEED=N replays the moments.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_kill9
rl_need_node
seed=${LS_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$seed
note "seed $seed (LS_SEED=$seed replays these kill moments)"

rl_broker_start user-events:4,orders:2,dlq:1
rl_conf_two k9 "{batch-size: 3000, flush-interval: 1s}" "{batch-size: 2000, flush-interval: 1s}" "{checkpoint-interval: 3}" >run.yaml

# ~60 s of production; a restart waits up to the 6 s session timeout of the killed member
rl_produce_bg ue --topic user-events --count 90000 --template user-events --rate 1500
rl_produce_bg or --topic orders --count 30000 --template orders --rate 500
for i in 1 2 3 4 5; do
    rl_daemon_start d run.yaml || break
    if [ "$i" -eq 1 ]; then
        ms=$((RANDOM % 3000))
    else
        rl_py wait 30 'len(assigned(j)) > 0' "$work/d.log" >/dev/null
        ms=$((200 + RANDOM % 4000))
    fi
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
    v=$(rl_py status "$work/d.log" | python3 -c 'import json,sys
j = json.load(sys.stdin) or {}
print(" ".join("%s@v%s(+%s pending)" % (t["name"], t["version"], t["pending_rows"]) for t in j.get("tables", [])))' 2>/dev/null)
    rl_daemon_kill9 d
    note "kill -9 #$i ${ms} ms after $([ "$i" -eq 1 ] && echo start || echo assignment): ${v:-no status}"
done
expect "the 5 kills happened" '[ "$i" -eq 5 ]'
rl_daemon_start d run.yaml || { finish; exit 1; }
rl_produce_wait ue or
rl_wait_drained 120 user-events:4,orders:2 d
rl_daemon_stop d 60
expect "SIGTERM after the crashes: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
expect "6 starts logged" '[ "$(rl_log_count d running)" -eq 6 ]'

rl_eo "exactly once after 5 crashes" --app-id k9 --topic user-events:4 --topic orders:2 \
    --table "$work/events=user-events" --table "$work/orders=orders" \
    --dlq-topic dlq --expect-dlq 0 --produced ue.prod.json --produced or.prod.json
for t in events orders; do rl_delta_check "delta_check $t" "$work/$t"; done
finish
