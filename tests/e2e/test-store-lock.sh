#!/usr/bin/env bash
# test-store-lock.sh - a measured case is never thrown away because another
# process holds the database: while a run measures, the sqlite3 CLI takes
# BEGIN EXCLUSIVE and keeps it for 13 s (longer than SQLite's usual 10 s
# busy timeout); the run says on stderr that it is waiting, stores the case
# once the lock frees, and ends 'ok' with every case.
# usage: test-store-lock.sh TRITBENCH_BINARY SOURCE_DIR [BUILD_TYPE]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"
TMP=$(mktemp -d /tmp/tb-lock-XXXXXX)
HOLDER=
cleanup() { [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
DB=$TMP/l.db
sql() { sqlite3 "$DB" "$1"; }
"$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' --reps 3 --min-time 1ms --warmup 0 --threads 1 --quiet \
    2>"$TMP/err" || bad "first run: $(cat "$TMP/err")"
want=$(sql "SELECT count(*) FROM cases")

# two probe cases of ~1 s each (20 repetitions of 50 ms)
"$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' --reps 3 --min-time 50ms --warmup 0 --threads 1 --quiet \
    >/dev/null 2>"$TMP/err" &
pid=$!
first_stored() { [ "$(cases_in "$DB")" -gt "$want" ]; }
wait_for first_stored || bad "the run stored nothing"
# the second case is being measured: take the lock for 13 s
(echo "BEGIN EXCLUSIVE; SELECT 'locked';"; sleep 13; echo "COMMIT;") | sqlite3 "$DB" >"$TMP/lockout" 2>&1 &
HOLDER=$!
t0=$(date +%s)
wait "$pid"
rc=$?
held=$(( $(date +%s) - t0 ))
wait "$HOLDER"
HOLDER=
grep -q locked "$TMP/lockout" && ok "the CLI held BEGIN EXCLUSIVE" || bad "lock holder: $(cat "$TMP/lockout")"
[ "$rc" = 0 ] && ok "run exit 0 after waiting ${held} s" || bad "run exit $rc: $(head -c 400 "$TMP/err")"
[ "$held" -ge 11 ] && ok "it waited out the lock" || bad "the run ended ${held} s after the lock was taken"
run=$(sql "SELECT max(id) FROM runs")
[ "$(sql "SELECT status FROM runs WHERE id=$run")" = ok ] && ok "run $run ok" || bad "run $run: $(sql "SELECT status FROM runs WHERE id=$run")"
[ "$(sql "SELECT count(*) FROM cases WHERE run_id=$run AND status='ok'")" = "$want" ] && ok "all $want cases stored" \
    || bad "cases of run $run: $(sql "SELECT case_key, status FROM cases WHERE run_id=$run" | tr '\n' ' ')"
grep -q "another process has held the database lock for 5 s" "$TMP/err" && ok "the wait is announced" \
    || bad "no notice: $(cat "$TMP/err")"
grep -q "lock acquired after" "$TMP/err" && ok "and its end" || bad "no end notice: $(cat "$TMP/err")"
p=$(db_problems "$DB")
[ -z "$p" ] && ok "database intact" || bad "$p"
if [ $fail = 0 ]; then echo "e2e store lock: all passed"; else echo "e2e store lock: FAILED"; fi
exit $fail
