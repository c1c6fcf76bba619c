#!/usr/bin/env python3
"""Shared helper of the Delta table script tests (delta_*.test.sh): input rows, row-set
comparison, reading lakesink's JSON outputs, and an independent look at `_delta_log/`.
It never uses lakesink code; it only reads what lakesink printed or wrote.

  delta_helper.py gen KIND N SEED [TAG]   NDJSON rows on stdout; KIND basic (all primitive
                                          types, long/unicode strings), part (plus partition
                                          columns region/day), evolved (basic + extra column),
                                          tagged (writer/seq/i, for concurrency and crash runs),
                                          big (id + 64-char random text)
  delta_helper.py gen-seq KIND ROWS WRITER COUNT PREFIX   PREFIX.S.in = gen KIND ROWS S WRITER:S
  delta_helper.py fields KEY FILE...      field KEY of each FILE, one a line
  delta_helper.py schema KIND             the Delta schema JSON of KIND
  delta_helper.py same A B                A and B hold the same rows (multisets; key order and
                                          null-valued keys ignored); prints the first difference
  delta_helper.py field FILE KEY          a top-level field of the last JSON object in FILE
  delta_helper.py versions FILE           every commit version named in `table history` output
                                          (a JSON array, an object with a list, or NDJSON), sorted
  delta_helper.py log DIR [FROM]          _delta_log of a local table: every commit parses line by
                                          line and versions are contiguous from FROM (default 0);
                                          prints the latest version
  delta_helper.py tags FILE               of tagged rows: prints "writer seq count" per commit
Exit status 1 with a message on stderr when a check fails.
"""
import json
import os
import random
import re
import string
import sys

BASIC_FIELDS = [
    ("id", "long"), ("name", "string"), ("score", "double"), ("ratio", "float"),
    ("small", "integer"), ("tiny", "short"), ("price", "decimal(10,2)"), ("day", "date"),
    ("ts", "timestamp"), ("local", "timestamp_ntz"), ("flag", "boolean"),
]


def fields_of(kind):
    f = list(BASIC_FIELDS)
    if kind == "part":
        f += [("region", "string"), ("pday", "date")]
    elif kind == "evolved":
        f += [("extra", "string"), ("extra_n", "long")]
    elif kind == "tagged":
        f = [("writer", "string"), ("seq", "long"), ("i", "long"), ("payload", "string")]
    elif kind == "big":
        f = [("id", "long"), ("text", "string")]
    return f


def schema(kind):
    return json.dumps({"type": "struct", "fields": [
        {"name": n, "type": t, "nullable": n != "id", "metadata": {}} for n, t in fields_of(kind)]})


LONG_STRINGS = [
    "a" * 40, "z" * 33 + "tail", "prefix-" + "é" * 30, "\U0001F600" * 20, "mixed ✓ " * 6,
    "x" * 32, "y" * 31 + "\U0001F600", "\u007f" * 3 + "b" * 40,
]
REGIONS = ["eu", "us west", "a/b=c%d", "x:y", "ünï", None]


def ts_text(us, zone):
    s, frac = divmod(us, 1000000)
    import datetime
    d = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=s)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d" % frac + ("Z" if zone else "")


def day_text(days):
    import datetime
    return (datetime.date(1970, 1, 1) + datetime.timedelta(days=days)).isoformat()


def gen_row(kind, i, rnd, tag):
    if kind == "tagged":
        writer, seq = (tag or "w:0").split(":")
        import base64
        return {"writer": writer, "seq": int(seq), "i": i,
                "payload": "%s-%s-%d-%s" % (writer, seq, i, base64.b64encode(rnd.randbytes(24)).decode())}
    if kind == "big":
        import base64
        return {"id": i, "text": base64.b64encode(rnd.randbytes(48)).decode()}
    nul = lambda v: None if rnd.random() < 0.08 else v  # noqa: E731
    r = {
        "id": i,
        "name": nul(rnd.choice(LONG_STRINGS) if rnd.random() < 0.3 else
                    "".join(rnd.choice(string.ascii_letters) for _ in range(rnd.randint(0, 12)))),
        "score": nul(rnd.choice([rnd.uniform(-1e6, 1e6), 0.0, -0.5, 1e300, -1e-300])),
        "ratio": nul(rnd.choice([0.25, -1.5, 3.0, 1024.0, -0.125])),
        "small": nul(rnd.randint(-2**31, 2**31 - 1)),
        "tiny": nul(rnd.randint(-32768, 32767)),
        "price": nul("%d.%02d" % (rnd.randint(-99999999, 99999999), rnd.randint(0, 99))),
        "day": nul(day_text(rnd.randint(-40000, 40000))),
        "ts": nul(ts_text(rnd.randint(-2**40, 2**52), True)),
        "local": nul(ts_text(rnd.randint(0, 2**50), False)),
        "flag": nul(rnd.random() < 0.5),
    }
    if r["price"] is not None and r["price"].startswith("-") is False and rnd.random() < 0.1:
        r["price"] = "0.00"
    if kind == "part":
        r["region"] = rnd.choice(REGIONS)
        r["pday"] = rnd.choice(["2024-01-01", "2024-02-29", None])
    elif kind == "evolved":
        r["extra"] = nul("e%d" % rnd.randint(0, 99))
        r["extra_n"] = nul(rnd.randint(-5, 5))
    return r


def gen(kind, n, seed, tag=None, start=0):
    rnd = random.Random("%s-%s-%s" % (kind, seed, tag))
    out = sys.stdout
    for i in range(start, start + n):
        out.write(json.dumps(gen_row(kind, i, rnd, tag), ensure_ascii=False) + "\n")


def canon(v):
    """Nulls dropped from objects, floats kept as floats (1.0 == 1), keys sorted."""
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, float) and v == int(v) and abs(v) < 2**53:
        return int(v)
    return v


def load_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.dumps(canon(json.loads(line)), sort_keys=True, ensure_ascii=False))
                except ValueError as e:
                    sys.exit("%s line %d is not JSON: %s" % (path, n, e))
    return sorted(rows)


def same(a, b):
    ra, rb = load_rows(a), load_rows(b)
    if ra == rb:
        return
    sa, sb = set(ra), set(rb)
    only_a = [r for r in ra if r not in sb][:3]
    only_b = [r for r in rb if r not in sa][:3]
    msg = "%s has %d rows, %s has %d" % (a, len(ra), b, len(rb))
    for r in only_a:
        msg += "\n  only in %s: %s" % (os.path.basename(a), r[:300])
    for r in only_b:
        msg += "\n  only in %s: %s" % (os.path.basename(b), r[:300])
    if not only_a and not only_b:
        msg += "\n  (same distinct rows, different multiplicities)"
    sys.exit(msg)


def last_json(path):
    text = open(path, encoding="utf-8").read().strip()
    try:
        return json.loads(text)
    except ValueError:
        for line in reversed(text.splitlines()):
            try:
                return json.loads(line)
            except ValueError:
                continue
    sys.exit("%s holds no JSON object" % path)


def versions(path):
    text = open(path, encoding="utf-8").read()
    found = []

    def walk(v):
        if isinstance(v, dict):
            if isinstance(v.get("version"), int):
                found.append(v["version"])
            for x in v.values():
                if isinstance(x, (list, dict)):
                    walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
    try:
        walk(json.loads(text))
    except ValueError:
        for line in text.splitlines():
            if line.strip():
                walk(json.loads(line))
    return sorted(set(found))


COMMIT_RE = re.compile(r"^(\d{20})\.json$")


def check_log(table, start=0):
    log = os.path.join(table, "_delta_log")
    got = {}
    for name in os.listdir(log):
        m = COMMIT_RE.match(name)
        if m:
            got[int(m.group(1))] = name
    if not got:
        sys.exit("%s: no commit" % log)
    latest = max(got)
    missing = [v for v in range(start, latest + 1) if v not in got]
    if missing:
        sys.exit("%s: missing commit(s) %s" % (log, missing[:10]))
    for v in range(start, latest + 1):
        data = open(os.path.join(log, got[v]), "rb").read()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        if not lines:
            sys.exit("%s is empty" % got[v])
        for n, line in enumerate(lines, 1):
            try:
                obj = json.loads(line.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                sys.exit("%s line %d does not parse: %s" % (got[v], n, e))
            if not isinstance(obj, dict) or len(obj) != 1:
                sys.exit("%s line %d is not one action" % (got[v], n))
    print(latest)


def tags(path):
    counts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                k = (r.get("writer"), r.get("seq"))
                counts[k] = counts.get(k, 0) + 1
    for (w, s), c in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1] or 0)):
        print(w, s, c)


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(a[0], int(a[1]), a[2], a[3] if len(a) > 3 else None)
    elif cmd == "gen-seq":  # KIND ROWS WRITER COUNT PREFIX: PREFIX.S.in for S in 1..COUNT
        for q in range(1, int(a[3]) + 1):
            with open("%s.%d.in" % (a[4], q), "w", encoding="utf-8") as f:
                sys.stdout = f
                gen(a[0], int(a[1]), str(q), "%s:%d" % (a[2], q))
        sys.stdout = sys.__stdout__
    elif cmd == "fields":  # KEY FILE...: the field of each file's last JSON object, one a line
        for f in a[1:]:
            print(last_json(f).get(a[0]))
    elif cmd == "schema":
        print(schema(a[0]))
    elif cmd == "same":
        same(a[0], a[1])
    elif cmd == "field":
        v = last_json(a[0]).get(a[1])
        print(json.dumps(v) if isinstance(v, (dict, list)) else v)
    elif cmd == "versions":
        print(" ".join(str(v) for v in versions(a[0])))
    elif cmd == "log":
        check_log(a[0], int(a[1]) if len(a) > 1 else 0)
    elif cmd == "tags":
        tags(a[0])
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
