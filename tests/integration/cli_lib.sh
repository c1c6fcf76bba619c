# cli_lib.sh — the assertion helpers shared by the CLI test scripts (sourced, not run):
# counters, running lakesink with an expected exit code, and checks on its ./out and ./err.
# The script sources it after cd-ing into its work folder and ends with `cli_finish NAME`.

passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL $1"; [ -s err ] && sed 's/^/    stderr: /' err | head -5; }
# run EXPECTED_EXIT DESCRIPTION -- ARGS...: stdout in ./out, stderr in ./err
run() {
    local want="$1" what="$2"
    shift 3
    "$LAKESINK" "$@" >out 2>err
    local rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else fail "$what: exit $rc, want $want"; fi
}
expect_err() { # PATTERN DESCRIPTION: stderr matches (grep -E)
    if grep -qE -- "$1" err; then ok; else fail "$2: stderr does not match /$1/"; fi
}
expect_out() { # PATTERN DESCRIPTION: stdout matches (grep -E)
    if grep -qE -- "$1" out; then ok; else fail "$2: stdout does not match /$1/"; fi
}
# check DESCRIPTION PYTHON-EXPR over j (the JSON in ./out) and rows (NDJSON lines of ./out)
check() {
    if python3 - "$2" <<'PY'
import json, sys
text = open("out").read()
try:
    j = json.loads(text)
except ValueError:
    j = None
try:
    rows = [json.loads(l) for l in text.splitlines() if l.strip()]
except ValueError:
    rows = None
sys.exit(0 if eval(sys.argv[1]) else 1)
PY
    then ok; else fail "$1"; sed 's/^/    out: /' out | head -5; fi
}
