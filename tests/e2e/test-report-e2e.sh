#!/usr/bin/env bash
# test-report-e2e.sh - the decoder (e2e) rows in `tritbench report`, on a
# database made by a tiny real `run e2e` (one model spec, fp16/int8/tq2,
# batch 1 and 2, --max-batch under a small budget, --layers 1 of 2 so every
# row is extrapolated): the md/html decoder table (tokens/s with CI,
# ms/token p50/p90/p99, weights, KV, vs fp16, EXTRAPOLATED), the CSV e2e
# table, the JSON "e2e" object; the CSV each decoder figure reads has data
# rows, meta.gp gives them no "no data" reason, and (with gnuplot) each of
# table1, fig2, fig3, table3 renders data, not its "no data" message.
# Usage: test-report-e2e.sh TRITBENCH SRCDIR
set -u
TB=$1 SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DB=$T/e.db
SPEC="name=tiny,hidden=128,ffn=344,layers=2,heads=4,kv_heads=2,vocab=512"

TRITBENCH_BW_MIB=64 "$TB" run e2e --db "$DB" --model "$SPEC" --format fp16,int8,tq2 --test tg4 --batch 1,2 \
    --layers 1 --max-batch --mem-budget 24MiB --threads 1 --reps 3 --min-time 1ms --warmup 1ms --idle 0 \
    --sampler none --quiet >"$T/run.out" 2>&1 || fail "fixture run: $(tail -3 "$T/run.out")"

"$TB" report --db "$DB" >"$T/r.md" || fail "report md"
grep -q '^### decoder (e2e)' "$T/r.md" || fail "md: no decoder table"
grep -q '| case | status | decode tokens/s \[95% CI\] | ms/token p50 / p90 / p99 |' "$T/r.md" || fail "md: decoder columns"
row=$(grep '^| e2e/tq2_[a-z0-9]*/tiny/head-fp16/tg4/b1/l1/' "$T/r.md" | head -1)
[ -n "$row" ] || fail "md: no tq2 batch-1 row"
echo "$row" | grep -q '| ok | ~[0-9]' || fail "md: tokens/s not marked extrapolated: $row"
echo "$row" | grep -q ' / .* / .* ms |' || fail "md: no p50/p90/p99: $row"
echo "$row" | grep -q 'EXTRAPOLATED (~) from 1 of 2 layers' || fail "md: extrapolated not in the flags: $row"
echo "$row" | grep -q '| [0-9.]* kB | [0-9.]* kB |' || fail "md: weights and KV cache: $row"
echo "$row" | grep -qE '\| [0-9.]+x( \[[0-9.]+, [0-9.]+\])? \|' || fail "md: no ratio vs fp16: $row"
grep -q 'largest batch in the memory budget' "$T/r.md" || fail "md: the --max-batch case is not named"

"$TB" report --db "$DB" --format csv >"$T/r.csv" || fail "report csv"
python3 - "$T/r.csv" <<'PY' || fail "csv: e2e table"
import csv, sys
blocks = open(sys.argv[1]).read().split("\n\n")
e2e = [b for b in blocks if b.startswith("run_id,case_key,model,format")]
assert e2e, "no e2e table"
rows = list(csv.DictReader(e2e[0].splitlines()))
assert len(rows) >= 9, len(rows)
ok = [r for r in rows if r["status"] == "ok" and r["batch"] == "1" and r["max_batch"] == "0"]
assert {r["format"] for r in ok} == {"fp16", "int8", "tq2"}, ok
for r in ok:
    assert r["extrapolated"] == "1" and r["layers"] == "1" and r["layers_total"] == "2", r
    assert float(r["tokens_per_s"]) > 0 and float(r["ms_per_token_p50"]) > 0, r
    assert float(r["model_bytes"]) > 0 and float(r["energy_paper_7nm_j_per_token"]) > 0, r
assert any(r["max_batch"] == "1" for r in rows)
PY
"$TB" report --db "$DB" --format json >"$T/r.json" || fail "report json"
python3 - "$T/r.json" <<'PY' || fail "json: e2e objects"
import json, sys
d = json.load(open(sys.argv[1]))
cases = d["runs"][0]["cases"]
e = [c for c in cases if c["workload"] == "e2e"]
assert e and all(c["e2e"] and c["e2e"]["extrapolated"] is True for c in e)
assert all(c["e2e"] is None for c in cases if c["workload"] != "e2e")
assert all(c["e2e"]["tokens_per_s"] > 0 for c in e if c["status"] == "ok")
PY
"$TB" report --db "$DB" --format html --out "$T/out" >/dev/null 2>&1 || fail "report html --out"
grep -q 'decode tokens/s \[95% CI\]' "$T/out/report.html" || fail "html: no decoder table"
# the figures' CSV: data rows, and no "no data" reason for them
[ "$(sed -n 2p "$T/out/table1.csv" | cut -d, -f1)" = tiny ] || fail "table1.csv: $(cat "$T/out/table1.csv")"
[ "$(grep -c ',tiny,' "$T/out/fig2.csv")" = 3 ] || fail "fig2.csv: $(cat "$T/out/fig2.csv")"
grep -q '^[0-9.e-]*,tiny,tq2,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*,[0-9.e-]*,1,0$' "$T/out/fig2.csv" || fail "fig2.csv: tq2 not extrapolated"
[ "$(sed -n 2p "$T/out/fig3.csv" | cut -d, -f1)" = tiny ] || fail "fig3.csv: $(cat "$T/out/fig3.csv")"
grep -q '^tq2,tiny,2,' "$T/out/table3.csv" || fail "table3.csv: no batch 2: $(cat "$T/out/table3.csv")"
grep -q ',1$' "$T/out/table3.csv" || fail "table3.csv: no max-batch row"
for f in table1 fig2 fig3 table3; do
    grep -q "^nodata_$f = ''$" "$T/out/meta.gp" || fail "meta.gp: $f has a no-data reason: $(grep "nodata_$f" "$T/out/meta.gp")"
done
grep -q "^e2e_formats = 'fp16 int8 tq2'$" "$T/out/meta.gp" || fail "meta.gp: e2e formats"
grep -q "^energy_measured_why = 'measured energy: none" "$T/out/meta.gp" || fail "meta.gp: measured energy not said absent"
if command -v gnuplot >/dev/null; then
    for f in table1 fig2 fig3 table3; do
        [ -s "$T/out/$f.png" ] && [ -s "$T/out/$f.svg" ] || fail "$f: not rendered ($(tail -3 "$T/out/gnuplot.log"))"
        grep -q 'no data' "$T/out/$f.svg" && fail "$f: renders 'no data' with rows"
        grep -q 'fp16' "$T/out/$f.svg" || fail "$f: no fp16 in its key"
    done
    grep -q 'measured energy: none' "$T/out/fig3.svg" || fail "fig3: does not say measured energy is absent"
fi
echo "ok"
