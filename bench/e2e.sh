#!/usr/bin/env bash
# End-to-end benchmark of `lakesink run` (Kafka → Delta) beside a bare librdkafka consumer
# (bench_consume), on the local mock broker (`lakesink broker`), in one run:
#  1. throughput: MESSAGES user events (~280 B) are produced once into PARTITIONS
#     partitions; then, alternating RUNS times, bench_consume and `lakesink run` (fresh group,
#     fresh table, batch-size 500000, flush-interval 1s, 2 workers, zstd) read that backlog.
#     Both are timed from process start: bench_consume to its N-th message, lakesink to the
#     first /status (polled every 50 ms) with rows_committed == N. Both are also timed from
#     the moment partitions were assigned (the mock broker's group join takes a fixed ~3 s).
#     Every run is verified: the bare consumer's offsets and the table's
#     (_kafka_partition, _kafka_offset) rows must run from 0 without gap or repeat.
#  2. latency: the daemon (flush-interval 200ms, batch-size 50000) reads a second topic while
#     `lakesink produce --rate RATE` writes to it for SECONDS seconds; each row's
#     produce→visible latency is the commitInfo.timestamp of the Delta version that added
#     its file minus its _kafka_timestamp (the producer's CreateTime).
# Prints medians, peak RSS and ratios in one table. Builds nothing.
# Usage: bench/e2e.sh [BUILD_DIR]   env: MESSAGES (1000000) RUNS (3) RATE (50000)
#        SECONDS (20) PARTITIONS (default: at least 64, and enough for ~4 MB each; RUNS=0 runs
#        only the latency part)
#        FETCH_WAIT_MS (10: fetch.wait.max.ms of the latency run, see there)
set -euo pipefail
# SECONDS is also bash's own clock: read the caller's value before the shell moves it.
lat_secs="$(printenv SECONDS || true)"
lat_secs="${lat_secs:-20}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
runs="${RUNS:-3}"
messages="${MESSAGES:-1000000}"
rate="${RATE:-50000}"
fetch_wait="${FETCH_WAIT_MS:-10}"
# The mock broker keeps ~5 MB per partition: stay under ~4 MB (about 280 B per message).
min_parts=$(( (messages * 280 + 3999999) / 4000000 ))
partitions="${PARTITIONS:-$(( min_parts > 64 ? min_parts : 64 ))}"
ls_bin="$build/lakesink"
bare_bin="$build/bench/bench_consume"
for b in "$ls_bin" "$bare_bin"; do
    [ -x "$b" ] || { echo "e2e.sh: $b is missing: build first (cmake --build $build)" >&2; exit 1; }
done
command -v python3 >/dev/null || { echo "e2e.sh: python3 is needed" >&2; exit 1; }
data="$build/bench-e2e"
rm -rf "$data"
mkdir -p "$data"
broker_pid="" bare_pid=""
cleanup() {
    for pid in $bare_pid $broker_pid; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
}
die() { # MESSAGE [FILE...]: print the message and the files, exit 1
    echo "e2e.sh: $1" >&2
    shift
    [ $# -eq 0 ] || cat "$@" >&2
    exit 1
}
trap cleanup EXIT

# ------------------------------------------------------------------ helpers (python)
# run_daemon.py MODE LAKESINK CONFIG N ERRLOG [PRODUCE-ARGS...]: start `lakesink run`, poll
# /status every 50 ms, sample peak RSS (VmHWM) and CPU time from /proc; in mode "latency"
# start the producer once partitions are assigned. SIGTERM once rows_committed == N.
cat >"$data/run_daemon.py" <<'PY'
import json, os, re, signal, subprocess, sys, time, urllib.request
mode, ls, cfg, n, errlog = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
prod_args = sys.argv[6:]
t0 = time.monotonic()
p = subprocess.Popen([ls, "run", "--config", cfg], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=open(errlog, "w"))
res = {"ok": False}
def proc_sample():
    try:
        hwm = int(re.search(r"VmHWM:\s+(\d+)", open(f"/proc/{p.pid}/status").read()).group(1))
        st = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
        cpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
        res["peak_rss_mb"] = round(hwm / 1024)
        res["cpu_s"] = round(cpu, 2)
    except (OSError, AttributeError, IndexError, ValueError):
        pass
def fail(why):
    res["error"] = why
    p.kill()
    p.wait()
    print(json.dumps(res))
    sys.exit(1)
port = None
while port is None:
    m = re.search(r'"http listening","port":"(\d+)"', open(errlog).read())
    if m:
        port = int(m.group(1))
    elif p.poll() is not None or time.monotonic() - t0 > 20:
        fail("the daemon did not start (see %s)" % errlog)
    else:
        time.sleep(0.02)
url = "http://127.0.0.1:%d/status" % port
prod = None
deadline = t0 + 120 + n / 20000.0  # generous: 1 M rows -> 170 s
while True:
    now = time.monotonic()
    if now > deadline or p.poll() is not None:
        fail("no rows_committed == %d before the deadline or the daemon exited" % n)
    try:
        st = json.load(urllib.request.urlopen(url, timeout=2))
    except (OSError, ValueError):
        time.sleep(0.05)
        continue
    proc_sample()
    t = st["tables"][0]
    parts = t.get("partitions", [])
    if "assigned_s" not in res and any(x.get("assigned") for x in parts):
        res["assigned_s"] = round(now - t0, 3)
        if mode == "latency":
            prod = subprocess.Popen([ls, "produce"] + prod_args, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    if "consumed_s" not in res and sum(max(x.get("next_offset", 0), 0) for x in parts) >= n:
        res["consumed_s"] = round(now - t0, 3)
    if "consumed_s" in res and now - t0 - res["consumed_s"] > 30:
        fail("every offset consumed 30 s ago but %d of %d rows committed: messages lost"
             " (the broker's retention?)" % (t["rows_committed"], n))
    if t["rows_committed"] >= n:
        res["seconds"] = round(now - t0, 3)
        res["rows_committed"] = t["rows_committed"]
        res["commits"] = t["commits"]
        res["files"] = t["files_committed"]
        break
    time.sleep(0.05)
if prod is not None:
    out, _ = prod.communicate(timeout=60)
    res["produce"] = json.loads(out.decode() or "{}")
try:  # kept beside the log for a closer look (commit durations, ...)
    with open(errlog + ".metrics", "wb") as f:
        f.write(urllib.request.urlopen(url.replace("/status", "/metrics"), timeout=2).read())
except OSError:
    pass
p.send_signal(signal.SIGTERM)
while p.poll() is None and time.monotonic() - t0 < res["seconds"] + 60:
    proc_sample()
    time.sleep(0.02)
if p.poll() is None:
    fail("the daemon did not stop within 60 s of SIGTERM")
res["exit"] = p.returncode
res["ok"] = p.returncode == 0
print(json.dumps(res))
PY

# check_rows.py N: NDJSON rows with _kafka_partition/_kafka_offset on stdin must hold, per
# partition, the offsets 0..k-1 exactly once, N rows in all.
cat >"$data/check_rows.py" <<'PY'
import json, sys
n = int(sys.argv[1])
seen = {}
rows = 0
for line in sys.stdin:
    r = json.loads(line)
    seen.setdefault(r["_kafka_partition"], []).append(r["_kafka_offset"])
    rows += 1
bad = [p for p, offs in seen.items() if sorted(offs) != list(range(len(offs)))]
print(json.dumps({"rows": rows, "partitions": len(seen), "bad_partitions": bad[:5]}))
sys.exit(0 if rows == n and not bad else 1)
PY

# latency.py LAKESINK TABLE N: per row, commitInfo.timestamp of the version that added its
# file minus its _kafka_timestamp; p50/p99/max in ms. Offsets are checked as above.
cat >"$data/latency.py" <<'PY'
import calendar, glob, json, os, subprocess, sys
ls, table, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
added = []  # (commit ms, file path, index of the commit among those adding files)
for f in sorted(glob.glob(os.path.join(table, "_delta_log", "*.json"))):
    acts = [json.loads(l) for l in open(f) if l.strip()]
    ci = next((a["commitInfo"] for a in acts if "commitInfo" in a), {})
    ts = ci.get("inCommitTimestamp", ci.get("timestamp"))
    k = added[-1][2] + 1 if added else 0
    added += [(ts, a["add"]["path"], k) for a in acts if "add" in a]
hours = {}
def ms_of(s):  # "YYYY-MM-DDTHH:MM:SS.ffffffZ"
    h = hours.get(s[:13])
    if h is None:
        h = hours[s[:13]] = calendar.timegm((int(s[:4]), int(s[5:7]), int(s[8:10]),
                                             int(s[11:13]), 0, 0)) * 1000
    return h + int(s[14:16]) * 60000 + int(s[17:19]) * 1000 + int(s[20:26]) / 1000.0
lat, later, seen = [], [], {}  # later: rows after the first commit (which creates the table)
for ts, path, k in added:
    out = subprocess.run([ls, "parquet", "cat", os.path.join(table, path), "--columns",
                          "_kafka_partition,_kafka_offset,_kafka_timestamp"],
                         check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        r = json.loads(line)
        lat.append(ts - ms_of(r["_kafka_timestamp"]))
        if k > 0:
            later.append(lat[-1])
        seen.setdefault(r["_kafka_partition"], []).append(r["_kafka_offset"])
lat.sort()
later.sort()
bad = [p for p, offs in seen.items() if sorted(offs) != list(range(len(offs)))]
pct = lambda xs, q: round(xs[min(len(xs) - 1, int(q * len(xs)))]) if xs else -1
print(json.dumps({"rows": len(lat), "files": len(added), "p50_ms": pct(lat, 0.5),
                  "p99_ms": pct(lat, 0.99), "max_ms": pct(lat, 1), "first_commit_rows":
                  len(lat) - len(later), "later_p50_ms": pct(later, 0.5), "later_p99_ms":
                  pct(later, 0.99), "later_max_ms": pct(later, 1), "bad_partitions": bad[:5]}))
sys.exit(0 if len(lat) == n and not bad else 1)
PY

# field NAME from a one-line JSON object on stdin
field() { python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"; }
# CPU seconds (user + system) a process has used so far
cpu_of() {
    awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /, ""); printf "%.2f", ($12 + $13) / t}' \
        "/proc/$1/stat"
}

# daemon_config FILE TOPIC GROUP TABLE BATCH FLUSH METADATA-COLUMNS [EXTRA-KAFKA-PROPERTIES]
daemon_config() {
    cat >"$1" <<EOF
kafka:
  brokers: $bootstrap
  group-id: $3
  starting-offsets: earliest
  properties: {session.timeout.ms: "6000", heartbeat.interval.ms: "500",
               max.poll.interval.ms: "10000"${8:-}}
http: {listen: "127.0.0.1:0"}
memory: {budget: 256M}
workers: 2
shutdown-timeout: 30s
topics:
  $2:
    kafka-topic: $2
    metadata-columns: [$7]
    destination:
      table-uri: $4
      delta-config: {compression: zstd}
    processing: {batch-size: $5, flush-interval: $6}
EOF
}

# ------------------------------------------------------------------ broker + backlog
"$ls_bin" broker --topics "events:$partitions,lat:64" >"$data/broker.json" 2>"$data/broker.err" &
broker_pid=$!
for _ in $(seq 1 100); do
    [ -s "$data/broker.json" ] && break
    sleep 0.1
done
bootstrap=$(field bootstrap <"$data/broker.json")
[ -n "$bootstrap" ] || die "the broker did not start" "$data/broker.err"
bytes=0
if [ "$runs" -gt 0 ]; then
    echo "broker $bootstrap; producing $messages user events into $partitions partitions" >&2
    "$ls_bin" produce --brokers "$bootstrap" --topic events --count "$messages" \
        --template user-events >"$data/produce.json"
    bytes=$(field bytes <"$data/produce.json")
fi

# ------------------------------------------------------------------ 1. throughput
# Each run leaves bareN.json / lsN.json (the tools' summaries) with the broker's CPU seconds
# meanwhile added as broker_cpu_s.
with_broker_cpu() { # FILE CPU-BEFORE: add the broker's CPU since CPU-BEFORE to FILE's object
    python3 - "$1" "$2" "$(cpu_of "$broker_pid")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
j["broker_cpu_s"] = round(float(sys.argv[3]) - float(sys.argv[2]), 2)
json.dump(j, open(sys.argv[1], "w"))
PY
}
for i in $(seq 1 "$runs"); do
    out="$data/bare$i.json"
    c0=$(cpu_of "$broker_pid")
    "$bare_bin" --brokers "$bootstrap" --topic events --count "$messages" \
        --group "bare-$i-$$" >"$out" 2>"$data/bare$i.err" ||
        die "bare consumer run $i failed or saw an offset gap:" "$out" "$data/bare$i.err"
    with_broker_cpu "$out" "$c0"

    tbl="$data/table$i"
    daemon_config "$data/run$i.yaml" events "lakesink-$i-$$" "$tbl" 500000 1s \
        "_kafka_partition, _kafka_offset"
    out="$data/ls$i.json"
    c0=$(cpu_of "$broker_pid")
    python3 "$data/run_daemon.py" throughput "$ls_bin" "$data/run$i.yaml" "$messages" \
        "$data/ls$i.err" >"$out" ||
        die "lakesink run $i failed:" "$out" "$data/ls$i.err"
    with_broker_cpu "$out" "$c0"
    "$ls_bin" table scan "$tbl" --columns _kafka_partition,_kafka_offset |
        python3 "$data/check_rows.py" "$messages" >"$data/ls$i.check" ||
        die "table of run $i: rows missing or repeated:" "$data/ls$i.check"
    echo "run $i/$runs: bare $(field seconds <"$data/bare$i.json") s," \
        "lakesink $(field seconds <"$out") s" >&2
done

# ------------------------------------------------------------------ 2. latency
count=$((rate * lat_secs))
echo "latency: $count messages at $rate msgs/s" >&2
# The mock broker holds a Fetch that finds no data for the whole fetch.wait.max.ms (500 ms by
# default) even when data arrives meanwhile; a real broker answers once fetch.min.bytes are
# there. A short wait keeps that artefact out of the latency figures (FETCH_WAIT_MS=500 shows it).
daemon_config "$data/lat.yaml" lat "lakesink-lat-$$" "$data/lat_table" 50000 200ms \
    "_kafka_partition, _kafka_offset, _kafka_timestamp" ", fetch.wait.max.ms: \"$fetch_wait\""
# The bare consumer reads the same stream at the same time (its own group): how late
# messages reach any consumer of this broker is the floor under the daemon's latency.
"$bare_bin" --brokers "$bootstrap" --topic lat --count "$count" --group "bare-lat-$$" \
    --latency 1 --timeout $((lat_secs + 180)) -X "fetch.wait.max.ms=$fetch_wait" \
    >"$data/bare_lat.json" 2>"$data/bare_lat.err" &
bare_pid=$!
for _ in $(seq 1 300); do
    grep -q assigned "$data/bare_lat.err" && break
    sleep 0.05
done
python3 "$data/run_daemon.py" latency "$ls_bin" "$data/lat.yaml" "$count" "$data/lat.err" \
    --brokers "$bootstrap" --topic lat --count "$count" --rate "$rate" \
    --template user-events >"$data/lat_run.json" ||
    die "latency run failed:" "$data/lat_run.json" "$data/lat.err"
wait "$bare_pid" || die "bare consumer (latency) failed:" "$data/bare_lat.json" "$data/bare_lat.err"
bare_pid=""
python3 "$data/latency.py" "$ls_bin" "$data/lat_table" "$count" >"$data/lat.json" ||
    die "latency table: rows missing or repeated:" "$data/lat.json"

# ------------------------------------------------------------------ report
load="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$data" "$runs" "$messages" "$bytes" "$partitions" "$rate" "$(nproc)" "$load" \
    "$fetch_wait" <<'PY'
import json, statistics, sys
data, runs, n, nbytes, parts, rate, ncpu, load, fetch_wait = sys.argv[1:]
runs, n, nbytes = int(runs), int(n), int(nbytes)
med = lambda xs: statistics.median(xs)
def load_runs(prefix):
    return [json.load(open("%s/%s%d.json" % (data, prefix, i))) for i in range(1, runs + 1)]
cols = ("what", "msgs/s", "MB/s", "msgs/s*", "MB/s*", "RSS MB", "CPU s", "ratio", "ratio*",
        "p50 ms", "p99 ms", "max ms")
fmt = "%-46s %9s %6s %9s %6s %6s %6s %6s %6s %7s %7s %7s"
rows = []
if runs > 0:
    bare, ls = load_runs("bare"), load_runs("ls")
    def rates(js, end):  # medians of the end time and of the assignment time
        s, a = med([j[end] for j in js]), med([j["assigned_s"] for j in js])
        return n / s, nbytes / 1e6 / s, n / (s - a), nbytes / 1e6 / (s - a)
    b = rates(bare, "seconds")
    for what, js, end in (("bare librdkafka consumer (counts only)", bare, "seconds"),
                          ("lakesink run, to all rows committed", ls, "seconds"),
                          ("lakesink run, to all rows consumed", ls, "consumed_s")):
        r = rates(js, end)
        rows.append((what, "%.0f" % r[0], "%.1f" % r[1], "%.0f" % r[2], "%.1f" % r[3],
                     "%.0f" % med([j["peak_rss_mb"] for j in js]),
                     "%.2f" % med([j["cpu_s"] for j in js]), "%.2f" % (r[0] / b[0]),
                     "%.2f" % (r[2] / b[2]), "-", "-", "-"))
    print("Kafka -> Delta, %d user events (%d MB) in %s partitions of the local mock broker;"
          " %s CPUs, load %s; %d runs each, medians"
          % (n, nbytes // 1000000, parts, ncpu, load, runs))
lat, lr = json.load(open(data + "/lat.json")), json.load(open(data + "/lat_run.json"))
prod = lr["produce"]
bl = json.load(open(data + "/bare_lat.json"))
rows.append(("bare consumer at %s msgs/s: produce->consumed" % rate, "-", "-", "-", "-",
             "%.0f" % bl["peak_rss_mb"], "%.2f" % bl["cpu_s"], "-", "-", "%.0f" % bl["lat_p50_ms"],
             "%.0f" % bl["lat_p99_ms"], "%.0f" % bl["lat_max_ms"]))
rows.append(("lakesink run at %s msgs/s: produce->visible" % rate,
             "%.0f" % (prod["messages"] / prod["seconds"]),
             "%.1f" % (prod["bytes"] / 1e6 / prod["seconds"]), "-", "-", str(lr["peak_rss_mb"]),
             "%.2f" % lr["cpu_s"], "-", "-", str(lat["p50_ms"]), str(lat["p99_ms"]),
             str(lat["max_ms"])))
rows.append(("  the same, rows after the first commit", "-", "-", "-", "-", "-", "-", "-", "-",
             str(lat["later_p50_ms"]), str(lat["later_p99_ms"]), str(lat["later_max_ms"])))
print(fmt % cols)
for r in rows:
    print(fmt % r)
print("* = counted from the partition assignment (leaves out the mock broker's fixed ~3 s group"
      " join); ratio = lakesink / bare consumer; CPU = the process's user + system seconds")
if runs > 0:
    print("medians: bare start->assigned %.2f s, ->N-th message %.2f s, broker CPU %.2f s |"
          " lakesink start->assigned %.2f s, ->all consumed %.2f s, ->all committed %.2f s,"
          " %d commits, broker CPU %.2f s" % (
              med([j["assigned_s"] for j in bare]), med([j["seconds"] for j in bare]),
              med([j["broker_cpu_s"] for j in bare]), med([j["assigned_s"] for j in ls]),
              med([j["consumed_s"] for j in ls]), med([j["seconds"] for j in ls]),
              med([j["commits"] for j in ls]), med([j["broker_cpu_s"] for j in ls])))
    pair = lambda j: n / (j["seconds"] - j["assigned_s"])
    print("each run's ratio* (lakesink committed / the bare run just before it): " +
          " ".join("%.2f" % (pair(l) / pair(b)) for b, l in zip(bare, ls)))
print("latency: %d rows in %d files, %s commits (the first, creating the table from the schema"
      " inferred from the first messages, holds %d rows); produce->visible = commitInfo.timestamp"
      " of the version adding the row's file - the row's _kafka_timestamp (CreateTime);"
      " produce->consumed = arrival at the bare consumer - CreateTime; both consumers with"
      " fetch.wait.max.ms=%s" % (
          lat["rows"], lat["files"], lr["commits"], lat["first_commit_rows"], fetch_wait))
PY
