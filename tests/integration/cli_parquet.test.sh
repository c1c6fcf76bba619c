#!/usr/bin/env bash
# The `lakesink parquet` command line: exit codes (0 ok, 1 runtime error, 2 usage error),
# --help, error messages, bad input lines, JSON outputs, and write → cat round trips.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${LAKESINK:?LAKESINK must point at the lakesink binary}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-cli-parquet.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

. "$here/cli_lib.sh"

same_file() { # A B DESCRIPTION
    if cmp -s "$1" "$2"; then ok; else fail "$3: $1 and $2 differ"; diff "$1" "$2" | head -6; fi
}
json_ok() { # FILE: is it one JSON document?
    if command -v python3 >/dev/null; then python3 -m json.tool "$1" >/dev/null 2>&1
    elif command -v jq >/dev/null; then jq -e . "$1" >/dev/null 2>&1
    else node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$1" 2>/dev/null
    fi
}
json_field() { # FILE KEY: a top-level number/string field of a one-line JSON object
    sed -n "s/.*\"$2\":\"\{0,1\}\([^,\"}]*\).*/\1/p" "$1" | head -1
}

# ---------------------------------------------------------------- fixtures
cat >schema.json <<'EOF'
{"type":"struct","fields":[{"name":"id","type":"long","nullable":false,"metadata":{}},{"name":"name","type":"string","nullable":true,"metadata":{}},{"name":"score","type":"double","nullable":true,"metadata":{}},{"name":"price","type":"decimal(10,2)","nullable":true,"metadata":{}},{"name":"day","type":"date","nullable":true,"metadata":{}},{"name":"ts","type":"timestamp","nullable":true,"metadata":{}},{"name":"local","type":"timestamp_ntz","nullable":true,"metadata":{}},{"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}},{"name":"attrs","type":{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}},{"name":"ok","type":"boolean","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}},{"name":"raw","type":"binary","nullable":true,"metadata":{}}]}
EOF
# The input is written in the output conventions, so cat must reproduce it byte for byte.
cat >rows.ndjson <<'EOF'
{"id":1,"name":"alpha","score":1.5,"price":"12.30","day":"2024-01-15","ts":"2024-01-15T10:30:00.000000Z","local":"2024-01-15T10:30:00.000000","tags":["a","b"],"attrs":{"a":1,"ok":true},"raw":"AAEC"}
{"id":2,"name":"ünïcödé ✓","score":-0.25,"price":"-0.05","day":"1969-12-31","ts":"1969-12-31T23:59:59.999999Z","local":"2000-02-29T12:00:00.500000","tags":[],"attrs":{"a":null,"ok":false},"raw":""}
{"id":3,"name":null,"score":null,"price":null,"day":null,"ts":null,"local":null,"tags":null,"attrs":null,"raw":null}
{"id":4,"name":"","score":"NaN","price":"99999999.99","day":"0001-01-01","ts":"2262-04-11T23:47:16.854775Z","local":"1900-01-01T00:00:00.000000","tags":[null,"x",null],"attrs":{"a":-2147483648,"ok":null},"raw":"/w=="}
{"id":5,"name":"quote \" backslash \\ tab \t","score":1e+300,"price":"0.00","day":"9999-12-31","ts":"1970-01-01T00:00:00.000000Z","local":"1970-01-01T00:00:00.000000","tags":["only"],"attrs":{"a":2147483647,"ok":true},"raw":"SGVsbG8sIFdvcmxkIQ=="}
EOF

# ---------------------------------------------------------------- usage and help
run 2 "no command" -- 
run 0 "--help" -- --help
expect_out "parquet" "--help lists the parquet group"
run 0 "--version" -- --version
expect_out "^lakesink [0-9]" "--version"
run 2 "unknown command" -- bogus
expect_err "^lakesink: unknown command 'bogus'" "unknown command message"
run 2 "parquet without a command" -- parquet
run 0 "parquet --help" -- parquet --help
run 2 "unknown parquet command" -- parquet bogus
for c in cat schema meta write; do
    run 0 "parquet $c --help" -- parquet "$c" --help
    expect_out "^usage: lakesink parquet $c " "parquet $c --help"
done
run 2 "cat without FILE" -- parquet cat
expect_err "^lakesink: parquet cat: missing argument" "missing argument message"
run 2 "cat with two files" -- parquet cat a.parquet b.parquet
run 2 "unknown option" -- parquet cat x.parquet --bogus
expect_err "unknown option '--bogus'" "unknown option message"
run 2 "short option" -- parquet cat -x x.parquet
run 2 "--limit not a number" -- parquet cat x.parquet --limit ten
run 2 "--limit negative" -- parquet cat x.parquet --limit -1
run 2 "--limit without value" -- parquet cat x.parquet --limit
run 2 "option given twice" -- parquet cat x.parquet --limit 1 --limit 2
run 2 "flag with a value" -- parquet schema x.parquet --json=yes
run 2 "write without OUT" -- parquet write
run 2 "bad codec" -- parquet write o.parquet rows.ndjson --codec lzma
expect_err "unknown codec 'lzma'" "bad codec message"
run 2 "level out of range" -- parquet write o.parquet rows.ndjson --codec gzip --level 12
run 2 "level for a codec without levels" -- parquet write o.parquet rows.ndjson --codec snappy --level 3
run 2 "bad --on-error" -- parquet write o.parquet rows.ndjson --on-error maybe
run 2 "bad size suffix" -- parquet write o.parquet rows.ndjson --row-group-bytes 12Q
run 2 "zero row-group-rows" -- parquet write o.parquet rows.ndjson --row-group-rows 0
run 2 "OUT is stdout" -- parquet write - rows.ndjson
[ ! -e o.parquet ] && ok || fail "usage errors must not create files"

# ---------------------------------------------------------------- runtime errors
for c in cat schema meta; do
    run 1 "$c of a missing file" -- parquet "$c" "$work/missing.parquet"
    expect_err "^lakesink: .*$work/missing.parquet.*: " "$c missing file message names the file"
done
printf 'this is not parquet, just text that is long enough\n' >text.parquet
run 1 "cat of a text file" -- parquet cat text.parquet
expect_err "^lakesink: .*text.parquet" "not-parquet message names the file"
: >empty.parquet
run 1 "meta of an empty file" -- parquet meta empty.parquet
run 1 "write from a missing input" -- parquet write o.parquet "$work/missing.ndjson"
expect_err "missing.ndjson" "missing input message names the file"
run 1 "write with a missing schema file" -- parquet write o.parquet rows.ndjson --schema nope.json
expect_err "nope.json" "missing schema message names the file"
echo '{"type":"struct","fields":[{"name":"x","type":"nosuchtype","nullable":true}]}' >bad_schema.json
run 1 "write with an invalid schema" -- parquet write o.parquet rows.ndjson --schema bad_schema.json
expect_err "bad_schema.json" "invalid schema message names the file"
run 1 "write into a missing directory" -- parquet write "$work/no/such/dir/o.parquet" rows.ndjson --schema schema.json
[ ! -e o.parquet ] && ok || fail "failed writes must not create the output"

# ---------------------------------------------------------------- bad lines
{
    sed -n 1,2p rows.ndjson
    echo '{"id":99,"name":"broken", oops}'
    sed -n 3p rows.ndjson
    echo '{"id":"not a number"}'
    sed -n 4,5p rows.ndjson
} >bad.ndjson
run 1 "bad line with --on-error fail" -- parquet write bad.parquet bad.ndjson --schema schema.json
expect_err "^lakesink: .*bad.ndjson.*line 3" "fail mode names the input and line 3"
[ ! -e bad.parquet ] && [ ! -e bad.parquet.tmp ] && ok || fail "fail mode leaves no output"
run 0 "bad lines with --on-error skip" -- parquet write bad.parquet bad.ndjson --schema schema.json --on-error skip
expect_err "bad.ndjson: line 3: .*skipped" "skip mode reports line 3"
expect_err "bad.ndjson: line 5: .*skipped" "skip mode reports line 5"
[ "$(json_field out bad_lines)" = 2 ] && ok || fail "summary bad_lines: $(cat out)"
[ "$(json_field out rows)" = 5 ] && ok || fail "summary rows: $(cat out)"
run 0 "cat after skipping" -- parquet cat bad.parquet
same_file out rows.ndjson "skipped lines are absent, the others intact"
run 0 "skip mode with inference" -- parquet write bad_inf.parquet bad.ndjson --on-error skip
[ "$(json_field out bad_lines)" -ge 1 ] && ok || fail "inferred skip summary: $(cat out)"

# ---------------------------------------------------------------- round trips
for codec in zstd snappy gzip lz4_raw brotli none; do
    run 0 "write --codec $codec" -- parquet write "rt_$codec.parquet" rows.ndjson --schema schema.json --codec "$codec"
    json_ok out && ok || fail "write summary is JSON: $(cat out)"
    [ "$(json_field out rows)" = 5 ] && [ "$(json_field out schema)" = given ] && ok || fail "summary: $(cat out)"
    [ "$(json_field out bytes)" = "$(wc -c <"rt_$codec.parquet" | tr -d ' ')" ] && ok || fail "summary bytes: $(cat out)"
    [ ! -e "rt_$codec.parquet.tmp" ] && ok || fail "no .tmp left behind"
    run 0 "cat $codec" -- parquet cat "rt_$codec.parquet"
    same_file out rows.ndjson "round trip through $codec"
done
run 0 "write with a level and small row groups" -- parquet write rt_small.parquet rows.ndjson --schema schema.json --level 19 --row-group-rows 2 --page-bytes 1K
[ "$(json_field out row_groups)" = 3 ] && ok || fail "--row-group-rows 2 gives 3 row groups: $(cat out)"
run 0 "cat small row groups" -- parquet cat rt_small.parquet
same_file out rows.ndjson "round trip through 3 row groups"
run 0 "write from stdin" -- parquet write rt_stdin.parquet - --schema schema.json <rows.ndjson
run 0 "cat stdin-written" -- parquet cat rt_stdin.parquet
same_file out rows.ndjson "round trip from stdin"
run 0 "cat --limit" -- parquet cat rt_small.parquet --limit 3
head -3 rows.ndjson >want3
same_file out want3 "--limit 3 across row groups"
run 0 "cat --limit 0" -- parquet cat rt_zstd.parquet --limit 0
[ ! -s out ] && ok || fail "--limit 0 prints nothing"
run 0 "cat --columns" -- parquet cat rt_zstd.parquet --columns ts,id
sed -E 's/^\{"id":([0-9]+),.*"ts":("[^"]*"|null),"local".*/{"id":\1,"ts":\2}/' rows.ndjson >want_cols
same_file out want_cols "--columns keeps file order"
run 1 "cat --columns unknown" -- parquet cat rt_zstd.parquet --columns nope
expect_err "nope" "unknown column is named"
run 2 "cat --columns empty item" -- parquet cat rt_zstd.parquet --columns id,,ts
expect_err "empty" "empty column name"

# inference, from a pipe (spooled) and from a file: same schema either way
cat >events.ndjson <<'EOF'
{"user_id":"u1","n":1,"price":9.5,"when":"2024-01-15T10:30:00Z","day":"2024-01-15","tags":["a"],"props":{"k":"v"}}
{"user_id":"u2","n":2,"price":10,"when":"2024-01-15T10:31:00Z","day":"2024-01-16","tags":[],"props":{"k":null}}
EOF
run 0 "write with inference from a file" -- parquet write inf_file.parquet events.ndjson
[ "$(json_field out schema)" = inferred ] && ok || fail "summary says inferred: $(cat out)"
cat events.ndjson | "$LAKESINK" parquet write inf_pipe.parquet >out 2>err && ok || fail "write with inference from a pipe"
run 0 "schema --json (file)" -- parquet schema --json inf_file.parquet
cp out inf_file.schema
run 0 "schema --json (pipe)" -- parquet schema --json inf_pipe.parquet
same_file out inf_file.schema "inferred schema does not depend on the input kind"
json_ok out && ok || fail "schema --json is JSON"
expect_out '"name":"when","type":"timestamp"' "inferred timestamp"
expect_out '"name":"day","type":"date"' "inferred date"
expect_out '"name":"price","type":"double"' "inferred double"
expect_out '"name":"n","type":"long"' "inferred long"
: >empty.ndjson
run 1 "inference from an empty input" -- parquet write e.parquet empty.ndjson
expect_err "no records" "empty input message"
run 0 "empty input with a schema" -- parquet write e.parquet empty.ndjson --schema schema.json
[ "$(json_field out rows)" = 0 ] && ok || fail "0 rows: $(cat out)"
run 0 "cat of a file without rows" -- parquet cat e.parquet
[ ! -s out ] && ok || fail "no rows printed"

# ---------------------------------------------------------------- schema and meta
run 0 "schema --json" -- parquet schema --json rt_zstd.parquet
same_file out schema.json "schema --json gives the Delta schema back"
run 0 "schema" -- parquet schema rt_zstd.parquet
expect_out "^message " "Parquet schema tree"
expect_out "optional int64 ts \[logical TIMESTAMP\(MICROS,true\)" "timestamp annotation"
expect_out "repeated group list" "3-level list"
expect_out "^ \|-- tags: array \(nullable = true\)" "Delta tree"
run 0 "meta" -- parquet meta rt_small.parquet
expect_out "^rows: 5" "meta rows"
expect_out "^row groups: 3" "meta row groups"
expect_out "codec ZSTD" "meta codec"
run 0 "meta --json" -- parquet meta --json rt_small.parquet
json_ok out && ok || fail "meta --json is JSON"
expect_out '"num_rows":5,"num_row_groups":3' "meta --json counts"
run 0 "meta --json, one row group" -- parquet meta --json rt_zstd.parquet
json_ok out && ok || fail "meta --json is JSON"
expect_out '"path":"ts","physical_type":"INT64","logical_type":"TIMESTAMP\(MICROS,true\)"' "meta --json column"
expect_out '"path":"ts",[^}]*"statistics":\{"null_count":1,"min":"1969-12-31T23:59:59.999999Z","max":"2262-04-11T23:47:16.854775Z"' "timestamp statistics are readable"
expect_out '"path":"price",[^}]*"statistics":\{"null_count":1,"min":"-0.05","max":"99999999.99"' "decimal statistics are readable"
expect_out '"path":"day",[^}]*"min":"0001-01-01","max":"9999-12-31"' "date statistics are readable"
expect_out '"path":"tags.list.element",[^}]*"null_count":4' "list null count (null list, empty list, 2 null elements)"

# inference widens fields that mix types to string; their values are kept as JSON text
printf '{"a":1,"b":{"x":1}}\n{"a":"x","b":"str"}\n{"a":2.5}\n' > mixed.ndjson
run 0 "write with mixed-type fields, inferred" -- parquet write mixed.parquet mixed.ndjson
run 0 "cat mixed" -- parquet cat mixed.parquet
expect_out '^\{"a":"1","b":"\{\\"x\\":1\}"\}$' "number and object kept as text in string columns"
expect_out '^\{"a":"2.5","b":null\}$' "missing field is null"
echo '{"type":"struct","fields":[{"name":"a","type":"string","nullable":true},{"name":"b","type":"string","nullable":true}]}' >str_schema.json
run 1 "mixed types with a declared string schema stay strict" -- parquet write mixed2.parquet mixed.ndjson --schema str_schema.json
expect_err "mixed.ndjson.*line 1.*a number cannot fill a string column" "strict mode names line and reason"

echo "cli_parquet: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
