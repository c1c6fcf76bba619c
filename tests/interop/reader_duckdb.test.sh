#!/usr/bin/env bash
# `lakesink parquet cat` agrees with DuckDB on every parquet-testing data file, except
# the files listed (with reasons) in reader_duckdb.js.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
data="${LS_TESTDATA:-$here/../../../shared/testdata}/parquet-testing/data"
if [ ! -d "$data" ]; then
    echo "skipped: $data is absent"
    exit 0
fi
if ! command -v node >/dev/null || [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
    echo "skipped: node or @duckdb/node-api (tests/interop/node_modules) is not available"
    exit 0
fi
node "$here/reader_duckdb.js" "$data"
