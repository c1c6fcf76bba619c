#!/usr/bin/env bash
# `lakesink load` on inputs of several chunks: every row lands in its own partition
# whatever order and spelling the partition values come in (nested fields of the same
# name, escapes, nulls, hundreds of mixed partitions, partitions that follow each other),
# skipped-line reports come in input order with file line numbers, the failure named is
# the first bad line of the input, lines longer than a chunk load and a line longer than
# the limit is named; files, standard input and pipes, NDJSON and CSV, 1 to 4 threads
# all give the same table.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-cli-load-chunks.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

. "$here/cli_lib.sh"

cat >schema.json <<'D'
{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}},{"name":"kind","type":"string","nullable":true,"metadata":{}},{"name":"meta","type":{"type":"struct","fields":[{"name":"kind","type":"string","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},{"name":"pad","type":"string","nullable":true,"metadata":{}}]}
D

# gen.py MODE OUT: NDJSON for MODE, and OUT.want (id -> kind of every good row, sorted)
# and OUT.bad (line numbers of the bad lines, ascending)
cat >gen.py <<'PY'
import json, random, sys
mode, out = sys.argv[1], sys.argv[2]
rnd = random.Random(7)
lines, want, bad = [], {}, []
def good(i, kind, style=0):
    pad = "p%d " % i * rnd.randint(1, 12)
    if style == 1:   # a nested field of the same name first
        s = '{"meta":{"kind":"zz%d"},"id":%d,"kind":%s,"pad":"%s"}' % (i % 5, i, json.dumps(kind), pad)
    elif style == 2 and kind is not None: # the value spelled with an escape
        s = '{"id":%d,"kind":"%s","pad":"%s"}' % (i, "".join("\\u%04x" % ord(c) for c in kind), pad)
    elif style == 3: # no partition field at all
        s = '{"id":%d,"pad":"%s"}' % (i, pad)
        kind = None
    elif style == 4: # spaces around the colon
        s = '{"id" : %d , "kind" :  %s ,"pad":"%s"}' % (i, json.dumps(kind), pad)
    else:
        s = json.dumps({"id": i, "kind": kind, "pad": pad})
    lines.append(s)
    want[i] = kind if kind != "" else None
n = {"mixed": 60000, "many": 40000, "sorted": 40000, "plain": 30000}[mode]
for i in range(n):
    if mode == "mixed":
        if i in (4, 25000, 41000) or i == n - 1:
            lines.append('{"id":%d,"kind":"k1","pad":' % i); bad.append(len(lines))
            continue
        if i % 997 == 0:
            lines.append("   ")
        kind = "k%d" % rnd.randint(0, 4)
        if i % 1009 == 0:
            kind = ""
        if i % 1013 == 0:
            kind = None
        good(i, kind, style=[0, 0, 0, 1, 2, 3, 4][i % 7] if i % 11 == 0 else 0)
    elif mode == "many":
        good(i, "m%d" % rnd.randint(0, 299))
    elif mode == "sorted":
        good(i, "d%03d" % (i // 400))
    else:
        good(i, "x")
with open(out, "w") as f:
    f.write("\n".join(lines) + "\n")
with open(out + ".want", "w") as f:
    for i in sorted(want):
        f.write(json.dumps({"id": i, "kind": want[i]}) + "\n")
with open(out + ".bad", "w") as f:
    f.write("".join("%d\n" % b for b in bad))
PY
# scanned.py: the id -> kind pairs of a table scan (./out), sorted
scanned() { python3 -c '
import json, sys
rows = [json.loads(l) for l in open("out") if l.strip()]
for r in sorted(rows, key=lambda r: r["id"]):
    print(json.dumps({"id": r["id"], "kind": r["kind"]}))' >"$1"; }
same_table() { # TABLE WANT DESCRIPTION
    run 0 "$3: scan" -- table scan "$1" --columns id,kind
    scanned got.txt
    cmp -s "$2" got.txt && ok || { fail "$3: rows or partitions differ"; diff "$2" got.txt | head -5; }
}
reported_lines() { sed -n 's/^[^:]*:\([0-9]*\): .*/\1/p' err; }

python3 gen.py mixed mixed.ndjson
python3 gen.py many many.ndjson
python3 gen.py sorted sorted.ndjson
python3 gen.py plain plain.ndjson
[ "$(wc -c <mixed.ndjson)" -gt 3000000 ] && ok || fail "the mixed input spans several chunks"

# --- partition routing and skipped-line reports, files, 1 to 4 threads
for t in 1 2 4; do
    run 0 "mixed, $t threads" -- load "m$t" mixed.ndjson --schema schema.json --partition-by kind \
        --on-error skip --threads "$t"
    check "mixed, $t threads: counts" "j['bad_rows']==$(wc -l <mixed.ndjson.bad) and j['rows']==$(wc -l <mixed.ndjson.want)"
    reported_lines >lines.txt
    cmp -s mixed.ndjson.bad lines.txt && ok || { fail "mixed, $t threads: reported lines"; diff mixed.ndjson.bad lines.txt | head -5; }
    same_table "m$t" mixed.ndjson.want "mixed, $t threads"
done
[ -d "m2/kind=__HIVE_DEFAULT_PARTITION__" ] && ok || fail "null and empty kinds: the null partition"

# --- standard input (a regular file) and a pipe: the window path
run 0 "mixed from stdin" -- load ms mixed.ndjson --schema schema.json --partition-by kind \
    --on-error skip --threads 3 <mixed.ndjson
reported_lines >lines.txt
cmp -s mixed.ndjson.bad lines.txt && ok || fail "stdin: reported lines"
"$LAKESINK" load mp --schema schema.json --partition-by kind --on-error skip --threads 3 \
    < <(cat mixed.ndjson) >out 2>err && ok || fail "mixed from a pipe"
reported_lines >lines.txt
cmp -s mixed.ndjson.bad lines.txt && ok || fail "pipe: reported lines"
grep -q '^<stdin>:' err && ok || fail "pipe: reports name <stdin>"
same_table mp mixed.ndjson.want "pipe"

# --- fail mode: the first bad line of the input, whichever worker meets it
first=$(head -1 mixed.ndjson.bad)
run 1 "fail mode" -- load mf mixed.ndjson --schema schema.json --partition-by kind --threads 4
expect_err "^lakesink.*mixed.ndjson:$first: " "fail mode names the first bad line"
[ -e mf/_delta_log/00000000000000000000.json ] && fail "fail mode created the table" || ok
sed "${first}s/.*/{\"id\":4,\"kind\":\"k1\"}/" mixed.ndjson >late.ndjson
second=$(sed -n 2p mixed.ndjson.bad)
run 1 "fail mode, first bad line in a later chunk" -- load mf late.ndjson --schema schema.json \
    --partition-by kind --threads 4
expect_err "late.ndjson:$second: " "fail mode names the first bad line of a later chunk"

# --- hundreds of mixed partitions (more than a worker keeps batches for), and
# partitions that follow each other (each takes a batch over from an idle one)
for mode in many sorted; do
    for t in 1 3; do
        run 0 "$mode, $t threads" -- load "$mode$t" "$mode.ndjson" --schema schema.json \
            --partition-by kind --threads "$t"
        same_table "$mode$t" "$mode.ndjson.want" "$mode, $t threads"
    done
done
ls -d many3/kind=* | wc -l | grep -qx 300 && ok || fail "300 partition directories"

# --- no partitions, several inputs: line numbers count per file
printf '{"id":1,"kind":"a"}\n{"id":\n' >small.ndjson
run 0 "two inputs, no partitions" -- load np plain.ndjson small.ndjson mixed.ndjson \
    --schema schema.json --on-error skip --threads 3
grep -q '^small.ndjson:2: ' err && ok || fail "second input: its own line numbers"
grep -c '^mixed.ndjson:' err | grep -qx "$(wc -l <mixed.ndjson.bad)" && ok || fail "third input's reports"
check "no partitions: rows" "j['rows']==$(( $(wc -l <plain.ndjson.want) + 1 + $(wc -l <mixed.ndjson.want) ))"

# --- lines that end or start exactly at a chunk boundary (chunks are 1 MiB): lines of
# 1023, 1024 and 1025 bytes, bad ones on both sides of the first boundaries
for w in 1023 1024 1025; do
    python3 - "$w" <<'PY'
import json, sys
w = int(sys.argv[1])
bad = {1023, 1024, 1025, 1026, 2047, 2048, 2049, 3000}
with open("edge.ndjson", "w") as f, open("edge.bad", "w") as b:
    for i in range(1, 5001):
        if i in bad:
            s = '{"id":%d,' % i
            b.write("%d\n" % i)
        else:
            s = json.dumps({"id": i, "kind": "e%d" % (i % 3), "pad": ""})
        f.write(s + " " * (w - 1 - len(s)) + "\n")  # JSON allows the trailing spaces
PY
    run 0 "lines of $w bytes at chunk boundaries" -- load "e$w" edge.ndjson --schema schema.json \
        --partition-by kind --on-error skip --threads 3
    check "lines of $w bytes: counts" "j['rows']==4992 and j['bad_rows']==8"
    reported_lines >lines.txt
    cmp -s edge.bad lines.txt && ok || { fail "lines of $w bytes: reported lines"; diff edge.bad lines.txt | head -5; }
    run 0 "lines of $w bytes: scan" -- table scan "e$w" --columns id
    check "lines of $w bytes: every id once" "sorted(r['id'] for r in rows)==[i for i in range(1, 5001) if i not in (1023, 1024, 1025, 1026, 2047, 2048, 2049, 3000)]"
done

# --- long lines: one longer than a chunk loads; one past the limit is named
python3 -c '
import json
with open("long.ndjson", "w") as f:
    for i in range(20):
        f.write(json.dumps({"id": i, "kind": "k%d" % (i % 2), "pad": "x" * (3 << 20 if i == 9 else 10)}) + "\n")
    f.write(json.dumps({"id": 20, "kind": "k0"}))  # no newline at the end
'
run 0 "a 3 MiB line" -- load lg long.ndjson --schema schema.json --partition-by kind --threads 3
check "long lines: all rows" "j['rows']==21"
python3 -c '
with open("huge.ndjson", "w") as f:
    f.write("{\"id\":1,\"kind\":\"a\"}\n" * 3)
    f.write("{\"id\":2,\"kind\":\"a\",\"pad\":\"" + "y" * (33 << 20) + "\"}\n")
    f.write("{\"id\":3,\"kind\":\"a\"}\n")
'
run 1 "a line past the limit" -- load hg huge.ndjson --schema schema.json --threads 2
expect_err "huge.ndjson: line 4 is longer than" "the over-long line named"

# --- CSV of several windows' worth of chunks, quoted newlines, bad records
python3 -c '
import csv, sys
w = csv.writer(open("big.csv", "w", newline=""), lineterminator="\n")
w.writerow(["id", "kind", "note"])
line, bad = 2, []
for i in range(80000):
    if i in (3, 50000, 79990):
        w.writerow(["bad%d" % i, "k0", "x"]); bad.append(line); line += 1; continue
    note = "two\nlines %d" % i if i % 5 == 0 else "n%d" % i
    w.writerow([i, "k%d" % (i % 3), note]); line += 2 if i % 5 == 0 else 1
open("big.csv.bad", "w").write("".join("%d\n" % b for b in bad))
'
cat >csv.schema.json <<'D'
{"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},{"name":"kind","type":"string","nullable":true,"metadata":{}},{"name":"note","type":"string","nullable":true,"metadata":{}}]}
D
for t in 1 3; do
    run 0 "csv, $t threads" -- load "c$t" big.csv --format csv --schema csv.schema.json \
        --partition-by kind --on-error skip --threads "$t"
    check "csv, $t threads: counts" "j['rows']==79997 and j['bad_rows']==3"
    reported_lines >lines.txt
    cmp -s big.csv.bad lines.txt && ok || { fail "csv, $t threads: reported lines"; diff big.csv.bad lines.txt; }
done
run 0 "csv scan" -- table scan c3 --columns id
check "csv: every id once" 'sorted(r["id"] for r in rows)==[i for i in range(80000) if i not in (3, 50000, 79990)]'

# --- the independent table check, when node and DuckDB are installed
checker="$here/../interop/delta_check.js"
if command -v node >/dev/null && [ -f "$checker" ] &&
    node -e 'require.resolve("@duckdb/node-api", {paths: [process.argv[1]]})' "$(dirname "$checker")" 2>/dev/null; then
    for t in m2 many3 sorted3 np c3; do
        if node "$checker" "$t" --require-stats >check.out 2>&1; then ok; else
            fail "delta_check $t"; tail -5 check.out
        fi
    done
else
    echo "note: node or DuckDB missing, independent table check skipped"
fi

echo "cli_load_chunks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
