#!/usr/bin/env bash
# test-ab.sh - end-to-end: the paired A/B gate `tritbench ab` through the
# real binaries.  tritbench-slow (CMake option TB_TEST_SLOW_VARIANT: the
# tq2 variants spin as long again as each iteration takes: 2x) gated against
# tritbench must fail (exit 1) with its tq2 case slower in both passes; a
# copy of tritbench gated against tritbench must pass (exit 0).  Then
# --aa stores noise floors, the verdicts are stored with kind ab / aa, and
# bad input: no --base, too few rounds, a base binary without the ab
# protocol, an unknown suite.  TRITBENCH_TEST_LONG=1 adds --instructions
# (cachegrind; about a minute per case here).  Few cases, few rounds,
# short repetitions: well under 90 s on 2 CPUs.
# usage: test-ab.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
SLOW=$(dirname "$BIN")/tritbench-slow
[ -x "$SLOW" ] || { echo "skip: $SLOW not built (cmake -DTB_TEST_SLOW_VARIANT=ON)"; exit 77; }
TMP=$(mktemp -d /tmp/tb-ab-XXXXXX)
cd "$TMP" || exit 1
trap '[ "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
expect_rc() { # expect_rc WANT DESC CMD...
    local want=$1 desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else
        bad "$desc: exit $rc, want $want; stdout: $(head -c 1500 "$TMP/out"); stderr: $(tail -c 300 "$TMP/err")"; fi
}
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
DB=$TMP/ab.db
CASES='matmul/tq2_*/4096x4096/n1/t1/hot,matmul/int8_*/4096x4096/n1/t1/hot'
AB=(ci --filter "$CASES" --rounds 12 --min-time 5ms --warmup 20ms --threshold 10 --db "$DB")

# the planted regression: candidate = tritbench-slow, base = tritbench
expect_rc 1 "gate fails on the slowed tq2 variant" "$SLOW" ab --base "$BIN" "${AB[@]}"
grep -E '^\| matmul/tq2_[a-z0-9]+/4096x4096/n1/t1/hot \|.*\*\*slower\*\* \(pass 1: slower, [0-9.]+; pass 2 confirmed\)' \
    "$TMP/out" >/dev/null && ok "tq2 slower in both passes" || bad "tq2 row: $(grep tq2 "$TMP/out")"
ratio=$(grep -E '^\| matmul/tq2_' "$TMP/out" | awk -F'|' '{print $5}' | awk '{print $1}')
# bounds wide enough for a loaded 2-vCPU runner (1.47 was seen under a parallel ctest): the
# gate's verdict above is the real check, this only says the ratio is the planted one, not ~1
awk -v r="$ratio" 'BEGIN { exit !(r > 1.3 && r < 6) }' && ok "tq2 ratio $ratio: about the planted 2x (host noise adds)" \
    || bad "tq2 ratio $ratio, planted 2x"
n=$(sqlite3 "$DB" "SELECT count(*) FROM comparisons WHERE kind='ab' AND case_key LIKE 'matmul/tq2_%' AND verdict='slower' \
    AND note LIKE '%slower in both passes%' AND ci_lo > 1.10 AND cand_source LIKE '%tritbench-slow'")
[ "$n" = 1 ] && ok "slower verdict stored with its CI and note" || bad "stored slower rows: $n"

# an identical build (a copy, another path) passes
cp "$BIN" "$TMP/tritbench-copy"
expect_rc 0 "gate passes an identical build" "$BIN" ab --base "$TMP/tritbench-copy" "${AB[@]}"
grep -q '^| case | base | candidate | ratio \[95% CI\] | rounds (redone) | p (Holm) | threshold | verdict |' "$TMP/out" \
    && ok "markdown table" || bad "markdown header: $(head -5 "$TMP/out")"
[ "$(grep -c '^| matmul/' "$TMP/out")" = 2 ] && ok "two rows" || bad "rows: $(grep '^| matmul/' "$TMP/out")"
grep -q '\*\*slower\*\*' "$TMP/out" && bad "identical build reported slower" || ok "no slower row for identical builds"

# A/A: noise floors stored per case, verdicts kind aa
expect_rc 0 "ab --aa" "$BIN" ab --aa "${AB[@]}"
n=$(sqlite3 "$DB" "SELECT count(DISTINCT case_key) FROM noise_floor WHERE rounds=12 AND floor >= 0 AND method LIKE 'ab --aa%'")
[ "$n" = 2 ] && ok "two noise floors stored" || bad "noise floors: $n ($(sqlite3 "$DB" 'SELECT * FROM noise_floor'))"
n=$(sqlite3 "$DB" "SELECT count(*) FROM comparisons WHERE kind='aa'")
[ "$n" = 2 ] && ok "two aa verdicts stored" || bad "aa rows: $n"
# the floors are used afterwards: the threshold column is max(10 %, floor)
"$BIN" ab --aa "${AB[@]}" --no-store >/dev/null 2>&1
expect_rc 0 "ab after the A/A (floors in force)" "$BIN" ab --base "$TMP/tritbench-copy" "${AB[@]}" --no-store
fl=$(sqlite3 "$DB" "SELECT max(floor) FROM noise_floor")
awk -v f="$fl" 'BEGIN { exit !(f > 0.10) }' && { grep -q '(floor)' "$TMP/out" && ok "a floor above 10 % is in force" \
    || bad "floor $fl not shown"; } || ok "floors ($fl) below the 10 % threshold: the threshold stays"

# bad input
expect_rc 2 "no --base" "$BIN" ab ci --db "$DB"
grep -q 'missing --base' "$TMP/err" && ok "names --base" || bad "message: $(cat "$TMP/err")"
expect_rc 2 "--rounds 3" "$BIN" ab --aa --rounds 3 ci --db "$DB"
expect_rc 2 "unknown suite" "$BIN" ab --aa nosuch --db "$DB"
expect_rc 2 "--base not executable" "$BIN" ab --base "$TMP/none" ci --db "$DB"
expect_rc 1 "a base without the ab protocol" "$BIN" ab --base /bin/true ci --filter 'matmul/tq2_*/4096x4096/n1/t1/hot' \
    --rounds 6 --no-store --db "$DB"
grep -q 'does not speak tritbench' "$TMP/out" && ok "says the base lacks the protocol" || bad "$(cat "$TMP/out")"

if [ "${TRITBENCH_TEST_LONG:-}" ] && command -v valgrind >/dev/null; then
    expect_rc 1 "--instructions catches the slowed tq2 (spin instructions)" "$SLOW" ab --instructions --base "$BIN" ci \
        --filter 'matmul/tq2_*/4096x4096/n1/t1/hot' --db "$DB"
    expect_rc 0 "--instructions: identical builds" "$BIN" ab --instructions --base "$TMP/tritbench-copy" ci \
        --filter 'matmul/tq2_*/4096x4096/n1/t1/hot' --db "$DB"
    grep -qE '\| 1\.0000 \| same \|' "$TMP/out" && ok "identical instruction counts" || bad "$(cat "$TMP/out")"
    grep -q 'isa avx2' "$TMP/out" && ok "says avx2" || bad "no avx2 note"
fi
exit $fail
