#!/usr/bin/env bash
# `lakesink load` and `lakesink table` on an s3:// table (moto_server on a free local port):
# partitioned load in two threads streamed to S3, second load, scan through ranged reads,
# info/files/history, checkpoint. Skips (exit 0) when moto_server or boto3 is missing.
set -uo pipefail
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
here="$(cd "$(dirname "$0")" && pwd)"
helper="$here/store_s3_helper.py"
skip() { echo "SKIP: $*"; exit 0; }
command -v moto_server >/dev/null 2>&1 || skip "moto_server is not installed"
python3 -c 'import boto3' >/dev/null 2>&1 || skip "python3 boto3 is not installed"

work="$(mktemp -d "${TMPDIR:-/tmp}/ls-cli-load-s3.XXXXXX")"
moto_pid=""
cleanup() {
    [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null && wait "$moto_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

port=$(python3 "$helper" free-port)
moto_server -H 127.0.0.1 -p "$port" >moto.log 2>&1 &
moto_pid=$!
endpoint="http://127.0.0.1:$port"
python3 "$helper" wait "$endpoint/" || skip "moto_server did not start"
python3 "$helper" mkbucket "$endpoint" lakesink-cli
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_REGION
export AWS_ENDPOINT_URL_S3="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

. "$here/cli_lib.sh"

python3 -c '
import json
for i in range(5000):
    print(json.dumps({"id": i, "kind": "k%d" % (i % 3), "v": i * 0.5}))' >in.ndjson
t=s3://lakesink-cli/tables/events
run 0 "load to s3" -- load "$t" in.ndjson --partition-by kind --threads 2
check "summary" 'j["version"]==1 and j["rows"]==5000 and j["files"]>=3'
run 0 "second load" -- load "$t" in.ndjson
check "version 2" 'j["version"]==2'
run 0 "scan from s3" -- table scan "$t" --version 1
check "scan rows" 'len(rows)==5000 and sorted(r["id"] for r in rows)==list(range(5000)) and all(r["kind"]=="k%d" % (r["id"] % 3) for r in rows)'
run 0 "info" -- table info "$t" --json
check "info" 'j["version"]==2 and j["rows"]==10000 and j["partitionColumns"]==["kind"]'
run 0 "files" -- table files "$t" --json
check "files" 'sum(f["numRecords"] for f in j)==10000'
run 0 "history" -- table history "$t" --json
check "history" '[h["version"] for h in j]==[2,1,0]'
run 0 "checkpoint" -- table checkpoint "$t"
check "checkpoint" 'j["version"]==2'
run 0 "scan after checkpoint" -- table scan "$t" --columns id --limit 10
check "limit" 'len(rows)==10'

echo "cli_load_s3: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
