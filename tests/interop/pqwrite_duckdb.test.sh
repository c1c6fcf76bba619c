#!/usr/bin/env bash
# Files written by the library's Parquet writer (tests/interop/pqwrite_gen.c) read back in
# DuckDB with exactly the generated values, types, statistics and row groups
# (see pqwrite_duckdb.js for the list of checks).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
gen="${LS_BINARY_DIR:?LS_BINARY_DIR must point at the build directory}/tests/pqwrite_gen"
if ! command -v node >/dev/null || [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
    echo "skipped: node or @duckdb/node-api (tests/interop/node_modules) is not available"
    exit 0
fi
if [ ! -x "$gen" ]; then
    echo "FAIL: $gen is missing (build the pqwrite_gen target)"
    exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-pqwrite-duckdb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$gen" "$work"
node "$here/pqwrite_duckdb.js" "$work"
