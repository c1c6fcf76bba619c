#!/usr/bin/env bash
# Delta tables on S3 (moto_server started here, on a free port on 127.0.0.1):
#  - a load of a data file larger than one multipart part (8 MiB by default): the object is
#    there with the size the log states, no multipart upload is left open, scan equals input;
#  - `table checkpoint` writes the checkpoint object and the table still scans the same;
#  - time travel by version; history lists every version;
#  - the put-if-absent conflict path: two loads started together on the same table both
#    succeed, at different versions (moto's log must show at least one 412 over the rounds),
#    and every row of both is present exactly once.
# Skips (exit 0) when lakesink has no load/table commands, or moto_server/boto3 are missing.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=delta_lib.sh
. "$here/delta_lib.sh"
need_table_cli
need_moto
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-delta-s3.XXXXXX")"
trap delta_cleanup EXIT
cd "$work" || exit 1
start_moto

# ---------------------------------------------------------------- a file above the part size
T="s3://$bucket/big"
python3 "$DH" gen big 250000 s3 >big.ndjson
python3 "$DH" schema big >big.schema.json
expect_ok "big load" load load "$T" big.ndjson --format ndjson --schema big.schema.json \
    --codec none --target-file-bytes 1073741824
python3 "$S3H" keys "$endpoint" "$bucket" big/ >keys.txt
largest=0
while read -r k; do
    k=${k#\"}; k=${k%\"}
    case "$k" in *.parquet) ;; *) continue ;; esac
    case "$k" in big/_delta_log/*) continue ;; esac
    s=$(python3 "$S3H" head "$endpoint" "$bucket" "$k" | python3 -c 'import json,sys; print(json.load(sys.stdin)["size"])')
    [ "$s" -gt "$largest" ] && largest=$s
done <keys.txt
[ "$largest" -gt $((8 * 1024 * 1024)) ] && ok "a data object above one part" ||
    fail "largest data object is $largest bytes, not above the 8 MiB part size (multipart not exercised)"
u=$(python3 "$S3H" uploads "$endpoint" "$bucket")
[ "$u" = "0" ] && ok "no open multipart upload" || fail "$u multipart uploads left open"
expect_ok "big scan" scan table scan "$T" && check "big: scan equals the input" python3 "$DH" same scan.out big.ndjson
expect_ok "big files" files table files "$T" --json
grep -q "$largest" files.out && ok "table files states the object's size" ||
    fail "table files --json does not state the size $largest"

# ---------------------------------------------------------------- checkpoint and time travel
T="s3://$bucket/tt"
python3 "$DH" schema basic >basic.schema.json
: >all.ndjson
declare -a vers=()
for i in 1 2 3; do
    python3 "$DH" gen basic 100 "tt$i" >"in$i.ndjson"
    expect_ok "tt load $i" load load "$T" "in$i.ndjson" --format ndjson --schema basic.schema.json || continue
    vers+=("$(python3 "$DH" field load.out version)")
    cat "in$i.ndjson" >>all.ndjson
done
expect_ok "checkpoint" ckpt table checkpoint "$T"
python3 "$S3H" keys "$endpoint" "$bucket" tt/_delta_log/ >keys.txt
grep -q 'checkpoint\.parquet' keys.txt && ok "checkpoint object" || fail "no checkpoint object under tt/_delta_log/"
grep -q '_last_checkpoint' keys.txt && ok "_last_checkpoint object" || fail "no tt/_delta_log/_last_checkpoint"
expect_ok "scan after checkpoint" scan table scan "$T" && check "tt: scan after checkpoint equals the loads" python3 "$DH" same scan.out all.ndjson
if [ "${#vers[@]}" -ge 2 ]; then
    expect_ok "time travel" tt table scan "$T" --version "${vers[0]}" &&
        check "tt: scan --version ${vers[0]} equals the first load" python3 "$DH" same tt.out in1.ndjson
    cat in1.ndjson in2.ndjson >in12.ndjson
    expect_ok "time travel 2" tt table scan "$T" --version "${vers[1]}" &&
        check "tt: scan --version ${vers[1]} equals the first two loads" python3 "$DH" same tt.out in12.ndjson
fi
python3 "$DH" gen basic 100 tt4 >in4.ndjson
expect_ok "load after checkpoint" load load "$T" in4.ndjson --format ndjson && cat in4.ndjson >>all.ndjson
expect_ok "scan after checkpoint + load" scan table scan "$T" &&
    check "tt: checkpoint + later commit scans all loads" python3 "$DH" same scan.out all.ndjson

# ---------------------------------------------------------------- concurrent loads (412 path)
for r in 1 2 3 4 5; do
    python3 "$DH" gen basic 20 "r$r-a" >a.ndjson
    python3 "$DH" gen basic 20 "r$r-b" >b.ndjson
    "$LAKESINK" load "$T" a.ndjson --format ndjson >a.out 2>a.err & pa=$!
    "$LAKESINK" load "$T" b.ndjson --format ndjson >b.out 2>b.err & pb=$!
    wait $pa; ra=$?
    wait $pb; rb=$?
    if [ $ra -ne 0 ] || [ $rb -ne 0 ]; then
        fail "round $r: concurrent loads exited $ra and $rb"; head -3 a.err b.err | sed 's/^/    /'
        continue
    fi
    va=$(python3 "$DH" field a.out version); vb=$(python3 "$DH" field b.out version)
    [ "$va" != "$vb" ] && ok "round $r: different versions" || fail "round $r: both loads report version $va"
    cat a.ndjson b.ndjson >>all.ndjson
    expect_ok "history" hist table history "$T" --json
    hv=" $(python3 "$DH" versions hist.out) "
    if [[ "$hv" == *" $va "* ]] && [[ "$hv" == *" $vb "* ]]; then ok "round $r: history lists $va and $vb"
    else fail "round $r: history versions [$hv] lack $va or $vb"; fi
done
n412=$(grep -cE '_delta_log/[0-9]{20}\.json.* 412' moto.log || true)
[ "${n412:-0}" -gt 0 ] && ok "412 seen" || fail "no conditional PUT of a commit got 412 in 5 rounds: the conflict path was not exercised"
expect_ok "final scan" scan table scan "$T" && check "every row of every concurrent load exactly once" python3 "$DH" same scan.out all.ndjson
expect_ok "final history" hist table history "$T" --json
latest=$(python3 "$DH" versions hist.out | awk '{print $NF}')
want=$(python3 "$DH" versions hist.out | wc -w)
[ -n "$latest" ] && [ "$want" -eq $((latest + 1)) ] && ok "history contiguous" ||
    fail "history lists $want versions, latest $latest (not contiguous from 0)"
finish
