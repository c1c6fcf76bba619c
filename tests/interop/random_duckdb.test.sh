#!/usr/bin/env bash
# Random-schema Parquet files (tests/interop/randcase_gen.c, the round-trip test's generator)
# read back in DuckDB with the rows and types intended, both as written by the library and
# as re-encoded by `lakesink parquet write` from their NDJSON (see random_duckdb.js).
# LS_RANDOM_SEEDS sets the number of cases (default 150, about 10 s).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
gen="${LS_BINARY_DIR:?LS_BINARY_DIR must point at the build directory}/tests/randcase_gen"
if ! command -v node >/dev/null || [ ! -d "$here/node_modules/@duckdb/node-api" ]; then
    echo "skipped: node or @duckdb/node-api (tests/interop/node_modules) is not available"
    exit 0
fi
if [ ! -x "$gen" ]; then
    echo "FAIL: $gen is missing (build the randcase_gen target)"
    exit 1
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-random-duckdb.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$gen" "$work" "${LS_RANDOM_SEEDS:-150}"
node "$here/random_duckdb.js" "$work"
