#!/usr/bin/env bash
# test-kill.sh - the real binary killed with SIGKILL at random moments
# (start-up, schema creation, machine/build/run rows, measuring, storing a
# case, ending the run) against one database, and now and then against a
# fresh one.  After every kill the database must be intact (lib-db.sh:
# integrity, no orphan rows, every 'ok' case complete), no stored case
# may disappear, and the next run must open it; at the end every run the
# kills left 'running' is marked interrupted with an 'abandoned' fact, and
# every 'ok' run holds all its cases.
# Runs until 20 were killed (a run that finished first does not count; 10 in
# a Sanitize build); TRITBENCH_TEST_LONG=1 makes it 200 kills.
# usage: test-kill.sh TRITBENCH_BINARY SOURCE_DIR [BUILD_TYPE]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"
TMP=$(mktemp -d /tmp/tb-kill-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

N=20
[ "${TRITBENCH_TEST_LONG:-0}" = 1 ] && N=200
# under ASan+UBSan every run is several times slower and the kills test the
# store, not memory safety: 10 there (the Release pass keeps 20)
[ "${3:-}" = Sanitize ] && [ "${TRITBENCH_TEST_LONG:-0}" != 1 ] && N=10
DB=$TMP/k.db
run_args() { echo run quick --db "$1" --filter "$2" --reps 3 --min-time 1ms --warmup 0 --quiet --threads 1; }
filters=('peak/fp32*/t1' 'peak/*/t1')
declare -A want=() dur=() left=() # set (if empty): `set -u` refuses ${#left[@]} of a never-assigned array
# clean runs per filter: how many cases one stores, how long the fastest lives
for f in "${filters[@]}"; do
    dur[$f]=999999
    for k in 1 2 3; do
        t0=$(date +%s%N)
        # shellcheck disable=SC2046
        "$BIN" $(run_args "$DB" "$f") 2>"$TMP/err" || bad "clean run ($f) failed: $(head -c 300 "$TMP/err")"
        t=$(( ($(date +%s%N) - t0) / 1000000 ))
        [ "$t" -lt "${dur[$f]}" ] && dur[$f]=$t
    done
    want[$f]=$(sqlite3 "$DB" "SELECT count(*) FROM cases WHERE run_id=(SELECT max(id) FROM runs)")
done
echo "# clean runs: ${want['peak/fp32*/t1']} cases in ${dur['peak/fp32*/t1']} ms, ${want['peak/*/t1']} in ${dur['peak/*/t1']} ms"

kills=0 finished=0 corrupt=0 lost=0 fresh_bad=0
before=$(cases_in "$DB")
i=0
while [ "$kills" -lt "$N" ] && [ "$i" -lt $((3 * N)) ]; do
    i=$((i + 1))
    f=${filters[$((RANDOM % 2))]}
    target=$DB
    [ $((i % 5)) = 0 ] && target=$TMP/fresh-$i.db   # creation, schema and first rows
    # a moment anywhere in the run's life
    ms=$(( RANDOM % (dur[$f] + 1) ))
    # shellcheck disable=SC2046
    "$BIN" $(run_args "$target" "$f") >/dev/null 2>"$TMP/err-$i" &
    pid=$!
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    [ "$rc" = 137 ] && kills=$((kills + 1))
    [ "$rc" = 0 ] && finished=$((finished + 1))
    [ "$rc" != 0 ] && [ "$rc" != 137 ] && bad "run $i: exit $rc before the kill: $(head -c 300 "$TMP/err-$i")"
    if [ "$target" != "$DB" ]; then
        # a fresh database is absent, empty or without tables (killed before
        # its schema committed) or intact, and in every case the next run uses it
        # (a file with no tables yet: killed between creating it and committing the schema)
        if [ -s "$target" ] && [ "$(sqlite3 "$target" "SELECT count(*) FROM sqlite_master")" != 0 ]; then
            p=$(db_problems "$target")
            [ -z "$p" ] || { bad "fresh database $i: $p"; corrupt=$((corrupt + 1)); }
        fi
        # shellcheck disable=SC2046
        "$BIN" $(run_args "$target" 'peak/fp32*/t1') >/dev/null 2>"$TMP/err" ||
            { bad "fresh database $i unusable after the kill: $(head -c 300 "$TMP/err")"; fresh_bad=$((fresh_bad + 1)); }
        [ "$(sqlite3 "$target" "SELECT count(*) FROM runs WHERE status='running'")" = 0 ] ||
            bad "fresh database $i: a killed run is still 'running' after the next open"
        continue
    fi
    p=$(db_problems "$DB")
    [ -z "$p" ] || { bad "after kill $i (${ms} ms): $p"; corrupt=$((corrupt + 1)); }
    now=$(cases_in "$DB")
    [ "$now" -ge "$before" ] || { bad "after kill $i: $((before - now)) stored case(s) vanished"; lost=$((lost + before - now)); }
    before=$now
    for id in $(sqlite3 "$DB" "SELECT id FROM runs WHERE status='running'"); do left[$id]=1; done
done
while_running=${#left[@]}
echo "# $i runs: $kills killed, $finished finished first; $while_running kill(s) left a run 'running'"

# the next open marks every run the kills left running, and nothing else
# shellcheck disable=SC2046
"$BIN" $(run_args "$DB" 'peak/fp32*/t1') >/dev/null 2>"$TMP/err" || bad "run after the kills: $(head -c 300 "$TMP/err")"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM runs WHERE status='running'")" = 0 ] && ok "no run left 'running'" \
    || bad "runs still running: $(sqlite3 "$DB" "SELECT id FROM runs WHERE status='running'" | tr '\n' ' ')"
nab=$(sqlite3 "$DB" "SELECT count(*) FROM runs r JOIN run_facts f ON f.run_id=r.id AND f.fact='abandoned'
                     WHERE r.status='interrupted' AND r.ended_at IS NULL")
[ "$nab" = "$while_running" ] && ok "the $nab run(s) killed mid-way are marked interrupted with an 'abandoned' fact" \
    || bad "$nab abandoned runs, $while_running were left running"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM runs r WHERE status='interrupted' AND NOT EXISTS
       (SELECT 1 FROM run_facts f WHERE f.run_id=r.id AND f.fact='abandoned')")" = 0 ] \
    && ok "no interrupted run without its reason" || bad "interrupted runs without an 'abandoned' fact"
for f in "${filters[@]}"; do
    short=$(sqlite3 "$DB" "SELECT count(*) FROM runs r WHERE r.status='ok' AND r.argv LIKE '%--filter $f %'
                           AND (SELECT count(*) FROM cases c WHERE c.run_id=r.id) != ${want[$f]}")
    [ "$short" = 0 ] && ok "every ok run of $f holds its ${want[$f]} cases" || bad "$short ok run(s) of $f are short"
done
dup=$(sqlite3 "$DB" "SELECT count(*) FROM (SELECT run_id, case_key FROM cases GROUP BY 1, 2 HAVING count(*) > 1)")
[ "$dup" = 0 ] && ok "no case stored twice" || bad "$dup case(s) stored twice"
p=$(db_problems "$DB")
[ -z "$p" ] && ok "database intact after $kills kills" || bad "final: $p"
echo "# tally: $kills kills, $lost lost cases, $corrupt corrupt databases, $fresh_bad unusable fresh databases"
[ "$kills" -ge "$N" ] || bad "only $kills of $i runs were still alive to be killed (want $N)"
if [ $fail = 0 ]; then echo "e2e kill: all passed"; else echo "e2e kill: FAILED"; fi
exit $fail
