#!/usr/bin/env bash
# `lakesink table scan` on every Spark golden Delta table with expected rows, compared with
# DuckDB's reading of expected/*.parquet; listed refusals (column mapping, deletion vectors)
# and negative fixtures must fail exactly as listed in delta_golden_scan.js.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../integration/delta_lib.sh
. "$here/../integration/delta_lib.sh"
command -v node >/dev/null 2>&1 && [ -d "$here/node_modules/@duckdb/node-api" ] ||
    skip "node or @duckdb/node-api (tests/interop/node_modules) is not available"
td="${LS_TESTDATA:-${LS_SOURCE_DIR:-$here/../..}/../shared/testdata}"
[ -d "$td/delta-golden" ] || skip "$td/delta-golden is absent"
need_table_cli table
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-delta-golden.XXXXXX")"
trap delta_cleanup EXIT
node "$here/delta_golden_scan.js" "$td/delta-golden" "$work"
