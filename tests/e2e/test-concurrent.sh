#!/usr/bin/env bash
# test-concurrent.sh - four runs started together on a fresh database, then
# four more after a simulated rebuild (a copy of the binary with one byte
# appended: another SHA-256, so another builds row): every run exits 0 and
# ends 'ok' (no live run is mistaken for an abandoned one), every case is
# stored once, the machine is one row and the builds two, and the database
# is intact (lib-db.sh).
# usage: test-concurrent.sh TRITBENCH_BINARY SOURCE_DIR [BUILD_TYPE]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"
TMP=$(mktemp -d /tmp/tb-conc-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
DB=$TMP/c.db
FILTER='peak/fp32*/t1'

together() { # together BINARY: four runs at once; 0 when all exit 0
    local bin=$1 pids=() k rc all=0
    for k in 1 2 3 4; do
        "$bin" run quick --db "$DB" --filter "$FILTER" --reps 3 --min-time 1ms --warmup 0 --quiet --threads 1 \
            >"$TMP/out-$k" 2>"$TMP/err-$k" &
        pids+=($!)
    done
    for k in 1 2 3 4; do
        wait "${pids[$((k - 1))]}"
        rc=$?
        [ "$rc" = 0 ] || { echo "run $k exit $rc: $(head -c 300 "$TMP/err-$k")"; all=1; }
    done
    return $all
}

msg=$(together "$BIN") && ok "4 runs together on a fresh database: all exit 0" || bad "$msg"
cp "$BIN" "$TMP/tritbench-rebuilt"
printf 'x' >> "$TMP/tritbench-rebuilt"
msg=$(together "$TMP/tritbench-rebuilt") && ok "4 runs together after a rebuild: all exit 0" || bad "$msg"

sql() { sqlite3 "$DB" "$1"; }
per_run=$(sql "SELECT count(*) FROM cases WHERE run_id=(SELECT min(id) FROM runs)")
[ "$(sql "SELECT count(*) FROM runs")" = 8 ] && [ "$(sql "SELECT count(*) FROM runs WHERE status='ok'")" = 8 ] \
    && ok "8 runs, all 'ok'" || bad "runs: $(sql "SELECT id, status FROM runs" | tr '\n' ' ')"
[ "$per_run" -ge 1 ] && [ "$(sql "SELECT count(DISTINCT n) FROM (SELECT count(*) n FROM runs r
                                  LEFT JOIN cases c ON c.run_id=r.id GROUP BY r.id)")" = 1 ] \
    && ok "every run stored its $per_run cases" || bad "cases per run: $(sql "SELECT run_id, count(*) FROM cases GROUP BY 1" | tr '\n' ' ')"
[ "$(sql "SELECT count(*) FROM (SELECT run_id, case_key FROM cases GROUP BY 1, 2 HAVING count(*) > 1)")" = 0 ] \
    && ok "no case stored twice" || bad "duplicate cases"
[ "$(sql "SELECT count(*) FROM machines")" = 1 ] && ok "one machines row" || bad "machines: $(sql "SELECT count(*) FROM machines")"
[ "$(sql "SELECT count(*) FROM builds")" = 2 ] && [ "$(sql "SELECT count(DISTINCT build_id) FROM runs")" = 2 ] \
    && ok "two builds rows, each with its four runs" || bad "builds: $(sql "SELECT id, binary_sha256 FROM builds" | tr '\n' ' ')"
[ "$(sql "SELECT count(*) FROM run_facts WHERE fact='abandoned'")" = 0 ] && ok "no live run marked abandoned" \
    || bad "abandoned: $(sql "SELECT run_id, reason FROM run_facts WHERE fact='abandoned'")"
p=$(db_problems "$DB")
[ -z "$p" ] && ok "database intact" || bad "$p"
if [ $fail = 0 ]; then echo "e2e concurrent: all passed"; else echo "e2e concurrent: FAILED"; fi
exit $fail
