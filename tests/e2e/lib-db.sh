# lib-db.sh - checks the reliability tests (test-kill, test-concurrent,
# test-signals, test-store-fs, test-store-lock) share, sourced, not run:
# a database is intact when SQLite's integrity check passes, no row points
# at a missing parent, and every 'ok' case is complete (statistics with as
# many samples as they count, metrics, the full count vocabulary and the
# workload's parameters).
# usage: . lib-db.sh; db_problems DB  -> prints what is wrong, nothing if intact

# db_problems DB: one line per problem found; empty when intact.
db_problems() {
    local db=$1 out
    out=$(sqlite3 "$db" "PRAGMA integrity_check" 2>&1)
    [ "$out" = ok ] || { echo "integrity_check: $(echo "$out" | head -3 | tr '\n' ' ')"; return; }
    out=$(sqlite3 "$db" "PRAGMA foreign_key_check" 2>&1)
    [ -z "$out" ] || echo "orphan rows: $(echo "$out" | head -3 | tr '\n' ' ')"
    out=$(sqlite3 "$db" "SELECT c.id || ' ' || c.case_key FROM cases c WHERE c.status='ok' AND (
            NOT EXISTS (SELECT 1 FROM stats s WHERE s.case_id=c.id AND s.metric='ns_per_iter')
         OR (SELECT count(*) FROM samples s WHERE s.case_id=c.id)
            != (SELECT n FROM stats s WHERE s.case_id=c.id AND s.metric='ns_per_iter')
         OR NOT EXISTS (SELECT 1 FROM metrics x WHERE x.case_id=c.id)
         OR NOT EXISTS (SELECT 1 FROM counts x WHERE x.case_id=c.id)
         OR NOT EXISTS (SELECT 1 FROM case_params x WHERE x.case_id=c.id))" 2>&1)
    [ -z "$out" ] || echo "incomplete ok cases: $(echo "$out" | head -3 | tr '\n' ' ')"
    # every case of a workload carries as many counts and parameters as the others
    out=$(sqlite3 "$db" "SELECT workload FROM (SELECT c.workload,
            (SELECT count(*) FROM counts x WHERE x.case_id=c.id) nc,
            (SELECT count(*) FROM case_params x WHERE x.case_id=c.id) np
            FROM cases c WHERE c.status='ok') GROUP BY workload
            HAVING count(DISTINCT nc) > 1 OR count(DISTINCT np) > 1" 2>&1)
    [ -z "$out" ] || echo "partial counts or parameters in workload(s): $out"
}

# wait_for COND_CMD... : poll (50 ms) until the command succeeds; 1 after 60 s.
wait_for() {
    local i
    for i in $(seq 1 1200); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}

# cases_in DB: the number of cases, read without creating the file.
cases_in() {
    [ -s "$1" ] || { echo 0; return; }
    local n
    n=$(sqlite3 -readonly "$1" "SELECT count(*) FROM cases" 2>/dev/null)
    echo "${n:-0}"
}
