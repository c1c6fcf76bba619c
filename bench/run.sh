#!/usr/bin/env bash
# `make bench`: NDJSON → Parquet (zstd) throughput of lakesink against DuckDB, measured in
# the same run on the same data, alternating runs (RUNS of each, default 3), reporting
# medians and the ratio to DuckDB: `lakesink parquet write` (one file) and `lakesink load`
# (a Delta table partitioned by event_type, one commit). Afterwards the rows of every
# load table (read back with `lakesink table scan`) are checked against the rows of the
# single-file conversion (`lakesink parquet cat`), sorted: speed that changes a value is a
# bug (CHECK=0 skips this). Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
runs="${RUNS:-3}"
check="${CHECK:-1}"
events="${EVENTS:-1000000}"
data="$build/bench-data"
mkdir -p "$data"
in="$data/events.ndjson"
schema="$root/bench/events.schema.json"
ls_bin="$build/lakesink"
bench_bin="$build/bench/bench_parquet_encode"
for b in "$ls_bin" "$bench_bin" "$build/bench/gen_events"; do
    [ -x "$b" ] || { echo "run.sh: $b is missing: build first (make build)" >&2; exit 1; }
done
if [ ! -s "$in" ] || [ "$build/bench/gen_events" -nt "$in" ] ||
    [ "$(cat "$data/events.count" 2>/dev/null)" != "$events" ]; then
    echo "generating $events events into $in"
    "$build/bench/gen_events" "$events" "$in"
    echo "$events" >"$data/events.count"
fi
bytes=$(wc -c <"$in" | tr -d ' ')
have_duckdb=1
[ -d "$root/tests/interop/node_modules/@duckdb/node-api" ] && command -v node >/dev/null || have_duckdb=0

# field NAME from a one-line JSON object on stdin
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | head -1; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# peak RSS in MB of a command (GNU time), or "-" when /usr/bin/time is absent
rss_of() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f '%M' -o "$data/rss" "$@" >"$data/out.json" 2>"$data/err" || { cat "$data/err" >&2; return 1; }
        awk '{printf "%.0f", $1/1024}' "$data/rss"
    else
        "$@" >"$data/out.json"; echo "-"
    fi
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
declare -A secs rss outf
add() { secs[$1]="${secs[$1]:-} $2"; rss[$1]="$3"; outf[$1]="$4"; }
for i in $(seq 1 "$runs"); do
    r=$(rss_of "$ls_bin" parquet write "$data/ls.parquet" "$in" --schema "$schema" --codec zstd)
    add "lakesink parquet write (schema given)" "$(field seconds <"$data/out.json")" "$r" ls.parquet
    r=$(rss_of "$ls_bin" parquet write "$data/ls_inf.parquet" "$in" --codec zstd)
    add "lakesink parquet write (schema inferred)" "$(field seconds <"$data/out.json")" "$r" ls_inf.parquet
    for t in 1 2; do
        rm -rf "$data/table$t"
        r=$(rss_of "$ls_bin" load "$data/table$t" "$in" --schema "$schema" --partition-by event_type \
            --codec zstd --threads "$t")
        add "lakesink load (Delta, partitioned), threads=$t" "$(field seconds <"$data/out.json")" "$r" "table$t"
    done
    r=$(rss_of "$bench_bin" encode "$in" "$schema" "$data/enc.parquet" 1)
    add "lakesink encode only (pre-decoded batches)" "$(field seconds <"$data/out.json")" "$r" enc.parquet
    if [ "$have_duckdb" = 1 ]; then
        for t in 1 2; do
            r=$(rss_of node "$root/bench/duckdb_copy.js" "$in" "$data/duck$t.parquet" "$t")
            add "DuckDB COPY read_json, threads=$t" "$(field seconds <"$data/out.json")" "$r" "duck$t.parquet"
        done
    fi
    echo "run $i/$runs done" >&2
done

echo
echo "NDJSON → Parquet (zstd), $events events, $((bytes / 1000000)) MB, $(nproc) CPUs, $runs runs each (median)"
echo "load average (1, 5, 15 min): $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?") at the end"
med() { echo "${secs[$1]:-}" | tr ' ' '\n' | sed '/^$/d' | median; }
ref1="" ref2=""
if [ "$have_duckdb" = 1 ]; then
    ref1=$(med "DuckDB COPY read_json, threads=1")
    ref2=$(med "DuckDB COPY read_json, threads=2")
fi
ratio() { [ -n "$1" ] && awk -v r="$1" -v m="$2" 'BEGIN {printf "%.2fx", r/m}' || echo "-"; }
printf '%-46s %8s %10s %7s %7s %7s %9s %9s\n' "what" "seconds" "events/s" "MB/s" "RSS MB" "out MB" \
    "vs DDB 1t" "vs DDB 2t"
for k in "lakesink parquet write (schema given)" "lakesink parquet write (schema inferred)" \
         "lakesink load (Delta, partitioned), threads=1" "lakesink load (Delta, partitioned), threads=2" \
         "lakesink encode only (pre-decoded batches)" "DuckDB COPY read_json, threads=1" \
         "DuckDB COPY read_json, threads=2"; do
    [ -n "${secs[$k]:-}" ] || continue
    m=$(med "$k")
    if [ -d "$data/${outf[$k]}" ]; then
        out=$(du -sb "$data/${outf[$k]}" | cut -f1)
    else
        out=$(wc -c <"$data/${outf[$k]}" | tr -d ' ')
    fi
    awk -v k="$k" -v m="$m" -v n="$events" -v b="$bytes" -v rs="${rss[$k]}" -v o="$out" \
        -v r1="$(ratio "$ref1" "$m")" -v r2="$(ratio "$ref2" "$m")" \
        'BEGIN {printf "%-46s %8.3f %10.0f %7.1f %7s %7.1f %9s %9s\n", k, m, n/m, b/1e6/m, rs, o/1e6, r1, r2}'
done
echo "(MB/s = NDJSON input bytes / seconds; RSS = peak resident set of the process (GNU time);"
echo " lakesink seconds are its own summary's (open to rename, fsync included); DuckDB's are the COPY alone)"
echo "(vs DDB = DuckDB's median seconds / this row's median seconds: above 1x is faster than DuckDB)"
if [ "$check" = 1 ]; then
    # the same rows, sorted, from the single-file conversion and from each load table
    "$ls_bin" parquet cat "$data/ls.parquet" | LC_ALL=C sort | md5sum >"$data/want.md5"
    for t in 1 2; do
        if "$ls_bin" table scan "$data/table$t" | LC_ALL=C sort | md5sum |
            cmp -s - "$data/want.md5"; then
            echo "rows check: load table (threads=$t) holds exactly the rows of the conversion"
        else
            echo "rows check FAILED: load table (threads=$t) differs from the conversion" >&2
            exit 1
        fi
    done
fi
