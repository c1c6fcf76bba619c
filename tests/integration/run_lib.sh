# run_lib.sh — sourced by the acceptance tests of the daemon (tests/integration/run_*.test.sh),
# not run: the pass/fail ledger and skipping, a scratch folder, the local broker and moto_server,
# the head of a daemon config, starting, stopping and killing daemons, waiting on /status,
# reading /metrics, producers and taps, and the two independent checks (eo_check.py for
# exactly-once, tests/interop/delta_check.js for the Delta log and stats).
# Not responsible for what a single test asserts, nor for the checks' logic (eo_check.py).
#
# Every process started here is recorded and stopped at exit (only those, by pid).
# Variables a test may read: work (scratch folder, the current directory), BROKER, ENDPOINT,
# RL_RC and RL_SECS (exit status and duration of the last daemon stop).
# shellcheck shell=bash disable=SC2034

rl_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RL_EO="$rl_here/eo_check.py"
RL_S3H="$rl_here/store_s3_helper.py"
RL_CHK="$rl_here/../interop/delta_check.js"
passed=0 failed=0
rl_pids=()
declare -A RL_DPID=() RL_PPID=() RL_TPID=()
work=""

skip() { echo "SKIP: $*"; exit 0; }
rl_at() { printf '[%3ds]' $((SECONDS - ${RL_T0:-0})); }
ok() { passed=$((passed + 1)); echo "ok   $(rl_at) $1"; return 0; }
fail() { failed=$((failed + 1)); echo "FAIL $(rl_at) $1"; return 0; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds; else shows its output
    local what="$1"; shift
    local out
    if out="$("$@" 2>&1)"; then ok "$what"; else fail "$what"; printf '%s\n' "$out" | head -20 | sed 's/^/    /'; fi
}
expect() { # DESCRIPTION SHELL-CONDITION
    if eval "$2"; then ok "$1"; else fail "$1"; fi
}
note() { echo "note $(rl_at) $*"; }
finish() {
    echo "$RL_NAME: $passed passed, $failed failed in $((SECONDS - RL_T0)) s"
    [ "$failed" -eq 0 ]
}

# rl_init NAME: skips unless lakesink (with `run`), python3, kcat and curl are there; makes the
# scratch folder, cds into it and arms the clean-up.
rl_init() {
    RL_NAME="$1"
    RL_T0=$SECONDS
    [ -n "${LAKESINK:-}" ] || skip "LAKESINK is not set (path of the lakesink binary)"
    [ -x "$LAKESINK" ] || skip "$LAKESINK is not an executable"
    local c
    for c in python3 kcat curl; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
    done
    "$LAKESINK" run --help >/dev/null 2>&1 || skip "'lakesink run' does not exist in $LAKESINK"
    work="$(mktemp -d "${TMPDIR:-/tmp}/ls-$RL_NAME.XXXXXX")"
    trap rl_cleanup EXIT
    cd "$work" || exit 1
}
rl_need_node() {
    command -v node >/dev/null 2>&1 && [ -d "$rl_here/../interop/node_modules/@duckdb/node-api" ] ||
        skip "node or @duckdb/node-api (tests/interop/node_modules) is not available"
}
rl_need_moto() {
    command -v moto_server >/dev/null 2>&1 || skip "moto_server is not installed"
    python3 -c 'import boto3' >/dev/null 2>&1 || skip "python3 boto3 is not installed"
}

rl_alive() { kill -0 "$1" 2>/dev/null; }
rl_cleanup() {
    local p i
    for p in "${rl_pids[@]}"; do rl_alive "$p" && kill -TERM "$p" 2>/dev/null; done
    for i in $(seq 1 50); do
        local any=0
        for p in "${rl_pids[@]}"; do rl_alive "$p" && any=1; done
        [ "$any" -eq 0 ] && break
        sleep 0.1
    done
    for p in "${rl_pids[@]}"; do rl_alive "$p" && kill -KILL "$p" 2>/dev/null; done
    for p in "${rl_pids[@]}"; do wait "$p" 2>/dev/null; done
    if [ "$failed" -gt 0 ] && [ -n "$work" ]; then
        for p in "$work"/*.log; do
            [ -f "$p" ] || continue
            echo "--- last warnings and errors of $(basename "$p"):"
            grep -E '"level":"(warn|error)"|AddressSanitizer|runtime error|Assertion' "$p" | tail -8 | cut -c1-400
        done
    fi
    if [ -n "${LS_KEEP_WORK:-}" ]; then echo "kept $work"; elif [ -n "$work" ]; then rm -rf "$work"; fi
}

# ------------------------------------------------------------------ servers

# rl_broker_start NAME:PARTS,...: a `lakesink broker` with these topics; sets BROKER
rl_broker_start() {
    "$LAKESINK" broker --topics "$1" >"$work/broker.out" 2>"$work/broker.err" &
    rl_pids+=($!)
    BROKER=""
    local i
    for i in $(seq 1 100); do
        BROKER=$(sed -n '1s/.*"bootstrap":"\([^"]*\)".*/\1/p' "$work/broker.out" 2>/dev/null)
        [ -n "$BROKER" ] && return 0
        sleep 0.1
    done
    fail "the broker did not start: $(head -3 "$work/broker.err")"
    finish; exit 1
}

# rl_moto_start BUCKET: moto_server on a free port with BUCKET; sets ENDPOINT and the AWS env
rl_moto_start() {
    local port
    port=$(python3 "$RL_S3H" free-port)
    moto_server -H 127.0.0.1 -p "$port" >"$work/moto.out" 2>&1 &
    rl_pids+=($!)
    ENDPOINT="http://127.0.0.1:$port"
    python3 "$RL_S3H" wait "$ENDPOINT/" || skip "moto_server did not start"
    python3 "$RL_S3H" mkbucket "$ENDPOINT" "$1"
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_DEFAULT_REGION
    export AWS_ENDPOINT_URL_S3="$ENDPOINT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_S3_FORCE_PATH_STYLE=true
}

# rl_conf_head GROUP [BUDGET] [WORKERS]: the kafka, http and memory part of a daemon config.
# The mock broker needs short group timeouts, or a second member's join stalls for minutes.
# RL_PROPS (KEY=VALUE ...) adds librdkafka properties; LS_RUN_ASSIGNMENT (environment) sets
# partition.assignment.strategy instead of the daemon's own choice, in every test.
rl_conf_head() {
    local kv props=""
    for kv in ${RL_PROPS:-} ${LS_RUN_ASSIGNMENT:+partition.assignment.strategy=$LS_RUN_ASSIGNMENT}; do
        props="$props
    ${kv%%=*}: \"${kv#*=}\""
    done
    cat <<EOF
kafka:
  brokers: $BROKER
  group-id: $1
  starting-offsets: earliest
  properties:
    session.timeout.ms: "6000"
    heartbeat.interval.ms: "500"
    max.poll.interval.ms: "10000"$props
http: {listen: "127.0.0.1:0"}
memory: {budget: ${2:-256M}}
workers: ${3:-2}
shutdown-timeout: 30s
EOF
}

# rl_conf_two GROUP EV_PROCESSING OR_PROCESSING [OR_DELTA_CONFIG]: the config most tests run:
# user-events into $work/events (partitioned by event_type) and orders into $work/orders, with
# the topic/partition/offset metadata columns and the dlq topic. The processing arguments are
# YAML flow maps ("{batch-size: 3000, flush-interval: 1s}"); the optional last one is the
# orders table's delta-config (a flow map too). More table entries may be appended after it.
# The metadata columns are $meta when the caller sets it.
rl_conf_two() {
    local meta="${meta:-[_kafka_topic, _kafka_partition, _kafka_offset]}" odc=""
    [ -n "${4:-}" ] && odc=", delta-config: $4"
    rl_conf_head "$1"
    cat <<EOF
dlq: {topic: dlq}
topics:
  events:
    kafka-topic: user-events
    metadata-columns: $meta
    destination: {table-uri: $work/events, partition-columns: [event_type]}
    processing: $2
  orders:
    kafka-topic: orders
    metadata-columns: $meta
    destination: {table-uri: $work/orders$odc}
    processing: $3
EOF
}

# ------------------------------------------------------------------ daemons

# rl_daemon_start ID CONFIG: `lakesink run` in the background, stderr appended to ID.log;
# returns once it serves HTTP (30 s at most).
rl_daemon_start() {
    local id="$1" conf="$2" n0 i
    n0=$(grep -c '"http listening"' "$work/$id.log" 2>/dev/null)
    "$LAKESINK" run --config "$conf" >>"$work/$id.out" 2>>"$work/$id.log" &
    RL_DPID[$id]=$!
    rl_pids+=($!)
    for i in $(seq 1 300); do
        if [ "$(grep -c '"http listening"' "$work/$id.log")" -gt "${n0:-0}" ]; then return 0; fi
        rl_alive "${RL_DPID[$id]}" || break
        sleep 0.1
    done
    fail "daemon $id did not start serving HTTP"
    tail -5 "$work/$id.log" | sed 's/^/    /'
    return 1
}
rl_pid() { echo "${RL_DPID[$1]}"; }
# rl_port ID: its HTTP port (the newest, since a fenced daemon restarts in-process)
rl_port() { grep '"http listening"' "$work/$1.log" | tail -1 | sed 's/.*"port":"\([0-9]*\)".*/\1/'; }
rl_get() { curl -s -m 10 "http://127.0.0.1:$(rl_port "$1")/$2"; }
rl_code() { curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(rl_port "$1")/$2"; }

# rl_daemon_stop ID [TIMEOUT]: SIGTERM and wait; RL_RC = exit status (124 if it outlived
# TIMEOUT seconds and was killed), RL_SECS = seconds it took
rl_daemon_stop() {
    local pid="${RL_DPID[$1]}" lim="${2:-60}" t0=$SECONDS
    kill -TERM "$pid" 2>/dev/null
    while rl_alive "$pid" && [ $((SECONDS - t0)) -lt "$lim" ]; do sleep 0.1; done
    if rl_alive "$pid"; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        RL_RC=124
    else
        wait "$pid" 2>/dev/null
        RL_RC=$?
    fi
    RL_SECS=$((SECONDS - t0))
}
rl_daemon_kill9() {
    kill -KILL "${RL_DPID[$1]}" 2>/dev/null
    wait "${RL_DPID[$1]}" 2>/dev/null
}

# ------------------------------------------------------------------ producers and taps

# rl_produce_bg NAME ARGS...: `lakesink produce` in the background, summary in NAME.prod.json
rl_produce_bg() {
    local name="$1"; shift
    "$LAKESINK" produce --brokers "$BROKER" "$@" >"$work/$name.prod.json" 2>"$work/$name.prod.err" &
    RL_PPID[$name]=$!
    rl_pids+=($!)
}
# rl_produce_loop NAME ARGS...: `lakesink produce ARGS` again and again, each summary one line
# of NAME.prod.json, until rl_produce_stop NAME (for phases of unknown length)
rl_produce_loop() {
    local name="$1"; shift
    rm -f "$work/$name.stop"
    (
        while [ ! -e "$work/$name.stop" ]; do
            "$LAKESINK" produce --brokers "$BROKER" "$@" >>"$work/$name.prod.json" \
                2>>"$work/$name.prod.err" || exit 1
        done
    ) &
    RL_PPID[$name]=$!
    rl_pids+=($!)
}
rl_produce_stop() {
    local n
    for n in "$@"; do touch "$work/$n.stop"; done
    rl_produce_wait "$@"
}
# rl_produce_wait NAME...: each producer exits 0 and every summary has no delivery error
rl_produce_wait() {
    local n rc sent
    for n in "$@"; do
        wait "${RL_PPID[$n]}"
        rc=$?
        sent=$(python3 -c 'import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(x["messages"] for x in s) if s and all(x["errors"] == 0 for x in s) else "")' \
            "$work/$n.prod.json" 2>/dev/null)
        if [ "$rc" -eq 0 ] && [ -n "$sent" ]; then
            ok "producer $n delivered $sent messages"
        else
            fail "producer $n: exit $rc: $(head -c 300 "$work/$n.prod.json" "$work/$n.prod.err")"
        fi
    done
}
# rl_tap_start TOPIC: a kcat consumer keeping '%p %o %S' of every message of TOPIC (tap.TOPIC),
# for topics whose old messages the broker may drop before the checks run
rl_tap_start() {
    kcat -C -b "$BROKER" -t "$1" -o beginning -u -q -f '%p %o %S\n' >"$work/tap.$1" 2>/dev/null &
    RL_TPID[$1]=$!
    rl_pids+=($!)
}
# rl_tap_stop TOPIC PARTS: once the tap holds every message below the high watermarks (60 s)
rl_tap_stop() {
    local tap="$work/tap.$1" want
    want=$(rl_py hwsum "$BROKER" "$1:$2")
    for _ in $(seq 1 600); do
        [ "$(wc -l <"$tap")" -ge "$want" ] && break
        sleep 0.1
    done
    kill -TERM "${RL_TPID[$1]}" 2>/dev/null
    wait "${RL_TPID[$1]}" 2>/dev/null
    local have
    have=$(wc -l <"$tap")
    expect "tap of $1 holds all $want messages ($have)" '[ "$have" -eq "$want" ]'
}

# ------------------------------------------------------------------ waiting and reading

# rl_wait DESCRIPTION TIMEOUT PY-EXPR ID...: polls /status of the daemons until PY-EXPR holds
# (j: status of the first ID, js: all of them; helpers parts(j), assigned(j)); ok or fail
rl_wait() {
    local what="$1" lim="$2" expr="$3"; shift 3
    local logs=() id
    for id in "$@"; do logs+=("$work/$id.log"); done
    if rl_py wait "$lim" "$expr" "${logs[@]}" >"$work/wait.out" 2>&1; then ok "$what"; return 0; fi
    fail "$what"; head -c 1500 "$work/wait.out" | sed 's/^/    /'; echo
    return 1
}
# rl_wait_drained TIMEOUT TOPIC:PARTS,... ID...: every partition of the topics is held by one
# of the daemons with committed_offset + 1 = the broker's high watermark, nothing pending
rl_wait_drained() {
    local lim="$1" topics="$2"; shift 2
    local logs=() id
    for id in "$@"; do logs+=("$work/$id.log"); done
    if rl_py drained "$lim" "$BROKER" "$topics" "${logs[@]}" >"$work/wait.out" 2>&1; then
        ok "drained $topics ($(cat "$work/wait.out"))"; return 0
    fi
    fail "not drained within $lim s: $topics"; head -c 1500 "$work/wait.out" | sed 's/^/    /'; echo
    return 1
}
# rl_metric ID NAME [LABEL=VALUE...]: the sum of the matching series of /metrics (or nothing)
rl_metric() { local id="$1"; shift; rl_py metric "$work/$id.log" "$@"; }
# rl_hw TOPIC:PARTS,...: {"topic:p": high watermark} as JSON
rl_hw() { rl_py hw "$BROKER" "$1"; }

# ------------------------------------------------------------------ checks

# rl_eo DESCRIPTION ARGS...: eo_check.py (the exactly-once check) with these arguments
rl_eo() {
    local what="$1"; shift
    if python3 "$RL_EO" --lakesink "$LAKESINK" --brokers "$BROKER" "$@" >"$work/eo.out" 2>&1; then
        ok "$what ($(tail -1 "$work/eo.out"))"
    else
        fail "$what"; grep -v '^ok ' "$work/eo.out" | head -40 | sed 's/^/    /'
    fi
}
# rl_delta_check DESCRIPTION DIR: the independent Delta checker (log replay, stats vs DuckDB)
rl_delta_check() {
    if node "$RL_CHK" "$2" --require-stats >"$work/chk.out" 2>&1; then
        ok "$1 ($(tail -1 "$work/chk.out"))"
    else
        fail "$1"; grep -E '^FAIL|passed' "$work/chk.out" | head -12 | sed 's/^/    /'
    fi
}
# rl_s3_get BUCKET PREFIX DIR: copies an S3 table to a local folder (for the local checkers)
rl_s3_get() { rl_py s3get "$ENDPOINT" "$1" "$2" "$3"; }
# rl_rss_sampler PID OUT: samples VmRSS (kB) every 100 ms until PID ends; OUT gets "peak N"
rl_rss_sampler() {
    rl_py rss "$1" "$2" &
    rl_pids+=($!)
}
# rl_log_count ID MSG: how many log lines of daemon ID have this "msg"
rl_log_count() { grep -c "\"msg\":\"$2\"" "$work/$1.log"; }

# rl_py COMMAND ARGS...: the Python side of the helpers above
rl_py() {
    python3 - "$@" <<'PY'
import json, os, re, subprocess, sys, time, urllib.request

def port(log):
    p = None
    try:
        for line in open(log, errors="replace"):
            if '"http listening"' in line:
                p = re.search(r'"port":"(\d+)"', line).group(1)
    except OSError:
        pass
    return p

def get(log, path):
    p = port(log)
    if p is None:
        return None
    try:
        with urllib.request.urlopen("http://127.0.0.1:%s/%s" % (p, path), timeout=5) as r:
            return r.read().decode()
    except Exception:
        return None

def status(log):
    t = get(log, "status")
    try:
        return json.loads(t) if t else None
    except ValueError:
        return None

def parts(j):
    """(topic, partition) -> partition entry over all tables of one status."""
    res = {}
    for t in (j or {}).get("tables", []):
        for p in t["partitions"]:
            res[(p["topic"], p["partition"])] = p
    return res

def assigned(j):
    return sorted(k for k, p in parts(j).items() if p["assigned"])

def topics_of(spec):
    res = {}
    for s in spec.split(","):
        name, _, n = s.rpartition(":")
        res[name] = int(n)
    return res

def hw(brokers, spec, which=-1):
    cmd = ["kcat", "-Q", "-b", brokers]
    for t, n in topics_of(spec).items():
        cmd += sum([["-t", "%s:%d:%d" % (t, p, which)] for p in range(n)], [])
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30).stdout
    res = {}
    for line in out.decode().splitlines():
        m = re.match(r"^(\S+) \[(\d+)\] offset (-?\d+)$", line.strip())
        if m:
            res[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return res

def wait(lim, expr, logs):
    deadline = time.time() + float(lim)
    js, last = [], None
    code = compile("(" + expr + ")", "condition", "eval")
    while time.time() < deadline:
        js = [status(l) for l in logs]
        try:
            if all(j is not None for j in js) and eval(code, {"j": js[0], "js": js, "parts": parts,
                                                              "assigned": assigned}):
                return 0
        except Exception as e:
            last = e
        time.sleep(0.3)
    print("last error: %r" % last if last else "")
    print("assigned: %s" % [assigned(j) for j in js])
    print("last status: " + json.dumps(js)[:1200])
    return 1

def drained(lim, brokers, spec, logs):
    deadline = time.time() + float(lim)
    why = ""
    while time.time() < deadline:
        h = hw(brokers, spec)
        js = [status(l) for l in logs]
        held = {}
        pending = 0
        for j in js:
            if j is None:
                continue
            for k, p in parts(j).items():
                if p["assigned"]:
                    held[k] = max(held.get(k, -1), p["committed_offset"] + 1)
            pending += sum(t["pending_rows"] + t["pending_messages"] for t in j["tables"])
        behind = {"%s[%d]" % k: (held.get(k), v) for k, v in h.items() if held.get(k) != v}
        if h and not behind and pending == 0:
            print("%d partitions, %d messages" % (len(h), sum(h.values())))
            return 0
        why = "behind (held, high watermark): %s; pending %d" % (
            json.dumps(dict(list(behind.items())[:12])), pending)
        time.sleep(0.5)
    print(why)
    return 1

def metric(log, name, labels):
    text = get(log, "metrics")
    if text is None:
        return 1
    want = dict(l.split("=", 1) for l in labels)
    total, found = 0.0, False
    for line in text.splitlines():
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)$', line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        if all(have.get(k) == v for k, v in want.items()):
            total += float(m.group(4))
            found = True
    if not found:
        return 1
    print(int(total) if total == int(total) else total)
    return 0

def s3get(endpoint, bucket, prefix, out):
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="test", aws_secret_access_key="test",
                      config=Config(s3={"addressing_style": "path"}))
    pre = prefix.rstrip("/") + "/"
    n = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=pre):
        for o in page.get("Contents", []):
            dest = os.path.join(out, o["Key"][len(pre):])
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            s3.download_file(bucket, o["Key"], dest)
            n += 1
    print(n)
    return 0 if n else 1

def rss(pid, out):
    peak, samples = 0, []
    t0 = time.time()
    while True:
        try:
            for line in open("/proc/%s/status" % pid):
                if line.startswith("VmRSS:"):
                    kb = int(line.split()[1])
                    peak = max(peak, kb)
                    samples.append((round(time.time() - t0, 2), kb))
        except OSError:
            break
        with open(out, "w") as f:
            f.write("peak %d\nsamples %d\n" % (peak, len(samples)))
            f.write("".join("%s %d\n" % s for s in samples[-5:]))
        time.sleep(0.1)
    return 0

cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "wait":
    sys.exit(wait(a[0], a[1], a[2:]))
elif cmd == "drained":
    sys.exit(drained(a[0], a[1], a[2], a[3:]))
elif cmd == "metric":
    sys.exit(metric(a[0], a[1], a[2:]))
elif cmd == "hw":
    print(json.dumps({"%s:%d" % k: v for k, v in sorted(hw(a[0], a[1]).items())}))
elif cmd == "hwsum":
    print(sum(hw(a[0], a[1]).values()))
elif cmd == "lwmax":
    print(max(hw(a[0], a[1], -2).values()))
elif cmd == "status":
    print(json.dumps(status(a[0])))
elif cmd == "s3get":
    sys.exit(s3get(*a))
elif cmd == "rss":
    sys.exit(rss(a[0], a[1]))
PY
}
