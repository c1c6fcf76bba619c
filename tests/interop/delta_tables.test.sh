#!/usr/bin/env bash
# Delta tables written by `lakesink load`, checked by the independent checker delta_check.js
# (log replay, checkpoint vs JSON replay, file sizes, paths, Hive directories, stats against
# DuckDB) and by scanning them back: a plain table of several files, a partitioned one, a
# schema-evolved one and a checkpointed one (+ time travel to its first version).
# The checker is itself checked first: Spark-written golden tables must pass it, and copies
# of one with a wrong stat, a wrong size, a wrong partition value or a missing commit must not.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=../integration/delta_lib.sh
. "$here/../integration/delta_lib.sh"

command -v node >/dev/null 2>&1 && [ -d "$here/node_modules/@duckdb/node-api" ] ||
    skip "node or @duckdb/node-api (tests/interop/node_modules) is not available"
command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-delta-tables.XXXXXX")"
trap delta_cleanup EXIT
CHK="$here/delta_check.js"
td="${LS_TESTDATA:-${LS_SOURCE_DIR:-$here/../..}/../shared/testdata}"

# checker_passes DESCRIPTION DIR [ARGS]
checker_passes() {
    local what="$1" dir="$2"; shift 2
    if node "$CHK" "$dir" "$@" >"$work/chk.out" 2>&1; then ok "$what"
    else fail "$what"; grep -E '^FAIL|passed' "$work/chk.out" | head -8 | sed 's/^/    /'; fi
}
# checker_catches DESCRIPTION DIR PATTERN: the checker must fail with a FAIL line matching PATTERN
checker_catches() {
    local what="$1" dir="$2" pat="$3"
    if node "$CHK" "$dir" >"$work/chk.out" 2>&1; then fail "$what: the checker passed a broken table"
    elif grep -qE -- "$pat" "$work/chk.out"; then ok "$what"
    else fail "$what: no FAIL line matches /$pat/"; head -5 "$work/chk.out" | sed 's/^/    /'; fi
}

# ---------------------------------------------------------------- the checker on Spark tables
if [ -d "$td/delta-golden" ]; then
    g="$td/delta-golden"
    for t in basic-decimal-table data-skipping-basic-stats-all-types basic-with-inserts-deletes-checkpoint \
             decimal-various-scale-precision kernel-timestamp-int96 parquet-all-types snapshot-data2-deleted \
             time-travel-partition-changes-a multi-part-checkpoint; do
        checker_passes "checker accepts golden $t" "$g/$t/delta"
    done
    [ -d "$td/delta-stats/timestamp-truncation-stats" ] &&
        checker_passes "checker accepts delta-stats/timestamp-truncation-stats" "$td/delta-stats/timestamp-truncation-stats" --require-stats

    # broken copies (in the scratch directory) must be caught
    cp -r "$g/basic-decimal-table/delta" "$work/bad-stat"
    sed -i 's/\\"maxValues\\":{\\"col1\\":-999.99/\\"maxValues\\":{\\"col1\\":-1000.00/' "$work/bad-stat/_delta_log/00000000000000000000.json"
    checker_catches "checker catches a max below the data" "$work/bad-stat" 'col1 min/max'
    cp -r "$g/basic-decimal-table/delta" "$work/bad-size"
    f=$(find "$work/bad-size" -name '*.parquet' -print -quit); printf 'x' >>"$f"
    checker_catches "checker catches a wrong size" "$work/bad-size" ': size'
    cp -r "$g/basic-decimal-table/delta" "$work/bad-part"
    sed -i 's/"partitionValues":{"part":"0.00004"}/"partitionValues":{"part":"0.00005"}/' "$work/bad-part/_delta_log/00000000000000000000.json"
    checker_catches "checker catches partitionValues unlike the directory" "$work/bad-part" 'Hive directories'
    cp -r "$g/basic-decimal-table/delta" "$work/bad-null"
    sed -i 's/\\"nullCount\\":{\\"col1\\":0,/\\"nullCount\\":{\\"col1\\":1,/' "$work/bad-null/_delta_log/00000000000000000000.json"
    checker_catches "checker catches a wrong nullCount" "$work/bad-null" 'col1 nullCount'
    cp -r "$g/basic-with-inserts-deletes-checkpoint/delta" "$work/bad-gap"
    rm "$work/bad-gap/_delta_log/00000000000000000005.json"
    checker_catches "checker catches a missing commit" "$work/bad-gap" 'versions contiguous'
    cp -r "$g/basic-with-inserts-deletes-checkpoint/delta" "$work/bad-line"
    printf '{"add":{"path":"x.parquet"' >>"$work/bad-line/_delta_log/00000000000000000013.json"
    checker_catches "checker catches a partial commit line" "$work/bad-line" 'parses line by line'
    rm -rf "$work"/bad-*
else
    echo "note: $td/delta-golden is absent: the checker's self-check did not run"
fi

# ---------------------------------------------------------------- tables made by lakesink load
cli_missing=""
[ -n "${LAKESINK:-}" ] && [ -x "$LAKESINK" ] || cli_missing="LAKESINK is not set"
if [ -z "$cli_missing" ]; then
    for c in load table; do
        [ -z "$cli_missing" ] && ! "$LAKESINK" "$c" --help >/dev/null 2>&1 &&
            cli_missing="'lakesink $c' does not exist in $LAKESINK yet"
    done
fi
if [ -n "$cli_missing" ]; then
    echo "skipped: the lakesink-written tables: $cli_missing"
    finish; exit $?
fi

for k in basic part evolved; do python3 "$DH" schema "$k" >"$work/$k.schema.json"; done

# load_into DESCRIPTION TABLE INPUT ARGS...: one load; checks it committed one version past the last
declare -A lastv
load_into() {
    local what="$1" t="$2" in="$3"; shift 3
    expect_ok "$what" load "load" "$t" "$in" --format ndjson "$@" || return 1
    local v
    v=$(python3 "$DH" field "$work/load.out" version 2>/dev/null)
    if ! [[ "$v" =~ ^[0-9]+$ ]]; then fail "$what: the summary has no version: $(head -c 300 "$work/load.out")"; return 1; fi
    if [ -n "${lastv[$t]:-}" ] && [ "$v" -ne $((lastv[$t] + 1)) ]; then
        fail "$what: committed version $v after ${lastv[$t]}"
    fi
    lastv[$t]=$v
    cat "$in" >>"$t.rows"
    return 0
}
# scan_same DESCRIPTION TABLE [ARGS]: table scan equals every row loaded so far
scan_same() {
    local what="$1" t="$2"; shift 2
    expect_ok "$what: scan runs" scan table scan "$t" "$@" || return
    check "$what: scan equals the loaded rows" python3 "$DH" same "$work/scan.out" "$t.rows"
}

cd "$work" || exit 1
# plain, several files per load (small target size), three loads
for i in 1 2 3; do
    python3 "$DH" gen basic 300 "plain$i" >in.ndjson
    sed -i "s/\"id\": \([0-9]*\)/\"id\": $i\1/" in.ndjson
    load_into "plain: load $i" "$work/plain" in.ndjson --schema basic.schema.json --target-file-bytes 8192
done
checker_passes "plain: delta_check" "$work/plain" --require-stats --summary plain.sum
nf=$(python3 "$DH" field plain.sum files)
[ "${nf:-0}" -gt 3 ] && ok "plain: several files" || fail "plain: only ${nf:-?} live files with --target-file-bytes 8192"
scan_same "plain" "$work/plain"

# partitioned by a string with characters Hive escapes (and nulls) and a date
for i in 1 2; do
    python3 "$DH" gen part 400 "part$i" >in.ndjson
    sed -i "s/\"id\": \([0-9]*\)/\"id\": $i\1/" in.ndjson
    load_into "partitioned: load $i" "$work/part" in.ndjson --schema part.schema.json --partition-by region,pday
done
checker_passes "partitioned: delta_check" "$work/part" --require-stats
scan_same "partitioned" "$work/part"

# schema evolution: a second load with two more columns
python3 "$DH" gen basic 200 evo1 >in.ndjson
load_into "evolved: load 1" "$work/evo" in.ndjson --schema basic.schema.json
python3 "$DH" gen evolved 200 evo2 >in.ndjson
sed -i 's/"id": \([0-9]*\)/"id": 9\1/' in.ndjson
load_into "evolved: load with new columns" "$work/evo" in.ndjson --schema evolved.schema.json
checker_passes "evolved: delta_check" "$work/evo" --require-stats
scan_same "evolved" "$work/evo"

# checkpointed: five loads, a checkpoint, one more load
for i in 1 2 3 4 5; do
    python3 "$DH" gen basic 50 "ck$i" >in.ndjson
    sed -i "s/\"id\": \([0-9]*\)/\"id\": $i\1/" in.ndjson
    load_into "checkpointed: load $i" "$work/ck" in.ndjson --schema basic.schema.json
    [ "$i" -eq 1 ] && cp in.ndjson first.ndjson && first_v=${lastv[$work/ck]}
done
expect_ok "checkpointed: table checkpoint" ckpt table checkpoint "$work/ck"
ls "$work/ck/_delta_log/"*.checkpoint.parquet >/dev/null 2>&1 && ok "checkpoint file written" ||
    fail "checkpointed: no *.checkpoint.parquet in _delta_log"
python3 "$DH" gen basic 50 ck6 >in.ndjson
sed -i 's/"id": \([0-9]*\)/"id": 6\1/' in.ndjson
load_into "checkpointed: load after the checkpoint" "$work/ck" in.ndjson
checker_passes "checkpointed: delta_check" "$work/ck" --require-stats
scan_same "checkpointed" "$work/ck"
expect_ok "checkpointed: table info" info table info "$work/ck" --json
v=$(python3 "$DH" field info.out version 2>/dev/null)
[ "$v" = "${lastv[$work/ck]}" ] && ok "info version" || fail "table info --json version '$v', want ${lastv[$work/ck]}"
if [ -n "${first_v:-}" ]; then
    expect_ok "time travel scan" tt table scan "$work/ck" --version "$first_v" &&
        check "time travel to version $first_v equals the first load" python3 "$DH" same tt.out first.ndjson
fi
finish
