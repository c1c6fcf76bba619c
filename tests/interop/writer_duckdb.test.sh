#!/usr/bin/env bash
# Files written by `lakesink parquet write` read back in DuckDB with the input's values
# and the intended types (see writer_duckdb.js for the list of checks).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
if ! command -v node >/dev/null || [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
    echo "skipped: node or @duckdb/node-api (tests/interop/node_modules) is not available"
    exit 0
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-writer-duckdb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
node "$here/writer_duckdb.js" "$work"
