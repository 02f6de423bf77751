#!/usr/bin/env bash
# test-decoder.sh - the e2e (decoder) workload with the real binary on a
# tiny model spec: every case verified against the reference decoder and
# stored with its per-step rows (tokens), llama-bench figures (tokens/s
# with CI, per-token latency, TTFT), the decode roofline against the same
# run's read probe, paired speedups over fp16, modelled energy; --layers
# extrapolation marked; a budget too small gives does_not_fit with both
# figures; --max-batch finds a batch within the budget; bad models refused.
# usage: test-decoder.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$1
TMP=$(mktemp -d /tmp/tb-decoder-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
sql() { sqlite3 "$DB" "$1"; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }

SPEC="name=tiny,hidden=128,ffn=344,layers=2,heads=4,kv_heads=2,vocab=512"
COMMON=(--threads 1 --reps 6 --min-time 1ms --warmup 0 --sampler none --idle 0)
DB=$TMP/d.db
if "$BIN" run e2e --db "$DB" --model "$SPEC" --format fp16,int8,tq2 --test tg8,pp16 "${COMMON[@]}" \
    --filter 'bw/read/*/t1,e2e/' >"$TMP/out" 2>"$TMP/err"; then ok "run e2e exit 0"; else
    bad "run e2e: $(head -c 600 "$TMP/err")"; fi
# the decoder cases were derived before the end-of-run probes: derived again once they came in
[ "$(sql "SELECT count(*) FROM metrics m JOIN cases c ON c.id=m.case_id WHERE c.workload='e2e' AND m.name='bw_ceiling_gbps'
          AND m.note LIKE '%start %, end %GB/s%' AND m.note NOT LIKE '%end nan%'")" = 3 ] \
    && ok "decoder rooflines judged against the start and end probes" \
    || bad "e2e ceilings: $(sql "SELECT c.case_key, m.note FROM metrics m JOIN cases c ON c.id=m.case_id WHERE m.name='bw_ceiling_gbps'")"
[ "$(sql "SELECT count(*) FROM cases WHERE workload='e2e' AND status='ok' AND verified=1")" = 6 ] \
    && ok "6 decoder cases ok and verified" || bad "cases: $(sql "SELECT case_key, status, status_reason FROM cases WHERE workload='e2e'")"
[ "$(sql "SELECT count(*) FROM cases WHERE workload='e2e' AND nmse_bound = 1e-6 AND nmse <= 1e-8")" = 6 ] \
    && ok "fp16 in the path (the head): logits within NMSE 1e-8 of the reference decoder (bound 1e-6)" \
    || bad "verify: $(sql "SELECT verify_method, nmse_bound FROM cases WHERE workload='e2e'")"
# every repetition: 8 decode steps (tg8) or one prefill of 16 tokens (pp16)
[ "$(sql "SELECT count(*) FROM cases c JOIN v_params_e2e p ON p.case_id=c.id WHERE p.test='tg8' AND
          (SELECT count(*) FROM tokens t WHERE t.case_id=c.id AND t.phase='decode' AND t.n_tokens=1)
          = 8 * (SELECT count(*) FROM samples s WHERE s.case_id=c.id)")" = 3 ] && ok "tg8: 8 decode rows per repetition" \
    || bad "tokens rows for tg8"
[ "$(sql "SELECT count(*) FROM cases c JOIN v_params_e2e p ON p.case_id=c.id WHERE p.test='pp16' AND
          (SELECT count(*) FROM tokens t WHERE t.case_id=c.id AND t.phase='prefill' AND t.n_tokens=16)
          = (SELECT count(*) FROM samples s WHERE s.case_id=c.id)")" = 3 ] && ok "pp16: one prefill row per repetition" \
    || bad "tokens rows for pp16"
[ "$(sql "SELECT count(*) FROM tokens WHERE ns <= 0")" = 0 ] && ok "step times positive" || bad "non-positive step"
[ "$(sql "SELECT count(*) FROM metrics m JOIN cases c ON c.id=m.case_id JOIN v_params_e2e p ON p.case_id=c.id
          WHERE p.test='tg8' AND m.name IN ('tokens_per_s','ms_per_token','tpot_p99_ms','roofline_pct')
          AND m.value > 0")" = 12 ] && ok "decode figures: tokens/s, ms/token, p99, roofline %" \
    || bad "decode metrics: $(sql "SELECT c.case_key, m.name, m.value, m.note FROM metrics m JOIN cases c ON c.id=m.case_id WHERE m.name IN ('tokens_per_s','roofline_pct')")"
[ "$(sql "SELECT count(*) FROM metrics m JOIN cases c ON c.id=m.case_id JOIN v_params_e2e p ON p.case_id=c.id
          WHERE p.test='pp16' AND m.name IN ('pp_tokens_per_s','ttft_ms') AND m.value > 0")" = 6 ] \
    && ok "prefill figures: tokens/s, TTFT" || bad "prefill metrics"
[ "$(sql "SELECT count(*) FROM metrics WHERE name='tokens_per_s_ci_lo' AND value IS NOT NULL")" = 3 ] \
    && ok "tokens/s CI from 6 repetitions" || bad "tokens/s CI"
# tokens/s agrees with the stored steps: 8 tokens / sum of a repetition's decode steps
[ "$(sql "SELECT count(*) FROM cases c JOIN v_params_e2e p ON p.case_id=c.id
          JOIN metrics m ON m.case_id=c.id AND m.name='tokens_per_s' WHERE p.test='tg8' AND
          m.value BETWEEN 0.999 * (SELECT min(8e9 / s) FROM (SELECT sum(ns) s FROM tokens t WHERE t.case_id=c.id
                                    AND t.phase='decode' GROUP BY rep))
                      AND 1.001 * (SELECT max(8e9 / s) FROM (SELECT sum(ns) s FROM tokens t WHERE t.case_id=c.id
                                    AND t.phase='decode' GROUP BY rep))")" = 3 ] \
    && ok "tokens/s within the per-repetition rates of the stored steps" || bad "tokens/s vs steps"
[ "$(sql "SELECT count(*) FROM ratios q JOIN cases c ON c.id=q.case_id WHERE c.workload='e2e' AND q.median > 0")" = 4 ] \
    && ok "paired speedups over fp16 (int8, tq2 x 2 tests)" || bad "ratios"
[ "$(sql "SELECT count(*) FROM energy e JOIN cases c ON c.id=e.case_id WHERE c.workload='e2e' AND e.kind='modelled'
          AND e.joules > 0")" -ge 6 ] && ok "modelled energy per iteration" || bad "modelled energy"
# the paper's accounting per token (projections and the fp16 head): fp16 (P + H) x 0.5 pJ against
# tq2 P x 0.007 + H x 0.5 pJ at 7 nm, P = 362496 projection MACs, H = 65536 head MACs: 6.06x
r=$(sql "SELECT round(f.value / t.value, 2) FROM metrics f JOIN cases cf ON cf.id=f.case_id
          JOIN v_params_e2e pf ON pf.case_id=cf.id AND pf.format='fp16' AND pf.test='tg8'
          JOIN v_params_e2e pt ON pt.format='tq2' AND pt.test='tg8'
          JOIN metrics t ON t.case_id=pt.case_id AND t.name=f.name WHERE f.name='energy_paper_7nm_j_per_token'")
[ "$r" = 6.06 ] && ok "paper-accounting energy per token: fp16/tq2 = 6.06x (71.4x on the projections)" \
    || bad "paper energy ratio: $r"
[ "$(sql "SELECT count(*) FROM metrics WHERE name IN ('energy_cpu_7nm_j_per_token','energy_cpu_45nm_j_per_token')
          AND value > 0")" = 12 ] && ok "CPU-accounting energy per token at 7 and 45 nm" || bad "cpu energy per token"
[ "$(sql "SELECT count(*) FROM metrics WHERE name='model_bytes' AND value > 0")" = 6 ] && ok "model bytes stored" \
    || bad "model_bytes"
grep -q "decoder (e2e)" "$TMP/out" && ok "summary has the decoder table" || bad "summary: $(head -c 400 "$TMP/out")"

# an integer head: the whole path is integer, the logits bit-exact
DB=$TMP/h.db
"$BIN" run e2e --db "$DB" --model "$SPEC" --format int8,tq2 --head int8 --test tg2 --matmuls "${COMMON[@]}" \
    --filter 'e2e/' >"$TMP/out" 2>"$TMP/err" || bad "--head int8 run: $(head -c 400 "$TMP/err")"
[ "$(sql "SELECT count(*) FROM cases WHERE workload='e2e' AND status='ok' AND nmse_bound=0
          AND verify_method LIKE '%bit-exact%'")" = 2 ] && ok "int8 and tq2 with an int8 head: bit-exact" \
    || bad "bit-exact: $(sql "SELECT status, verify_method FROM cases")"
# --matmuls: each companion shares its decode case's group (paired rounds) and is not verified itself
[ "$(sql "SELECT count(*) FROM cases a JOIN cases b ON b.group_key=a.group_key AND b.case_key=replace(a.case_key,
          '/tg2/', '/tg2-matmuls/') AND b.id != a.id WHERE b.status='ok' AND b.verify_method LIKE 'matmuls only%'")" = 2 ] \
    && ok "--matmuls companions in their decode case's group" || bad "companions: $(sql "SELECT case_key, group_key FROM cases")"
[ "$(grep -c "decode/matmuls [0-9.]* .* paired rounds" "$TMP/out")" = 2 ] && ok "summary: decode vs matmuls, paired" \
    || bad "no overhead line: $(grep -A3 'matmuls alone' "$TMP/out")"

# --layers 1 of 2: extrapolated, said in the figures' notes
DB=$TMP/l.db
"$BIN" run e2e --db "$DB" --model "$SPEC" --format tq2 --test tg4 --layers 1 "${COMMON[@]}" --filter 'e2e/' \
    >"$TMP/out" 2>"$TMP/err" || bad "--layers run: $(head -c 400 "$TMP/err")"
[ "$(sql "SELECT count(*) FROM v_params_e2e WHERE layers=1 AND layers_total=2 AND extrapolated=1")" = 1 ] \
    && [ "$(sql "SELECT count(*) FROM metrics WHERE name='tokens_per_s' AND note LIKE '%EXTRAPOLATED from 1 of 2%'")" = 1 ] \
    && ok "--layers: stored and noted as extrapolated" || bad "--layers: $(sql "SELECT note FROM metrics WHERE name='tokens_per_s'")"

[ "$(sql "SELECT count(*) FROM cases WHERE flags LIKE '%full_model_does_not_fit%'")" = 0 ] \
    && ok "--layers within the budget: no full_model_does_not_fit flag" || bad "flag without cause"
# --layers with fp16 beside tq2: the paired "vs fp16" compares the whole
# models (both times scaled, the fp16 head shared by both is not diluting
# it), the factor stored in the ratio's method
DB=$TMP/lr.db
"$BIN" run e2e --db "$DB" --model "$SPEC" --format fp16,tq2 --test tg4 --layers 1 "${COMMON[@]}" --filter 'e2e/' \
    >"$TMP/out" 2>"$TMP/err" || bad "--layers fp16,tq2 run: $(head -c 400 "$TMP/err")"
ts() { sql "SELECT m.value FROM metrics m JOIN cases c ON c.id=m.case_id WHERE m.name='time_scale' AND c.backend LIKE '$1%'"; }
f=$(awk -v a="$(ts fp16)" -v b="$(ts tq2)" 'BEGIN { if (a > 1 && b > 1 && a != b) printf "%.4g", a / b; else print "none" }')
m=$(sql "SELECT method FROM ratios r JOIN cases c ON c.id=r.case_id WHERE c.backend LIKE 'tq2%'")
[ "$f" != none ] && [[ "$m" == *"x$f: both times scaled to the whole model"* ]] \
    && ok "--layers: vs fp16 scaled to the whole models (x$f = fp16's time scale / tq2's)" \
    || bad "--layers ratio: scales '$(ts fp16)' '$(ts tq2)' -> '$f', method '$m'"
# --layers under a budget the whole model exceeds: measured, extrapolated, and flagged
DB=$TMP/lf.db
"$BIN" run e2e --db "$DB" --model "$SPEC" --format fp16 --test tg4 --layers 1 --cache hot --mem-budget 1000KiB \
    "${COMMON[@]}" --filter 'e2e/' >"$TMP/out" 2>"$TMP/err" || bad "--layers budget run: $(head -c 400 "$TMP/err")"
[ "$(sql "SELECT count(*) FROM cases WHERE status='ok' AND flags LIKE '%full_model_does_not_fit%'
          AND flags_reason LIKE '%the whole model needs 1.__ MiB, more than the 1000 KiB%'")" = 1 ] \
    && ok "--layers: a whole model above the budget is flagged full_model_does_not_fit" \
    || bad "full model flag: $(sql "SELECT status, flags, flags_reason FROM cases")"

# a budget below the model: does_not_fit with the bytes needed and the budget
DB=$TMP/f.db
if "$BIN" run e2e --db "$DB" --model "$SPEC" --format fp16 --test tg4 --mem-budget 100KiB "${COMMON[@]}" \
    --filter 'e2e/' >"$TMP/out" 2>"$TMP/err"; then ok "does_not_fit is not a failure (exit 0)"; else
    bad "budget run exit: $(head -c 400 "$TMP/err")"; fi
[ "$(sql "SELECT count(*) FROM cases WHERE status='does_not_fit' AND status_reason LIKE '%needs %'
          AND status_reason LIKE '%--mem-budget budget of 100 KiB%'")" = 1 ] && ok "does_not_fit names need and budget" \
    || bad "does_not_fit: $(sql "SELECT status, status_reason FROM cases")"

# --max-batch: the largest batch whose KV caches fit the budget
DB=$TMP/b.db
"$BIN" run e2e --db "$DB" --model "$SPEC" --format tq2 --test tg4 --max-batch --mem-budget 48M "${COMMON[@]}" \
    --filter 'e2e/' >"$TMP/out" 2>"$TMP/err" || bad "--max-batch run: $(head -c 400 "$TMP/err")"
[ "$(sql "SELECT count(*) FROM cases c JOIN v_params_e2e p ON p.case_id=c.id WHERE p.max_batch=1 AND p.batch > 1
          AND c.status='ok'")" = 1 ] && ok "--max-batch: a batch > 1 measured within the budget" \
    || bad "max batch: $(sql "SELECT c.case_key, c.status, c.status_reason FROM cases c")"

# bad model inputs: one line, exit 2
"$BIN" run e2e --db "$TMP/x.db" --model nosuch >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && grep -q "not a built-in model" "$TMP/err" && [ "$(wc -l <"$TMP/err")" = 1 ] \
    && ok "unknown model refused" || bad "unknown model: $(cat "$TMP/err")"
"$BIN" run e2e --db "$TMP/x.db" --model "hidden=100,ffn=10,layers=1,heads=3,vocab=10" >"$TMP/out" 2>"$TMP/err"
[ $? = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && ok "inconsistent spec refused: $(cat "$TMP/err")" \
    || bad "bad spec: $(cat "$TMP/err")"
[ ! -e "$TMP/x.db" ] && ok "no database created on a usage error" || bad "database created"

if [ $fail = 0 ]; then echo "e2e decoder: all passed"; else echo "e2e decoder: FAILED"; fi
exit $fail
