#!/usr/bin/env bash
# The S3 store against moto_server: starts moto twice (plain, and verifying signatures with an
# IAM access key), the fault proxy in front of the plain one, creates the buckets, then runs
# the C driver test_store_s3 with the endpoints in its environment. Everything listens on
# 127.0.0.1 on free ports and is stopped on exit. Skips (exit 0) when moto_server, boto3 or the
# driver binary is missing.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bin="${LS_BINARY_DIR:-$here/../../build}/tests/test_store_s3"
helper="$here/store_s3_helper.py"

skip() { echo "SKIP: $*"; exit 0; }
command -v moto_server >/dev/null 2>&1 || skip "moto_server is not installed"
python3 -c 'import boto3' >/dev/null 2>&1 || skip "python3 boto3 is not installed"
[ -x "$bin" ] || skip "$bin is not built"

work="$(mktemp -d "${TMPDIR:-/tmp}/lakesink-s3-XXXXXX")"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port() { python3 "$helper" free-port; }

moto_port=$(port)
moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
pids+=($!)
verify_port=$(port)
INITIAL_NO_AUTH_ACTION_COUNT=3 moto_server -H 127.0.0.1 -p "$verify_port" \
  >"$work/moto-verify.log" 2>&1 &
pids+=($!)
proxy_port=$(port)
python3 "$here/store_fault_proxy.py" "$proxy_port" "http://127.0.0.1:$moto_port" \
  >"$work/proxy.log" 2>&1 &
pids+=($!)

endpoint="http://127.0.0.1:$moto_port"
verify="http://127.0.0.1:$verify_port"
python3 "$helper" wait "$endpoint/"
python3 "$helper" wait "$verify/"
python3 "$helper" wait "http://127.0.0.1:$proxy_port/__stats"

bucket=lakesink-test
python3 "$helper" mkbucket "$endpoint" "$bucket"
read -r key_id secret < <(python3 "$helper" setup-iam "$verify")
python3 "$helper" mkbucket "$verify" "$bucket-signed" "$key_id" "$secret"

export LS_S3_ENDPOINT="$endpoint" LS_S3_BUCKET="$bucket" LS_S3_HELPER="$helper"
export LS_S3_PROXY="http://127.0.0.1:$proxy_port"
export LS_S3_DEAD_ENDPOINT="http://127.0.0.1:$(port)"
export LS_S3_VERIFY_ENDPOINT="$verify" LS_S3_VERIFY_BUCKET="$bucket-signed"
export LS_S3_VERIFY_KEY_ID="$key_id" LS_S3_VERIFY_SECRET="$secret"
# nothing from the caller's AWS setup may leak into the run
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL \
  AWS_ENDPOINT_URL_S3 AWS_REGION AWS_DEFAULT_REGION
export AWS_EC2_METADATA_DISABLED=true CMOCKA_MESSAGE_OUTPUT=stdout

status=0
"$bin" || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- moto (verifying) log tail"; tail -n 20 "$work/moto-verify.log" || true
  echo "--- proxy log tail"; tail -n 20 "$work/proxy.log" || true
fi
exit "$status"
