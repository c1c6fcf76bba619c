#!/usr/bin/env bash
# lakesink check-config: exit codes, the summary, --json with secrets masked, every
# problem reported with its path, --help listing the keys, --print-docs matching
# docs/configuration.md.
set -euo pipefail
: "${LAKESINK:?}" "${LS_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$tmp/ok.yml" <<'YML'
kafka:
  brokers: ${CC_TEST_BROKERS:-localhost:9092}
  properties: {sasl.password: hunter2}
topics:
  orders:
    kafka-topic: orders
    destination: {bucket: lake, path: orders}
YML
out=$("$LAKESINK" check-config "$tmp/ok.yml")
grep -q "orders: orders -> s3://lake/orders" <<<"$out" || fail "summary: $out"
json=$("$LAKESINK" check-config --json "$tmp/ok.yml")
grep -q '"sasl.password":"\*\*\*"' <<<"$json" || fail "masking: $json"
! grep -q hunter2 <<<"$json" || fail "secret leaked"
# Output is captured before grepping: with pipefail, `cmd | grep -q` fails at random
# when grep exits early and the writer gets SIGPIPE.
envjson=$(CC_TEST_BROKERS=k9:1 "$LAKESINK" check-config --json "$tmp/ok.yml")
grep -q '"k9:1"' <<<"$envjson" || fail "env"

cat > "$tmp/bad.yml" <<'YML'
kafka: {brokers: b}
topics:
  orders:
    kafka-topic: orders
    processing: {batch-size: -5, bacth-size: 1}
YML
set +e
err=$("$LAKESINK" check-config "$tmp/bad.yml" 2>&1 >/dev/null); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "exit code $rc"
grep -q "bad.yml:5:30: topics.orders.processing.batch-size: -5 is below the minimum 1" <<<"$err" \
  || fail "bound: $err"
grep -q "did you mean 'batch-size'" <<<"$err" || fail "suggestion: $err"
grep -q "topics.orders.destination.table-uri: missing" <<<"$err" || fail "missing: $err"

help=$("$LAKESINK" check-config --help)
grep -q "topics.\*.destination.table-uri" <<<"$help" || fail "help keys"
"$LAKESINK" check-config --print-docs | diff - "$LS_SOURCE_DIR/docs/configuration.md" \
  || fail "docs/configuration.md is stale"
echo ok
