#!/usr/bin/env bash
# Crash safety of `lakesink load` on a local table: ≥ 10 trials (LS_DELTA_TRIALS) each start a
# load of many small files and `kill -9` it after a random delay spread over the whole run
# (0 .. 1.2 × the time an undisturbed load takes). After every kill:
#  - `table info` reads the table;
#  - every _delta_log/*.json parses line by line, versions are contiguous, and no commit file
#    that existed before the trial changed (sha256);
#  - the scan equals exactly the rows of the committed loads: the killed load's rows are all
#    there when its version landed, and none of them otherwise (never part of a load);
#  - a normal load afterwards succeeds and its rows appear.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=delta_lib.sh
. "$here/delta_lib.sh"
need_table_cli
work="$(mktemp -d "${TMPDIR:-/tmp}/ls-delta-crash.XXXXXX")"
trap delta_cleanup EXIT
cd "$work" || exit 1
TRIALS=${LS_DELTA_TRIALS:-12}
T="$work/table"
ROWS=${LS_DELTA_CRASH_ROWS:-50000}
LOAD_ARGS=(--format ndjson --target-file-bytes 65536)

python3 "$DH" schema tagged >tagged.schema.json
python3 "$DH" gen tagged 10 0 init:0 >expected.ndjson
expect_ok "create" init load "$T" expected.ndjson --format ndjson --schema tagged.schema.json || { finish; exit 1; }

version() { "$LAKESINK" table info "$T" --json >info.out 2>info.err && python3 "$DH" field info.out version; }
hashes() { (cd "$T/_delta_log" && sha256sum -- *.json 2>/dev/null) | sort; }

# the duration of an undisturbed load of the trial size, in milliseconds
# one input of ROWS tagged rows (random payloads, so the load writes megabytes); each trial
# relabels it with its own seq so every trial's rows are distinct
python3 "$DH" gen tagged "$ROWS" base crash:0 >base.ndjson
sed 's/"writer": "crash", "seq": 0,/"writer": "probe", "seq": 0,/' base.ndjson >probe.ndjson
t0=$(date +%s%N)
expect_ok "undisturbed load" probe load "$T" probe.ndjson "${LOAD_ARGS[@]}" && cat probe.ndjson >>expected.ndjson
dur_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$dur_ms" -lt 20 ] && dur_ms=20
echo "note: an undisturbed load takes $dur_ms ms; kills spread over 0..$((dur_ms * 12 / 10)) ms"

committed=0 aborted=0
for trial in $(seq 1 "$TRIALS"); do
    sed "s/\"writer\": \"crash\", \"seq\": 0,/\"writer\": \"crash\", \"seq\": $trial,/" base.ndjson >in.ndjson
    v0=$(version)
    hashes >before.sha
    delay_ms=$(( (RANDOM * 32768 + RANDOM) % (dur_ms * 12 / 10 + 1) ))
    # the first trials kill early on purpose, so that a run whose probe load happened to be
    # slow (a busy machine) still has kills before the commit
    if [ "$trial" -le 3 ]; then delay_ms=$((dur_ms * trial / 10)); fi
    "$LAKESINK" load "$T" in.ndjson "${LOAD_ARGS[@]}" >crash.out 2>crash.err &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    st=$?
    v1=$(version)
    if [ -z "$v1" ]; then
        fail "trial $trial (kill after $delay_ms ms): table info fails: $(head -c 300 info.err)"
        continue
    fi
    ok "trial $trial: table info"
    check "trial $trial: log parses, contiguous" python3 "$DH" log "$T"
    hashes >after.sha
    changed=$(comm -23 before.sha after.sha | head -3)
    [ -z "$changed" ] && ok "trial $trial: old commits untouched" || fail "trial $trial: commit files changed or vanished: $changed"
    if [ "$v1" -eq $((v0 + 1)) ]; then
        cat in.ndjson >>expected.ndjson; committed=$((committed + 1)); what="committed"
    elif [ "$v1" -eq "$v0" ]; then
        aborted=$((aborted + 1)); what="not committed"
    else
        fail "trial $trial: version went from $v0 to $v1"; what="?"
    fi
    echo "note: trial $trial: killed after $delay_ms ms (exit $st): $what"
    expect_ok "trial $trial: scan" scan table scan "$T" &&
        check "trial $trial: scan equals the committed loads ($what)" python3 "$DH" same scan.out expected.ndjson
    python3 "$DH" gen tagged 5 "a$trial" "after:$trial" >after.ndjson
    expect_ok "trial $trial: a normal load afterwards" after load "$T" after.ndjson --format ndjson &&
        cat after.ndjson >>expected.ndjson
done
echo "note: $committed trial load(s) committed before the kill, $aborted did not"
[ "$aborted" -gt 0 ] && ok "some kills landed before the commit" || fail "no kill landed before the commit: the delays do not cover the run"
expect_ok "final scan" scan table scan "$T" &&
    check "final scan equals every committed load" python3 "$DH" same scan.out expected.ndjson
check "final log" python3 "$DH" log "$T"
finish
