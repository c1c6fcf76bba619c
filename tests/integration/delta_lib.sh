# Sourced by the Delta table script tests (delta_*.test.sh): pass/fail ledger, skipping, running
# lakesink with its output captured, and moto_server set-up for the S3 variants. Not a test.
# Callers set `work` (a scratch directory) before calling anything that writes files.

delta_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DH="$delta_here/delta_helper.py"
S3H="$delta_here/store_s3_helper.py"
passed=0 failed=0
delta_pids=()

skip() { echo "skipped: $*"; exit 0; }
ok() { passed=$((passed + 1)); [ -n "${LS_VERBOSE:-}" ] && echo "ok   $1"; return 0; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; return 0; }
check() { # DESCRIPTION COMMAND...: passes when the command succeeds; its output is shown on failure
    local what="$1"; shift
    local out
    if out="$("$@" 2>&1)"; then ok "$what"; else fail "$what"; printf '%s\n' "$out" | head -8 | sed 's/^/    /'; fi
}
finish() {
    echo "$(basename "$0" .test.sh): $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

# need_table_cli [COMMAND...]: skip unless lakesink has these commands (default: load table)
need_table_cli() {
    [ -n "${LAKESINK:-}" ] || skip "LAKESINK is not set (path of the lakesink binary)"
    [ -x "$LAKESINK" ] || skip "$LAKESINK is not an executable"
    command -v python3 >/dev/null 2>&1 || skip "python3 is not installed"
    local c cmds=("$@")
    [ ${#cmds[@]} -eq 0 ] && cmds=(load table)
    for c in "${cmds[@]}"; do
        "$LAKESINK" "$c" --help >/dev/null 2>&1 || skip "'lakesink $c' does not exist in $LAKESINK yet"
    done
}

# ls_run NAME ARGS...: runs lakesink, stdout in $work/NAME.out, stderr in $work/NAME.err; returns its status
ls_run() {
    local name="$1"; shift
    "$LAKESINK" "$@" >"$work/$name.out" 2>"$work/$name.err"
}
# expect_ok DESCRIPTION NAME ARGS...: lakesink must exit 0
expect_ok() {
    local what="$1" name="$2"; shift 2
    if ls_run "$name" "$@"; then ok "$what"; return 0; fi
    fail "$what: lakesink $* exited $?"; head -5 "$work/$name.err" | sed 's/^/    stderr: /'
    return 1
}

need_moto() {
    command -v moto_server >/dev/null 2>&1 || skip "moto_server is not installed"
    python3 -c 'import boto3' >/dev/null 2>&1 || skip "python3 boto3 is not installed"
}

# start_moto: a moto_server on a free port, bucket $bucket, and the AWS environment pointing at it
start_moto() {
    local port
    port=$(python3 "$S3H" free-port)
    moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
    delta_pids+=($!)
    endpoint="http://127.0.0.1:$port"
    python3 "$S3H" wait "$endpoint/"
    bucket=lakesink-delta
    python3 "$S3H" mkbucket "$endpoint" "$bucket"
    unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_DEFAULT_REGION
    export AWS_ENDPOINT_URL_S3="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
    export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_S3_FORCE_PATH_STYLE=true
}

delta_cleanup() {
    local p
    for p in "${delta_pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${delta_pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -n "${work:-}" ] && rm -rf "$work"
}
