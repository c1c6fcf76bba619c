#!/usr/bin/env bash
# Two writers appending to one Delta table at the same time: each runs 50 `lakesink load`
# invocations in a row (5 rows each, tagged writer/seq/i). Afterwards the table has exactly
# 100 new versions, contiguous, and every row is present exactly once. Run on a local
# directory, and on S3 (moto_server) when moto_server and boto3 are installed.
# LS_DELTA_COMMITS overrides the commits per writer (default 50).
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=delta_lib.sh
. "$here/delta_lib.sh"
need_table_cli
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-delta-conc.XXXXXX")"
trap delta_cleanup EXIT
cd "$work" || exit 1
N=${LS_DELTA_COMMITS:-50}
python3 "$DH" schema tagged >tagged.schema.json

# writer NAME TABLE: N loads in a row of NAME.S.in (made beforehand, so the two writers
# overlap as much as possible); a failed load is recorded in NAME.failures
writer() {
    local w="$1" t="$2" s
    : >"$w.failures"
    for s in $(seq 1 "$N"); do
        "$LAKESINK" load "$t" "$w.$s.in" --format ndjson >"$w.$s.out" 2>"$w.err"
        local rc=$?
        if [ "$rc" -ne 0 ]; then
            echo "load $s exited $rc: $(head -c 300 "$w.err")" >>"$w.failures"
            rm -f "$w.$s.out"
        fi
    done
}
# collect NAME: the rows and versions of NAME's successful loads
collect() {
    local w="$1" s outs=()
    : >"$w.rows"
    for s in $(seq 1 "$N"); do
        [ -f "$w.$s.out" ] || continue
        cat "$w.$s.in" >>"$w.rows"
        outs+=("$w.$s.out")
    done
    python3 "$DH" fields version "${outs[@]}" >"$w.versions"
}

# latest_version TABLE: from `table info --json`
latest_version() {
    "$LAKESINK" table info "$1" --json >info.out 2>info.err && python3 "$DH" field info.out version
}

run_case() { # LABEL TABLE
    local label="$1" t="$2" v0 v1 w
    rm -f ./*.rows ./*.versions ./w*.out
    python3 "$DH" gen-seq tagged 5 w1 "$N" w1
    python3 "$DH" gen-seq tagged 5 w2 "$N" w2
    python3 "$DH" gen tagged 5 0 init:0 >init.ndjson
    expect_ok "$label: create" init load "$t" init.ndjson --format ndjson --schema tagged.schema.json || return
    v0=$(latest_version "$t")
    local t0=$SECONDS
    writer w1 "$t" & local p1=$!
    writer w2 "$t" & local p2=$!
    wait $p1 $p2
    echo "note: $label: $((2 * N)) concurrent loads took $((SECONDS - t0)) s"
    collect w1; collect w2
    for w in w1 w2; do
        [ -s "$w.failures" ] && { fail "$label: $w had failed loads"; head -3 "$w.failures" | sed 's/^/    /'; } ||
            ok "$label: $w loads all succeeded"
    done
    v1=$(latest_version "$t")
    [ -n "$v0" ] && [ -n "$v1" ] && [ "$v1" -eq $((v0 + 2 * N)) ] && ok "$label: $((2 * N)) new versions" ||
        fail "$label: version went from '$v0' to '$v1', want +$((2 * N))"
    dups=$(cat w1.versions w2.versions 2>/dev/null | sort | uniq -d | head -3 | tr '\n' ' ')
    [ -z "$dups" ] && ok "$label: no version reported twice" || fail "$label: versions reported by both writers: $dups"
    case "$t" in
        s3://*)
            expect_ok "$label: history" hist table history "$t" --json
            local hv want
            hv=$(python3 "$DH" versions hist.out | wc -w)
            want=$((v1 + 1))
            [ "$hv" -eq "$want" ] && ok "$label: history contiguous" || fail "$label: history lists $hv versions, want $want" ;;
        *)
            check "$label: _delta_log contiguous, every commit parses" python3 "$DH" log "$t" ;;
    esac
    cat init.ndjson w1.rows w2.rows >expected.ndjson 2>/dev/null
    expect_ok "$label: scan" scan table scan "$t" &&
        check "$label: every row exactly once" python3 "$DH" same scan.out expected.ndjson
}

run_case local "$work/table"
if command -v moto_server >/dev/null 2>&1 && python3 -c 'import boto3' >/dev/null 2>&1; then
    start_moto
    run_case s3 "s3://$bucket/conc"
else
    echo "skipped: the S3 case (moto_server or boto3 missing)"
fi
finish
