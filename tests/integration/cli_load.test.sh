#!/usr/bin/env bash
# `lakesink load`: create + load, second load (files add up), partitioned load, schema
# evolution, --on-error skip/fail, several files with --threads 2, standard input, errors.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-cli-load.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

. "$here/cli_lib.sh"
sorted_rows() { python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cols = sys.argv[2].split(",")
for r in sorted(rows, key=lambda r: json.dumps(r, sort_keys=True)):
    v = {c: r.get(c) for c in cols}
    v = {c: int(x) if isinstance(x, float) and x.is_integer() else x for c, x in v.items()}
    print(json.dumps(v, sort_keys=True))' "$@"; }

cat >a.ndjson <<'D'
{"id":1,"name":"ann","kind":"x","score":1.5}
{"id":2,"name":"bob","kind":"y","score":2.5}
{"id":3,"name":null,"kind":"x","score":null}
D
cat >b.ndjson <<'D'
{"id":4,"name":"cy","kind":"z","score":4.0}
{"id":5,"name":"di","kind":"x","score":5.0}
D

# --- create + load, then load again
run 0 "create + load" -- load t1 a.ndjson --threads 1
check "summary fields" 'j["version"]==1 and j["rows"]==3 and j["files"]==1 and j["bad_rows"]==0 and j["table"]=="t1" and j["bytes"]>0 and "seconds" in j'
[ -d t1/_delta_log ] && ok || fail "no _delta_log"
run 0 "second load" -- load t1 b.ndjson --threads 1
check "second load is version 2" 'j["version"]==2 and j["rows"]==2'
run 0 "files add up" -- table files t1 --json
check "two files, five records" 'len(j)==2 and sum(f["numRecords"] for f in j)==5'
run 0 "scan" -- table scan t1
cat a.ndjson b.ndjson >ab.ndjson
sorted_rows ab.ndjson id,name,kind,score >want; sorted_rows out id,name,kind,score >got
cmp -s want got && ok || { fail "scan differs from the input"; diff want got | head; }

# --- partitioned load
run 0 "partitioned load" -- load t2 ab.ndjson --partition-by kind --threads 1
check "three partitions" 'j["files"]==3 and j["rows"]==5'
for k in x y z; do [ -d "t2/kind=$k" ] && ok || fail "no directory kind=$k"; done
grep -q '"partitionValues":{"kind":"x"}' t2/_delta_log/00000000000000000001.json && ok ||
    fail "partition values not in the log"
run 0 "partitioned scan" -- table scan t2
check "scan has the partition column" 'len(rows)==5 and all("kind" in r for r in rows)'
sorted_rows out id,name,kind,score >got
cmp -s want got && ok || { fail "partitioned scan differs"; diff want got | head; }
run 0 "same --partition-by again" -- load t2 b.ndjson --partition-by kind
run 1 "different --partition-by" -- load t2 b.ndjson --partition-by name
expect_err "does not match" "partition mismatch message"
run 1 "partition column missing from the schema" -- load t3 a.ndjson --partition-by nope
expect_err "nope" "missing partition column named"
[ -e t3/_delta_log/00000000000000000000.json ] && fail "table created despite the error" || ok

# --- schema evolution: a new nullable column
printf '{"id":6,"name":"ed","kind":"y","score":6.0,"extra":"new"}\n' >c.ndjson
run 0 "load with a new column" -- load t1 c.ndjson
run 0 "info after evolution" -- table info t1 --json
check "schema has extra" 'any(f["name"]=="extra" and f["nullable"] for f in j["schema"]["fields"])'
run 0 "scan after evolution" -- table scan t1
check "old rows read null" 'len(rows)==6 and sum(1 for r in rows if r["extra"] is None)==5 and any(r["extra"]=="new" for r in rows)'

# --- bad rows
printf '{"id":7,"name":"ok","kind":"x","score":1}\n{"id":"bad",\n{"id":8,"name":"ok2","kind":"x","score":2}\n' >bad.ndjson
run 0 "--on-error skip" -- load t1 bad.ndjson --on-error skip
check "one bad row counted" 'j["bad_rows"]==1 and j["rows"]==2'
expect_err "^bad.ndjson:2: " "bad line reported as FILE:LINE"
ver_before=$(ls t1/_delta_log/*.json | wc -l)
run 1 "--on-error fail" -- load t1 bad.ndjson
expect_err "bad.ndjson:2" "failure names FILE:LINE"
[ "$(ls t1/_delta_log/*.json | wc -l)" -eq "$ver_before" ] && ok || fail "fail mode committed"
run 2 "bad --on-error" -- load t1 bad.ndjson --on-error maybe

# --- CSV: header, quoted delimiters and newlines, two threads, bad records
python3 -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["id", "kind", "note", "day"])
for i in range(3000):
    w.writerow([i, "k%d" % (i % 2), "line one, %d\nline \"two\"" % i if i % 7 == 0 else "n%d" % i,
                "2024-01-%02d" % (i % 28 + 1)])' >c.csv
run 0 "csv load, 2 threads" -- load tcsv c.csv --format csv --partition-by kind --threads 2
check "csv rows" 'j["rows"]==3000 and j["bad_rows"]==0'
run 0 "csv scan" -- table scan tcsv
check "csv values" 'len(rows)==3000 and sorted(r["id"] for r in rows)==list(range(3000)) and all(r["note"]==("line one, %d\nline \"two\"" % r["id"] if r["id"] % 7 == 0 else "n%d" % r["id"]) for r in rows) and all(len(r["day"])==10 for r in rows)'
printf 'id,kind,note,day\n5000,k0,ok,2024-02-01\nbad,k1,x,2024-02-02\n5001,k1,"a""b",2024-02-03,extra\n' >c2.csv
run 0 "csv --on-error skip" -- load tcsv c2.csv --format csv --on-error skip
check "csv skip counts" 'j["rows"]==1 and j["bad_rows"]==2'
expect_err "^c2.csv:3: " "csv bad record as FILE:LINE"
run 1 "csv --on-error fail" -- load tcsv c2.csv --format csv
expect_err "c2.csv:3" "csv failure names FILE:LINE"
run 2 "unknown format" -- load t1 a.ndjson --format xml

# --- several files, two threads, standard input
python3 -c '
import json
for i in range(20000):
    print(json.dumps({"id": i, "kind": "k%d" % (i % 3), "text": "row %d " % i * 3}))' >big.ndjson
run 0 "small target, 2 threads" -- load t4 big.ndjson --partition-by kind --threads 2 --target-file-bytes 16K --codec snappy
check "many files" 'j["rows"]==20000 and j["files"]>6'
run 0 "scan t4" -- table scan t4 --columns id
check "every id once" 'sorted(r["id"] for r in rows)==list(range(20000))'
ls t4/kind=k0/*.snappy.parquet >/dev/null 2>&1 && ok || fail "snappy file names"
run 0 "load from stdin" -- load t5 - <a.ndjson
check "stdin rows" 'j["rows"]==3'
run 0 "load from stdin without '-'" -- load t5 <b.ndjson
check "stdin version 2" 'j["version"]==2'

# --- inference with two threads gives the single-thread schema (slices that disagree)
printf '{"a":1}\n{"b":"x"}\n{"a":2.5}\n{"c":[1]}\n' >mixed.ndjson
run 0 "infer, 1 thread" -- load t7 mixed.ndjson --threads 1
run 0 "infer, 2 threads from a pipe" -- load t8 --threads 2 < <(cat mixed.ndjson)
"$LAKESINK" table info t7 --json >i7 2>err && "$LAKESINK" table info t8 --json >i8 2>>err
python3 -c 'import json,sys; a,b=(json.load(open(f))["schema"] for f in sys.argv[1:]); sys.exit(a!=b)' i7 i8 &&
    ok || fail "inferred schemas differ between 1 and 2 threads"

# --- empty input on an existing table, automatic checkpoint at version 10
: >empty.ndjson
for i in 1 2 3 4 5 6 7 8; do "$LAKESINK" load t5 empty.ndjson >out 2>err || fail "empty load $i"; done
check "empty loads commit" 'j["version"]==10 and j["rows"]==0 and j["files"]==0'
[ -e t5/_delta_log/00000000000000000010.checkpoint.parquet ] && ok || fail "no checkpoint at 10"
run 0 "scan after the automatic checkpoint" -- table scan t5
check "t5 rows" 'len(rows)==5'
run 1 "new table from empty input" -- load t9 empty.ndjson
expect_err "no records" "empty input message"

# --- an independent check of every table written above (log replay, files, Hive
# directories, stats against what DuckDB reads), when node and DuckDB are installed
checker="$here/../interop/delta_check.js"
if command -v node >/dev/null && [ -f "$checker" ] &&
    node -e 'require.resolve("@duckdb/node-api", {paths: [process.argv[1]]})' "$(dirname "$checker")" 2>/dev/null; then
    for t in t1 t2 t4 t5 tcsv; do
        if node "$checker" "$t" --require-stats >check.out 2>&1; then ok; else
            fail "delta_check $t"; tail -5 check.out
        fi
    done
else
    echo "note: node or DuckDB missing, independent table check skipped"
fi

# --- usage
run 2 "no table" -- load
run 0 "--help" -- load --help
run 1 "missing input file" -- load t6 nope.ndjson
expect_err "nope.ndjson" "missing input named"

echo "cli_load: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
