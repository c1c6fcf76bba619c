#!/usr/bin/env python3
"""eo_check.py — the exactly-once check of Delta tables written by `lakesink run`.

  eo_check.py --lakesink BIN --brokers HOST:PORT --app-id ID
              --topic NAME:PARTITIONS ...      every partition of these topics is accounted for
              --table DIR=TOPIC[,TOPIC...] ... local table folders and the topics each one takes
              [--tap TOPIC[=FILE]] ...         null-valued messages of TOPIC are tombstones; FILE
                                               is a kcat '%p %o %S' dump (else TOPIC is read now)
              [--dlq-topic T] [--dlq-exact]    dead letters, found by their lakesink.source.*
                                               headers; --dlq-exact: no dead letter twice
              [--expect-dlq N]                 exactly N offsets dead-lettered
              [--produced FILE] ...            `lakesink produce` summaries (one a line): per
                                               partition they add up to the high watermark
              [--not-drained]                  the tables need not hold every offset yet: each
                                               partition is accounted for up to its txn
              [--summary FILE]                 figures per table and partition, as JSON ("upto":
                                               the offsets accounted for are 0 .. upto - 1)
              [--dump-dlq FILE]                the dead letters as JSON lines (hex key/value)

What it holds the tables to, using only the Delta log (read here), `lakesink parquet cat` on
each data file, `lakesink table scan` and kcat (the broker's view):
  - each table's commits are contiguous from version 0, one JSON action per line;
  - per appId "<app-id>-<topic>-<partition>", txn versions never move back, and every row a
    commit adds (by its _kafka_topic/_kafka_partition/_kafka_offset) lies above the previous
    txn version and at or below the txn version of the same commit;
  - numRecords of an add equals the rows its file holds;
  - `table scan` returns exactly the rows of the live files;
  - across all tables, dead letters and tombstones, each offset of each partition below the
    high watermark appears exactly once, and nothing appears at or above it;
  - once drained, the last txn version of each partition in its table is high watermark - 1.
Not responsible for: the data's values (the tests check what they need), Parquet or stats
correctness (delta_check.js), S3 (the caller downloads an S3 table first).
Prints one line per failure (capped), then "eo_check: N passed, M failed"; exit 1 on failure.
"""
import argparse
import array
import json
import os
import re
import subprocess
import sys
import urllib.parse

KCOLS = "_kafka_topic,_kafka_partition,_kafka_offset"
SOURCE_HEADERS = ("lakesink.error.reason", "lakesink.error.time", "lakesink.source.topic",
                  "lakesink.source.partition", "lakesink.source.offset", "lakesink.table")


class Ledger:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.shown = {}

    def ok(self, what):
        self.passed += 1
        if os.environ.get("LS_VERBOSE"):
            print("ok   " + what)

    def fail(self, what, group=None, cap=10):
        """Counts a failure; prints at most @cap lines per group."""
        self.failed += 1
        g = group or what
        n = self.shown.get(g, 0)
        self.shown[g] = n + 1
        if n < cap:
            print("FAIL " + what)
        elif n == cap:
            print("FAIL ... (more like: %s)" % g)

    def check(self, cond, what):
        if cond:
            self.ok(what)
        else:
            self.fail(what)
        return cond


def run(cmd, timeout=300):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd[:4]), p.returncode,
                                                  p.stderr.decode(errors="replace")[:300]))
    return p.stdout


def ranges(offsets):
    """[3,4,5,9] -> '3-5,9' (for messages about missing offsets)."""
    out, start, prev = [], None, None
    for o in sorted(offsets):
        if start is None:
            start = prev = o
        elif o == prev + 1:
            prev = o
        else:
            out.append(str(start) if start == prev else "%d-%d" % (start, prev))
            start = prev = o
    if start is not None:
        out.append(str(start) if start == prev else "%d-%d" % (start, prev))
    text = ",".join(out)
    return text if len(text) < 200 else text[:200] + "..."


# ------------------------------------------------------------------ the broker's view

def watermarks(brokers, topics, which):
    """{(topic, partition): offset} for which=-1 (high) or -2 (low), from kcat -Q."""
    cmd = ["kcat", "-Q", "-b", brokers]
    for t, n in topics.items():
        for p in range(n):
            cmd += ["-t", "%s:%d:%d" % (t, p, which)]
    out = run(cmd, 60).decode()
    res = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+) \[(\d+)\] offset (-?\d+)$", line.strip())
        if m:
            res[(m.group(1), int(m.group(2)))] = int(m.group(3))
    return res


def read_tap(text):
    """kcat '%p %o %S' lines -> {partition: (set of offsets seen, set of null offsets)}."""
    res = {}
    for line in text.splitlines():
        f = line.split()
        if len(f) != 3:
            continue
        seen, nulls = res.setdefault(int(f[0]), (set(), set()))
        seen.add(int(f[1]))
        if f[2] == "-1":
            nulls.add(int(f[1]))
    return res


def read_topic_tap(brokers, topic):
    out = run(["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q",
               "-f", "%p %o %S\\n"], 120)
    return read_tap(out.decode())


def read_dlq(brokers, topic):
    """Dead letters as dicts: partition, offset, key/value (bytes or None), headers (list)."""
    out = run(["kcat", "-C", "-b", brokers, "-t", topic, "-o", "beginning", "-e", "-q", "-J"], 120)
    res = []
    # kcat writes key and payload bytes as they are inside JSON strings: surrogateescape
    # keeps bytes that are not UTF-8, and encoding back gives the original bytes.
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        if not line.strip():
            continue
        j = json.loads(line)
        h = j.get("headers") or []
        enc = (lambda s: None if s is None else s.encode("utf-8", "surrogateescape"))
        res.append({"partition": j["partition"], "offset": j["offset"], "key": enc(j.get("key")),
                    "value": enc(j.get("payload")),
                    "headers": [(h[i], h[i + 1]) for i in range(0, len(h) - 1, 2)]})
    return res


# ------------------------------------------------------------------ the tables

def log_versions(table, led):
    logdir = os.path.join(table, "_delta_log")
    try:
        names = os.listdir(logdir)
    except OSError as e:
        led.fail("%s: no _delta_log (%s)" % (table, e))
        return []
    vs = sorted(int(n[:20]) for n in names if re.match(r"^\d{20}\.json$", n))
    led.check(vs and vs == list(range(0, vs[-1] + 1)),
              "%s: commits contiguous from 0 (have %s)" % (table, ranges(vs)))
    return vs


def read_commit(table, v, led):
    path = os.path.join(table, "_delta_log", "%020d.json" % v)
    acts = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                acts.append(json.loads(line))
            except ValueError as e:
                led.fail("%s: line %d is not JSON: %s" % (path, n, e))
    return acts


def file_rows(lakesink, table, rel):
    """(topic, partition, offset) of each row of one data file."""
    path = os.path.join(table, urllib.parse.unquote(rel))
    out = run([lakesink, "parquet", "cat", path, "--columns", KCOLS])
    rows = []
    for line in out.splitlines():
        r = json.loads(line)
        rows.append((r["_kafka_topic"], r["_kafka_partition"], r["_kafka_offset"]))
    return rows


class TableState:
    def __init__(self, path, topics):
        self.path = path
        self.topics = topics
        self.version = -1
        self.txn = {}       # appId -> last version
        self.live = {}      # data file path -> rows
        self.files_added = 0


def replay_table(ts, app_id, lakesink, led):
    """Replays the log, checking each commit's rows against its txn actions."""
    vs = log_versions(ts.path, led)
    bad_attr = 0
    for v in vs:
        acts = read_commit(ts.path, v, led)
        txns = {a["txn"]["appId"]: a["txn"]["version"] for a in acts if "txn" in a}
        for app, ver in txns.items():
            if app in ts.txn and ver < ts.txn[app]:
                led.fail("%s v%d: txn %s moves back from %d to %d" % (ts.path, v, app, ts.txn[app], ver),
                         "txn moves back")
        for a in acts:
            if "remove" in a:
                ts.live.pop(a["remove"]["path"], None)
        for a in acts:
            if "add" not in a:
                continue
            add = a["add"]
            try:
                rows = file_rows(lakesink, ts.path, add["path"])
            except (RuntimeError, ValueError, KeyError) as e:
                led.fail("%s v%d: cannot read %s: %s" % (ts.path, v, add["path"], e), "unreadable file")
                continue
            ts.files_added += 1
            ts.live[add["path"]] = rows
            stats = json.loads(add["stats"]) if add.get("stats") else {}
            if "numRecords" in stats and stats["numRecords"] != len(rows):
                led.fail("%s v%d: %s numRecords %d, file holds %d rows" %
                         (ts.path, v, add["path"], stats["numRecords"], len(rows)), "numRecords")
            if add.get("dataChange") is False:
                continue  # a rewrite of rows committed before (optimize)
            for (t, p, o) in rows:
                app = "%s-%s-%d" % (app_id, t, p)
                lo, hi = ts.txn.get(app, -1), txns.get(app)
                if hi is None or not lo < o <= hi:
                    bad_attr += 1
                    led.fail("%s v%d: row %s[%d]@%d, but the commit moves txn %s from %d to %s" %
                             (ts.path, v, t, p, o, app, lo, hi), "row outside its commit's txn range")
        ts.txn.update(txns)
        ts.version = v
    led.check(bad_attr == 0, "%s: every added row lies in its commit's txn range" % ts.path)


def scan_rows(lakesink, table):
    out = run([lakesink, "table", "scan", table, "--columns", KCOLS], 600)
    res = {}
    for line in out.splitlines():
        r = json.loads(line)
        res.setdefault((r["_kafka_topic"], r["_kafka_partition"]), array.array("q")).append(
            r["_kafka_offset"])
    return res


def check_scan(ts, lakesink, led):
    """`table scan` must return exactly the rows of the live files."""
    want = {}
    for rows in ts.live.values():
        for (t, p, o) in rows:
            want.setdefault((t, p), array.array("q")).append(o)
    try:
        got = scan_rows(lakesink, ts.path)
    except (RuntimeError, ValueError, KeyError) as e:
        led.fail("%s: table scan failed: %s" % (ts.path, e))
        return
    same = sorted(want) == sorted(got)
    for k in want:
        if same and sorted(want[k]) != sorted(got[k]):
            same = False
    led.check(same, "%s: table scan returns the live files' rows (%d vs %d rows)" %
              (ts.path, sum(len(a) for a in got.values()), sum(len(a) for a in want.values())))


# ------------------------------------------------------------------ accounting

def dlq_positions(dlq, topics, led, exact):
    """{(topic, partition): [offsets]} of the dead letters, from their source headers."""
    res = {}
    bad = 0
    for m in dlq:
        h = dict(m["headers"])
        missing = [k for k in SOURCE_HEADERS if k not in h]
        if missing:
            bad += 1
            led.fail("dead letter %d@%d lacks headers %s" % (m["partition"], m["offset"], missing),
                     "dead letter headers")
            continue
        t, p, o = h["lakesink.source.topic"], int(h["lakesink.source.partition"]), \
            int(h["lakesink.source.offset"])
        if t not in topics or not 0 <= p < topics[t]:
            led.fail("dead letter names an unknown source %s[%d]" % (t, p), "dead letter source")
            continue
        res.setdefault((t, p), []).append(o)
    led.check(bad == 0, "every dead letter carries the error and source headers")
    if exact:
        dups = sum(len(v) - len(set(v)) for v in res.values())
        led.check(dups == 0, "no offset dead-lettered twice (%d twice)" % dups)
    return {k: sorted(set(v)) for k, v in res.items()}


def positions(topics, tables, app_id):
    """{(topic, partition): lowest txn version + 1 over the tables taking the topic}."""
    res = {}
    for t, n in topics.items():
        for p in range(n):
            vs = [ts.txn.get("%s-%s-%d" % (app_id, t, p), -1) for ts in tables if t in ts.topics]
            res[(t, p)] = min(vs) + 1 if vs else 0
    return res


def account(topics, hw, low, tables, dlq, tombs, led):
    """Each offset below @p hw exactly once over rows, dead letters and tombstones."""
    summary = {}
    rows_by_tp = {}
    for ts in tables:
        for rows in ts.live.values():
            for (t, p, o) in rows:
                if t not in ts.topics:
                    led.fail("%s holds rows of topic %s it does not take" % (ts.path, t), "foreign rows")
                rows_by_tp.setdefault((t, p), array.array("q")).append(o)
    for k in rows_by_tp:
        if k[0] not in topics or not 0 <= k[1] < topics[k[0]]:
            led.fail("rows of unknown partition %s[%d]" % k)
    for t, n in topics.items():
        for p in range(n):
            h = hw.get((t, p))
            if h is None:
                led.fail("no high watermark for %s[%d]" % (t, p))
                continue
            seen = bytearray(h)
            dup, beyond = [], []
            kinds = {"rows": rows_by_tp.get((t, p), ()), "dead letters": dlq.get((t, p), ()),
                     "tombstones": sorted(o for o in tombs.get((t, p), ()) if o < h)}
            for kind, offs in kinds.items():
                for o in offs:
                    if o < 0 or o >= h:
                        beyond.append(o)
                    elif seen[o]:
                        dup.append(o)
                    else:
                        seen[o] = 1
            missing = [o for o in range(h) if not seen[o]] if seen.count(0) else []
            tp = "%s[%d]" % (t, p)
            led.check(not dup, "%s: no offset twice (twice: %s)" % (tp, ranges(dup)))
            led.check(not beyond, "%s: no offset at or above %d (%s)" % (tp, h, ranges(beyond)))
            extra = "" if low.get((t, p), 0) == 0 else \
                " — the broker's low watermark is %d: retention dropped messages" % low[(t, p)]
            led.check(not missing, "%s: every offset below %d is a row, a dead letter or a "
                      "tombstone (missing: %s)%s" % (tp, h, ranges(missing), extra))
            summary["%s:%d" % (t, p)] = {"upto": h, "rows": len(kinds["rows"]),
                                         "dlq": len(kinds["dead letters"]),
                                         "tombstones": len(kinds["tombstones"])}
    return summary


def check_final_txn(tables, app_id, hw, summary, led, drained):
    for ts in tables:
        for t in ts.topics:
            for (tt, p), h in sorted(hw.items()):
                if tt != t:
                    continue
                v = ts.txn.get("%s-%s-%d" % (app_id, t, p))
                summary.setdefault("%s:%d" % (t, p), {}).setdefault("txn", {})[ts.path] = v
                summary["%s:%d" % (t, p)]["broker_hw"] = h
                if drained:
                    want = h - 1 if h > 0 else None
                    led.check(v == want or (h == 0 and v is None),
                              "%s: last txn of %s[%d] is %s, want %s" % (ts.path, t, p, v, want))


def check_produced(files, hw, led):
    sent = {}
    for f in files:
        for line in open(f):
            if not line.strip():
                continue
            s = json.loads(line)
            for part in s.get("partitions", []):
                k = (s["topic"], part["partition"])
                sent[k] = sent.get(k, 0) + part["messages"]
    for k, n in sorted(sent.items()):
        led.check(hw.get(k) == n, "%s[%d]: produced %d, high watermark %s" % (k[0], k[1], n, hw.get(k)))


# ------------------------------------------------------------------ main

def parse_args():
    ap = argparse.ArgumentParser(description="exactly-once check of lakesink run's tables")
    ap.add_argument("--lakesink", required=True)
    ap.add_argument("--brokers", required=True)
    ap.add_argument("--app-id", required=True)
    ap.add_argument("--topic", action="append", default=[], required=True)
    ap.add_argument("--table", action="append", default=[], required=True)
    ap.add_argument("--tap", action="append", default=[])
    ap.add_argument("--dlq-topic")
    ap.add_argument("--dlq-exact", action="store_true")
    ap.add_argument("--expect-dlq", type=int)
    ap.add_argument("--produced", action="append", default=[])
    ap.add_argument("--not-drained", action="store_true")
    ap.add_argument("--summary")
    ap.add_argument("--dump-dlq")
    return ap.parse_args()


def tombstones(args, topics):
    res = {}
    for spec in args.tap:
        t, _, f = spec.partition("=")
        tap = read_tap(open(f).read()) if f else read_topic_tap(args.brokers, t)
        for p, (_seen, nulls) in tap.items():
            res[(t, p)] = nulls
    return res


def main():
    args = parse_args()
    led = Ledger()
    topics = {}
    for spec in args.topic:
        name, _, n = spec.rpartition(":")
        topics[name] = int(n)
    hw = watermarks(args.brokers, topics, -1)
    low = watermarks(args.brokers, topics, -2)
    tables = []
    for spec in args.table:
        path, _, tl = spec.partition("=")
        tables.append(TableState(path, set(x for x in tl.split(",") if x)))
    for ts in tables:
        replay_table(ts, args.app_id, args.lakesink, led)
        check_scan(ts, args.lakesink, led)
    dlq_msgs = read_dlq(args.brokers, args.dlq_topic) if args.dlq_topic else []
    dlq = dlq_positions(dlq_msgs, topics, led, args.dlq_exact)
    ndlq = sum(len(v) for v in dlq.values())
    if args.expect_dlq is not None:
        led.check(ndlq == args.expect_dlq, "%d offsets dead-lettered, want %d" % (ndlq, args.expect_dlq))
    # not drained: the tables hold each partition up to their txn, nothing beyond it
    upto = positions(topics, tables, args.app_id) if args.not_drained else hw
    for k, v in upto.items():
        if hw.get(k) is not None and v > hw[k]:
            led.fail("%s[%d]: tables hold offsets up to %d, beyond the high watermark %d" %
                     (k[0], k[1], v - 1, hw[k]))
    summary = account(topics, upto, low, tables, dlq, tombstones(args, topics), led)
    check_final_txn(tables, args.app_id, hw, summary, led, not args.not_drained)
    check_produced(args.produced, hw, led)
    if args.summary:
        with open(args.summary, "w") as f:
            json.dump({"tables": {ts.path: {"version": ts.version, "files": len(ts.live),
                                            "rows": sum(len(r) for r in ts.live.values())}
                                  for ts in tables},
                       "partitions": summary, "dlq": ndlq}, f, indent=1, sort_keys=True)
    if args.dump_dlq:
        with open(args.dump_dlq, "w") as f:
            for m in dlq_msgs:
                hx = (lambda b: None if b is None else b.hex())
                f.write(json.dumps({"partition": m["partition"], "offset": m["offset"],
                                    "key": hx(m["key"]), "value": hx(m["value"]),
                                    "headers": m["headers"]}) + "\n")
    print("eo_check: %d passed, %d failed" % (led.passed, led.failed))
    return 1 if led.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print("FAIL eo_check could not run: %s" % e)
        sys.exit(1)
