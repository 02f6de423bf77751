#!/usr/bin/env bash
# test-measure.sh - end-to-end measurement integrity with the real binary:
# a cold GEMV streams more distinct bytes per cycle of its copies than the
# machine's LLC (from the copies' addresses, stored as cold_bytes); hot and
# cold cases are stored separately (keys, cache_mode); a group's formats
# are measured in interleaved rounds with a paired speedup over fp16; the
# ceilings are measured at the start and at the end; probes carry no
# GOP/s for memory and no per-case facts of the whole run; a version-1
# database is upgraded after a backup copy.
# usage: test-measure.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
TMP=$(mktemp -d /tmp/tb-measure-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
sql() { sqlite3 "$DB" "$1"; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }

DB=$TMP/m.db
FILTER='bw/read,peak/,matmul/fp16_*/4096x4096/n1/t1/*,matmul/tq2_*/4096x4096/n1/t1/*'
if "$BIN" run quick --db "$DB" --filter "$FILTER" --cache both --threads 1 --reps 6 --min-time 2ms \
    --warmup 0 >"$TMP/out" 2>"$TMP/err"; then ok "quick, cold and hot, exit 0"; else
    bad "run failed: $(head -c 600 "$TMP/err")"; fi

llc=$(sql "SELECT l3_bytes FROM machines")
cold=$(sql "SELECT count(*) FROM cases WHERE workload='matmul' AND cache_mode='cold' AND case_key LIKE '%/cold' AND status='ok'")
hot=$(sql "SELECT count(*) FROM cases WHERE workload='matmul' AND cache_mode='hot' AND case_key LIKE '%/hot' AND status='ok'")
[ "$cold" = 2 ] && [ "$hot" = 2 ] && ok "hot and cold stored as separate cases" || bad "cold $cold hot $hot"
[ "$(sql "SELECT count(DISTINCT case_key) FROM cases WHERE workload='matmul'")" = 4 ] && ok "distinct keys" || bad "keys"
# bytes streamed per cycle of the copies exceed the LLC (unless flagged cold_partial with the bytes managed)
n_big=$(sql "SELECT count(*) FROM cases c JOIN metrics x ON x.case_id=c.id AND x.name='cold_bytes'
             WHERE c.cache_mode='cold' AND (x.value > $llc OR c.flags LIKE '%cold_partial%')")
[ "$n_big" = 2 ] && ok "cold copies span more than the LLC ($llc B)" || bad "cold_bytes: $(sql "SELECT value FROM metrics WHERE name='cold_bytes'")"
[ "$(sql "SELECT count(*) FROM metrics WHERE name='cold_copies' AND value >= 2")" = 2 ] && ok "cold copies counted" || bad "cold_copies"
[ "$(sql "SELECT count(*) FROM metrics x JOIN cases c ON c.id=x.case_id WHERE c.cache_mode='hot' AND x.name='cold_bytes'")" = 0 ] \
    && ok "hot cases have no copies" || bad "hot with copies"
# interleaved groups: fp16 is the baseline, tq2 has a paired speedup with a CI
[ "$(sql "SELECT count(*) FROM cases WHERE workload='matmul' AND is_baseline=1 AND backend LIKE 'fp16%'")" = 2 ] \
    && ok "fp16 baselines" || bad "baselines"
[ "$(sql "SELECT count(*) FROM ratios q JOIN cases c ON c.id=q.case_id JOIN cases b ON b.id=q.baseline_case_id
          WHERE c.backend LIKE 'tq2%' AND b.backend LIKE 'fp16%' AND c.group_key=b.group_key AND q.n=6
          AND q.ci_lo <= q.median AND q.median <= q.ci_hi")" = 2 ] && ok "paired speedups over fp16" || bad "ratios: $(sql 'SELECT * FROM ratios')"
[ "$(sql "SELECT count(DISTINCT s.round) FROM samples s JOIN cases c ON c.id=s.case_id WHERE c.workload='matmul'")" = 6 ] \
    && ok "rounds recorded" || bad "rounds"
# ceilings: at the start and at the end, many repetitions, the best kept
[ "$(sql "SELECT count(*) FROM cases WHERE workload IN ('bandwidth','peak') AND case_key LIKE '%/end/%'")" -gt 0 ] \
    && ok "ceilings measured again at the end" || bad "no end probes"
[ "$(sql "SELECT min(n) FROM stats s JOIN cases c ON c.id=s.case_id WHERE c.workload IN ('bandwidth','peak')")" -ge 20 ] \
    && ok "probes take 20+ repetitions" || bad "probe reps"
[ "$(sql "SELECT count(*) FROM metrics x JOIN cases c ON c.id=x.case_id WHERE c.workload='bandwidth' AND x.name='gops'")" = 0 ] \
    && ok "no GOP/s on memory probes" || bad "gops on bandwidth"
[ "$(sql "SELECT count(*) FROM metrics x JOIN cases c ON c.id=x.case_id WHERE c.workload='matmul' AND x.name='bw_ceiling_gbps'
          AND c.cache_mode='cold' AND x.note LIKE '%beyond the LLC%'")" = 2 ] && ok "cold cases judged against DRAM" || bad "cold ceiling"
# measured before the end probes, every matmul case was derived again once they came in
[ "$(sql "SELECT count(*) FROM metrics x JOIN cases c ON c.id=x.case_id WHERE c.workload='matmul' AND x.name='bw_ceiling_gbps'
          AND x.note LIKE '%start %, end %' AND x.note NOT LIKE '%nan%'")" = 4 ] \
    && ok "matmul cases judged against the start and end probes" \
    || bad "re-derivation: $(sql "SELECT x.note FROM metrics x WHERE x.name='bw_ceiling_gbps'")"
[ "$(sql "SELECT count(*) FROM cases WHERE flags LIKE '%freq_unpinned%'")" = 0 ] && ok "no run facts on cases" || bad "freq flag on cases"
# facts of the whole run: one row per fact, each with a reason; a guest says it is one
[ "$(sql "SELECT count(*) FROM run_facts WHERE reason IS NULL OR reason=''")" = 0 ] && ok "every run fact has a reason" \
    || bad "run fact without a reason"
hv=$(sql "SELECT coalesce(hypervisor,'none') FROM machines")
[ "$(sql "SELECT count(*) FROM run_facts WHERE fact='hypervisor'")" = "$([ "$hv" = none ] && echo 0 || echo 1)" ] \
    && ok "hypervisor fact matches the machine ($hv)" || bad "hypervisor fact vs machine '$hv'"
grep -q "vs fp16" "$TMP/out" && grep -q "cold" "$TMP/out" && grep -q "baseline" "$TMP/out" && ok "summary shows cache mode and ratios" \
    || bad "summary: $(head -c 400 "$TMP/out")"
[ "$(sql "SELECT count(*) FROM metrics x JOIN cases c ON c.id=x.case_id WHERE x.name='roofline_pct'
          AND x.value > 105.001 AND coalesce(c.flags,'') NOT LIKE '%ceiling_suspect%'")" = 0 ] \
    && ok "every roofline above 105% is flagged ceiling_suspect" || bad "roofline above 105% not flagged"
[ "$(sql "SELECT count(*) FROM v_params_matmul WHERE format IN ('fp16','tq2') AND n=1 AND rows=4096")" = 4 ] \
    && ok "parameter view" || bad "v_params_matmul"

# a version-1 database is upgraded after a backup, and the run is added
cp "$SRC/tests/fixtures/store/v1.db" "$TMP/v1.db"
DB=$TMP/v1.db
if "$BIN" run quick --db "$DB" --filter 'peak/fp32' --threads 1 --reps 3 --min-time 1ms --warmup 0 --quiet \
    >"$TMP/out" 2>"$TMP/err"; then ok "v1 database: run ok"; else bad "v1 run: $(cat "$TMP/err")"; fi
grep -q "upgraded from schema 1" "$TMP/err" && ok "upgrade announced" || bad "no upgrade note: $(cat "$TMP/err")"
ls "$TMP"/v1.db.v1-backup-* >/dev/null 2>&1 && ok "backup kept" || bad "no backup"
[ "$(sql "PRAGMA user_version")" = 3 ] && [ "$(sql "SELECT count(*) FROM runs")" = 2 ] && ok "upgraded, old run kept" || bad "upgrade"

if [ $fail = 0 ]; then echo "e2e measure: all passed"; else echo "e2e measure: FAILED"; fi
exit $fail
