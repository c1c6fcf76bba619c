#!/usr/bin/env bash
# `lakesink table info|history|files|scan|checkpoint`: text and --json outputs, time travel
# by version and timestamp, --columns/--limit, checkpoint then scan, errors.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 0; }
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-cli-table.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

. "$here/cli_lib.sh"

printf '{"id":1,"city":"Oslo","t":"2024-01-15T10:30:00Z"}\n{"id":2,"city":"Rome","t":"2024-01-16T10:30:00Z"}\n' >a.ndjson
printf '{"id":3,"city":"Oslo","t":"2024-01-17T10:30:00Z"}\n' >b.ndjson
run 0 "load 1" -- load t a.ndjson --partition-by city --threads 1
sleep 1.1 # commit timestamps are in ms: keep versions apart for --timestamp
mid=$(python3 -c 'import time; print(int(time.time() * 1000))')
sleep 1.1
run 0 "load 2" -- load t b.ndjson --threads 1

# --- info
run 0 "info" -- table info t
expect_out "^version: +2$" "info version"
expect_out "^partition columns: city$" "info partition columns"
expect_out "^rows: +3$" "info rows"
run 0 "info --json" -- table info t --json
check "info json" 'j["version"]==2 and j["partitionColumns"]==["city"] and j["files"]==3 and j["rows"]==3 and j["protocol"]["minReaderVersion"]>=1 and j["schema"]["type"]=="struct" and len(j["id"])==36'
run 0 "info --version 0" -- table info t --json --version 0
check "empty at version 0" 'j["version"]==0 and j["files"]==0 and j["rows"]==0'

# --- history
run 0 "history" -- table history t
check "three versions, newest first" 'len(text := open("out").read().splitlines())==3 and text[0].startswith("2\t") and "WRITE" in text[0] and "CREATE TABLE" in text[2]'
run 0 "history --json --limit 2" -- table history t --json --limit 2
check "history json" 'len(j)==2 and j[0]["version"]==2 and j[0]["operation"]=="WRITE" and j[0]["commitInfo"]["operationParameters"]["mode"]=="Append"'

# --- files
run 0 "files" -- table files t
check "three file lines" 'len(open("out").read().splitlines())==3'
expect_out "city=Oslo" "files shows partition values"
run 0 "files --json --version 1" -- table files t --json --version 1
check "files json" 'len(j)==2 and all(f["numRecords"]==1 and f["size"]>0 and "city" in f["partitionValues"] for f in j)'

# --- scan, time travel
run 0 "scan" -- table scan t
check "scan rows" 'sorted(r["id"] for r in rows)==[1,2,3] and all(r["city"] in ("Oslo","Rome") for r in rows)'
check "timestamp convention" 'any(r["t"]=="2024-01-15T10:30:00.000000Z" for r in rows)'
run 0 "scan --version 1" -- table scan t --version 1
check "version 1 rows" 'sorted(r["id"] for r in rows)==[1,2]'
run 0 "scan --version 0" -- table scan t --version 0
check "version 0 is empty" 'rows==[]'
run 0 "scan --timestamp (ms)" -- table scan t --timestamp "$mid"
check "timestamp ms picks version 1" 'sorted(r["id"] for r in rows)==[1,2]'
iso=$(python3 -c 'import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1])/1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$mid")
run 0 "scan --timestamp (ISO)" -- table scan t --timestamp "$iso"
check "timestamp ISO picks version 1" 'sorted(r["id"] for r in rows)==[1,2]'
run 0 "scan --columns --limit" -- table scan t --columns city,id --limit 2
check "columns and limit" 'len(rows)==2 and all(list(r)==["city","id"] for r in rows)'

# --- checkpoint, then scan
run 0 "checkpoint" -- table checkpoint t
check "checkpoint json" 'j["version"]==2 and j["add_files"]==3 and j["bytes"]>0'
[ -e t/_delta_log/00000000000000000002.checkpoint.parquet ] && ok || fail "no checkpoint file"
run 0 "info after checkpoint" -- table info t --json
check "last checkpoint" 'j["lastCheckpoint"]==2'
run 0 "scan after checkpoint" -- table scan t
check "scan after checkpoint" 'sorted(r["id"] for r in rows)==[1,2,3]'

# --- errors
run 1 "missing table" -- table info nothere
expect_err "nothere" "missing table named"
run 1 "bad --version" -- table scan t --version 9
expect_err "9" "missing version named"
run 2 "negative --version" -- table info t --version -1
run 1 "bad --timestamp" -- table scan t --timestamp yesterday
expect_err "yesterday" "bad timestamp named"
run 1 "unknown column" -- table scan t --columns nope
expect_err "nope" "unknown column named"
run 2 "both --version and --timestamp" -- table info t --version 1 --timestamp 0
run 2 "unknown subcommand" -- table frob t
run 0 "--help" -- table scan --help

echo "cli_table: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
