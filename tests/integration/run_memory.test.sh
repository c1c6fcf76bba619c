#!/usr/bin/env bash
# Memory bound of `lakesink run`: a backlog of 2 M small messages (~34 B NDJSON lines, no key,
# spread round-robin over 256 partitions: ~7,800 each, far under the mock broker's ~5 MB
# retention; librdkafka's sticky partitioner once piled 130 k on one partition and the broker
# dropped its oldest messages) is produced BEFORE the daemon starts with memory.budget
# 128M. VmRSS is sampled every 100 ms while it drains. Checks: peak RSS < budget + 80 MiB, the
# daemon's own gauge (lakesink_memory_bytes) never above the budget, all 2 M rows exactly once.
#
# The 80 MiB overhead, from measurement on the 2-core CI machine kind (release builds): the idle
# daemon is ~14 MiB (binary, libraries, thread stacks, librdkafka's threads); over 11 runs of
# this backlog the peak was 104-183 MiB with a 128M budget while the daemon's own gauge peaked
# at 25-65 MiB. The rest is memory the budget does not see: librdkafka's prefetch queue (its
# queued.max.messages.kbytes counts payload bytes only, and each 34-byte message costs a few
# hundred bytes in it), allocator arenas per thread and the Parquet encoders. 80 MiB leaves
# ~25 MiB of margin over the worst run. Under ASan the RSS limit is not checked (its shadow
# memory and quarantine are not the daemon's); the peak is still printed.
set -uo pipefail
# shellcheck source=run_lib.sh
. "$(dirname "$0")/run_lib.sh"
rl_init run_memory
rl_need_node
budget_mib=128 overhead_mib=80 n=2000000

rl_broker_start small:256
python3 -c '
import sys
w = sys.stdout.write
for i in range(int(sys.argv[1])):
    w("{\"id\":%d,\"k\":\"k%03d\",\"v\":%d.5}\n" % (i, i % 997, i % 1000))' "$n" >small.ndjson
rl_produce_bg bl --topic small --file small.ndjson --partitions 256
rl_produce_wait bl
rm -f small.ndjson
held=$(rl_py hwsum "$BROKER" small:256)
expect "backlog of $n messages in the broker ($held)" '[ "$held" -eq "$n" ]'
lw=$(rl_py lwmax "$BROKER" small:256)
expect "the broker kept every message (highest low watermark: $lw)" '[ "$lw" -eq 0 ]'

{ rl_conf_head mem "${budget_mib}M"; cat <<EOF
topics:
  small:
    kafka-topic: small
    metadata-columns: [_kafka_topic, _kafka_partition, _kafka_offset]
    destination: {table-uri: $work/small}
    processing: {batch-size: 50000, flush-interval: 2s}
EOF
} >run.yaml
rl_daemon_start d run.yaml || { finish; exit 1; }
rl_rss_sampler "$(rl_pid d)" rss.txt
# the daemon's own view of its buffered bytes, sampled beside the RSS
( while rl_alive "$(rl_pid d)"; do rl_metric d lakesink_memory_bytes; sleep 0.1; done ) >gauge.txt 2>/dev/null &
rl_pids+=($!)
t0=$SECONDS
rl_wait_drained 150 small:256 d
note "drained $n messages in $((SECONDS - t0)) s"
rl_daemon_stop d 60
expect "SIGTERM: exit 0 (got $RL_RC)" '[ "$RL_RC" -eq 0 ]'
sleep 0.3
peak_kb=$(sed -n 's/^peak //p' rss.txt)
gauge=$(sort -n gauge.txt | tail -1)
note "peak RSS $((peak_kb / 1024)) MiB ($(sed -n 's/^samples //p' rss.txt) samples), peak lakesink_memory_bytes $(( ${gauge:-0} / 1048576 )) MiB, budget $budget_mib MiB"
if nm -D "$LAKESINK" 2>/dev/null | grep __asan_init >/dev/null; then
    note "ASan build: the RSS limit is not checked"
else
    expect "peak RSS $((peak_kb / 1024)) MiB < budget $budget_mib MiB + $overhead_mib MiB" \
        '[ "${peak_kb:-999999999}" -lt $(( (budget_mib + overhead_mib) * 1024 )) ]'
fi
expect "lakesink_memory_bytes stays within the budget" \
    '[ -n "$gauge" ] && [ "${gauge%.*}" -le $((budget_mib * 1048576)) ]'
rl_eo "all $n rows exactly once" --app-id mem --topic small:256 --table "$work/small=small" \
    --produced bl.prod.json
rl_delta_check "delta_check small" "$work/small"
finish
