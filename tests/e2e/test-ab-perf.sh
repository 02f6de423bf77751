#!/usr/bin/env bash
# test-ab-perf.sh - end-to-end: the perf path of `tritbench ab
# --instructions` (each side's child counts its user-space instructions
# around N1 = 2 and N2 = 10 iterations; instructions/iteration = the
# difference / 8) through the real binaries, with a scripted hardware
# counter (tests/e2e/fake-pmu.c, LD_PRELOAD: this machine has no PMU).
# The fake's i-th read in a process returns the i-th count scripted for
# its executable's name: base tritbench-copy, candidate tritbench.
#   identical counts                  -> exit 0, "same", 1000000 each
#   the candidate 5 % more per iter   -> exit 1, "slower" at the 1 % gate
#   4 % more with --instr-threshold 5 -> exit 0
#   a multiplexed counter             -> the case fails, named as such
#   --counter perf without a PMU      -> exit 2
# The verdicts are stored with the counter named.
# usage: test-ab-perf.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
FAKE=$(dirname "$BIN")/tb-fake-pmu.so
[ -f "$FAKE" ] || { echo "FAIL - $FAKE not built (target tb-fake-pmu)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
TMP=$(mktemp -d /tmp/tb-abperf-XXXXXX)
cd "$TMP" || exit 1
trap '[ "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
expect_rc() { # expect_rc WANT DESC CMD...
    local want=$1 desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else
        bad "$desc: exit $rc, want $want; stdout: $(head -c 1500 "$TMP/out"); stderr: $(tail -c 600 "$TMP/err")"; fi
}
cp "$BIN" "$TMP/tritbench-copy"
DB=$TMP/ab.db
CASE='matmul/tq2_*/4096x4096/n1/t1/hot'
# the sanitizer builds' runtime must otherwise come first in the library list
fake() { LD_PRELOAD=$FAKE ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 TB_FAKE_PMU_COUNTS=$1 \
    "${@:2}"; }
row() { grep -E '^\| matmul/tq2_' "$TMP/out"; }

expect_rc 0 "identical counts pass" fake "tritbench-copy=3000000,11000000;tritbench=3000000,11000000" \
    "$BIN" ab --instructions --base "$TMP/tritbench-copy" ci --filter "$CASE" --db "$DB"
row | grep -qE '\| 1000000 \| 1000000 \| 1\.0000 \| same \|' && ok "1000000 instructions/iteration each, same" \
    || bad "row: $(row)"
grep -q 'Counter: perf' "$TMP/out" && ok "the table names the perf counter" || bad "$(head -5 "$TMP/out")"
grep -q 'isa avx2' "$TMP/out" "$TMP/err" && bad "perf path planned at --isa avx2" || ok "native ISA (no --isa avx2)"
grep -q 'counting user-space instructions with perf' "$TMP/err" && ok "stderr says perf" || bad "$(cat "$TMP/err")"

expect_rc 1 "the candidate counting 5 % more fails the 1 % gate" \
    fake "tritbench-copy=3000000,11000000;tritbench=3000000,11400000" \
    "$BIN" ab --instructions --base "$TMP/tritbench-copy" ci --filter "$CASE" --db "$DB"
row | grep -qE '\| 1000000 \| 1050000 \| 1\.0500 \| \*\*slower\*\* \|' && ok "1050000 vs 1000000: slower" \
    || bad "row: $(row)"
n=$(sqlite3 "$DB" "SELECT count(*) FROM comparisons WHERE kind='ab' AND verdict='slower' AND abs(ratio-1.05)<1e-9 \
    AND abs(threshold-0.01)<1e-12 AND ci_method LIKE 'perf hardware counter%' AND note LIKE 'counter perf;%'")
[ "$n" = 1 ] && ok "slower verdict stored, counter named" || bad "stored: $(sqlite3 "$DB" 'SELECT verdict, ratio, ci_method, note FROM comparisons')"
n=$(sqlite3 "$DB" "SELECT count(*) FROM comparisons WHERE verdict='same' AND ci_method LIKE 'perf%'")
[ "$n" = 1 ] && ok "same verdict stored" || bad "same rows: $n"

expect_rc 0 "4 % more passes at --instr-threshold 5" fake "tritbench-copy=3000000,11000000;tritbench=3000000,11320000" \
    "$BIN" ab --instructions --instr-threshold 5 --base "$TMP/tritbench-copy" ci --filter "$CASE" --no-store --db "$DB"
row | grep -qE '\| 1\.0400 \| same \|' && ok "ratio 1.04 same at 5 %" || bad "row: $(row)"

expect_rc 1 "a multiplexed counter is refused" env TB_FAKE_PMU_MUX=1 \
    LD_PRELOAD="$FAKE" ASAN_OPTIONS=verify_asan_link_order=0 TB_FAKE_PMU_COUNTS="tritbench-copy=1,2;tritbench=1,2" \
    "$BIN" ab --instructions --base "$TMP/tritbench-copy" ci --filter "$CASE" --no-store --db "$DB"
row | grep -q 'multiplexed' && ok "names the multiplexing" || bad "row: $(row)"

expect_rc 1 "a count that does not grow with iterations fails" \
    fake "tritbench-copy=5000,5000;tritbench=3000000,11000000" \
    "$BIN" ab --instructions --base "$TMP/tritbench-copy" ci --filter "$CASE" --no-store --db "$DB"
row | grep -q 'not a count per iteration' && ok "says not a count per iteration" || bad "row: $(row)"

if "$BIN" ab --instructions --counter perf --base "$TMP/tritbench-copy" ci --filter "$CASE" --no-store --db "$DB" \
    >"$TMP/out" 2>"$TMP/err"; then rc=0; else rc=$?; fi
if grep -q 'no hardware instruction counter' "$TMP/err"; then
    [ "$rc" = 2 ] && ok "--counter perf without a PMU: exit 2, named" || bad "--counter perf: exit $rc"
else
    ok "a live PMU here: --counter perf ran for real (exit $rc)"
fi
expect_rc 2 "--counter without --instructions" "$BIN" ab --counter perf --base "$TMP/tritbench-copy" ci --no-store
expect_rc 2 "--counter nonsense" "$BIN" ab --instructions --counter pmu --base "$TMP/tritbench-copy" ci --no-store
exit $fail
