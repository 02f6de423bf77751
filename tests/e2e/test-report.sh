#!/usr/bin/env bash
# test-report.sh - `tritbench report` on a fixture database made by a tiny
# real run: every format parses (JSON with python3 -m json.tool, CSV column
# counts), the HTML page is self-contained (no external URL, no src/href
# to a file), absent figures carry their reasons, --by machine covers a
# database holding two machines, the published figures are loaded and laid
# out by --paper, the database is not written, and (when gnuplot is
# installed) every plots/ script renders a non-empty PNG and SVG, a figure
# without data renders its "no data" message, and a missing gnuplot is
# reported instead of failing.  Usage: test-report.sh TRITBENCH SRCDIR
set -u
TB=$1 SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DB=$T/r.db

"$TB" run quick --db "$DB" --filter 'matmul/*/4096x4096/n1/t1/*,peak/*/t1' --threads 1 --reps 3 \
    --min-time 1ms --warmup 1ms --idle 0 --sampler none --quiet >"$T/run.out" 2>&1 || fail "fixture run: $(tail -3 "$T/run.out")"
sum0=$(sha256sum "$DB" | cut -d' ' -f1)

# Markdown: header, a matmul table, reasons for absent figures
"$TB" report --db "$DB" >"$T/r.md" || fail "report md"
grep -q '^- machine [0-9a-f]\{16\}: ' "$T/r.md" || fail "md: no machine line"
grep -q '^- build [0-9a-f]' "$T/r.md" || fail "md: no build line"
grep -q '^### matmul' "$T/r.md" || fail "md: no matmul table"
grep -q 'speedup: the group.s fp16 baseline itself' "$T/r.md" || fail "md: baseline has no reason for its absent speedup"
grep -q 'measured energy: none (' "$T/r.md" || fail "md: no reason for the absent measured energy"
grep -q 'Figures skipped: no --out folder' "$T/r.md" || fail "md: figures not said to be skipped"

# JSON: parses, layout, every case's absent figures have reasons, no 0 where a figure is absent
"$TB" report --db "$DB" --format json >"$T/r.json" || fail "report json"
python3 - "$T/r.json" <<'PY' || fail "json checks"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["layout"] == "tritbench-report/1", d["layout"]
run = d["runs"][0]
assert run["machine"]["fingerprint"] and run["build"]["commit"]
cases = run["cases"]
assert any(c["workload"] == "matmul" for c in cases)
for c in cases:
    for fig in ("gbps", "gops", "roofline_pct", "speedup", "median_ns"):
        key = "median" if fig == "median_ns" else fig
        if c.get(fig) is None and c["workload"] == "matmul":
            assert key in c["missing"] and c["missing"][key], (c["key"], fig)
    assert c["energy_j_per_iter"]["measured"] is None and "energy_measured" in c["missing"]
base = [c for c in cases if c["workload"] == "matmul" and c["format"] == "fp16"]
assert base and base[0]["speedup"] is None and "baseline" in base[0]["missing"]["speedup"]
PY

# CSV: every row has the header's column count
"$TB" report --db "$DB" --format csv >"$T/r.csv" || fail "report csv"
python3 - "$T/r.csv" <<'PY' || fail "csv column counts"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert len(rows) > 3 and len(rows[0]) == 27, len(rows[0])
for r in rows[1:]:
    assert len(r) == 27, r
assert any(r[5] == "matmul" and r[-1] for r in rows[1:])
PY

# --paper: published figures loaded by the run, ours "not measured" with why
"$TB" report --db "$DB" --paper >"$T/p.md" || fail "report --paper"
grep -q '| Table 1 | 3B | decode latency (ms/token) | LLaMA fp16: 5.07 / BitNet ternary: 1.87 | 2.71x | not measured |' "$T/p.md" \
    || fail "paper: Table 1 3B row"
grep -q 'no end-to-end decoder (e2e) cases' "$T/p.md" || fail "paper: no reason for the missing e2e rows"
grep -q '| Figure 3 left | one MAC, 7 nm | .* | 0.5 / 0.007 | 71.4x |' "$T/p.md" || fail "paper: Figure 3 left from the model"
[ "$(sqlite3 "$DB" "SELECT count(DISTINCT tbl) FROM reference_figures")" = 9 ] || fail "reference_figures: not 9 tables"
"$TB" report --db "$DB" --paper --format json | python3 -m json.tool >/dev/null || fail "paper json"
# --paper with decoder rows (a fixture: three e2e cases of run 1 in a copy)
cp "$DB" "$T/e.db" && sqlite3 "$T/e.db" < "$SRC/tests/fixtures/report/fake-e2e.sql" || fail "e2e fixture"
"$TB" report --db "$T/e.db" --run 1 --paper >"$T/pe.md" || fail "report --paper with e2e rows"
grep -q '| Table 1 | 3B | decode latency (ms/token) | LLaMA fp16: 5.07 / BitNet tq2: 1.87 | 2.71x | 250 / 40 | 6.25x | tq2 extrapolated |' "$T/pe.md" \
    || fail "paper: Table 1 3B with ours: $(grep 'Table 1 | 3B' "$T/pe.md")"
grep -q '| Figure 3 | 3B | .* | 2 / 0.04 | 50x |' "$T/pe.md" || fail "paper: Figure 3 energy for 512 tokens"
grep -q 'fp16 does_not_fit: needs 140 GB' "$T/pe.md" || fail "paper: does_not_fit reason"

# a database holding two machines: --by machine reports both
sqlite3 "$DB" "INSERT INTO machines(fingerprint, cpu_brand, first_seen, raw_json) VALUES('feedfacefeedface', 'Other CPU', '2026-01-01', '{}');
  INSERT INTO runs(machine_id, build_id, suite, argv, options_json, started_at, status)
    SELECT (SELECT id FROM machines WHERE fingerprint='feedfacefeedface'), build_id, suite, argv, options_json, started_at, 'ok' FROM runs LIMIT 1;"
sum0=$(sha256sum "$DB" | cut -d' ' -f1)
"$TB" report --db "$DB" --by machine --format json >"$T/m.json" || fail "report --by machine"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['runs'])==2 and d['runs'][1]['cases']==[]" "$T/m.json" \
    || fail "--by machine: expected two runs"
"$TB" report --db "$DB" --by machine | grep -q 'No cases stored for this run' || fail "--by machine md: empty run not said"
"$TB" report --db "$DB" --run 999 >/dev/null 2>"$T/e"; [ $? = 1 ] && grep -q 'no such run' "$T/e" || fail "--run 999"
"$TB" report --db "$DB" --format xml >/dev/null 2>&1; [ $? = 2 ] || fail "--format xml: not a usage error"
"$TB" report --db "$DB" --run 1 --by machine >/dev/null 2>&1; [ $? = 2 ] || fail "--run with --by: not a usage error"
[ "$(sha256sum "$DB" | cut -d' ' -f1)" = "$sum0" ] || fail "report wrote to the database"

# figures: without gnuplot on PATH the report is written and says why
mkdir "$T/bin"
for t in sqlite3 python3; do ln -s "$(command -v $t)" "$T/bin/$t" 2>/dev/null; done
PATH=$T/bin "$TB" report --db "$DB" --run 1 --format md --out "$T/nognu" 2>"$T/e" || fail "report without gnuplot: $(cat "$T/e")"
grep -q 'gnuplot is not installed' "$T/nognu/report.md" || fail "missing gnuplot not reported"
[ -s "$T/nognu/roofline.csv" ] && [ -s "$T/nognu/meta.gp" ] || fail "figure CSV not exported without gnuplot"

command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed (figures)"; exit 77; }
"$TB" report --db "$DB" --run 1 --format html --out "$T/out" 2>"$T/e" || fail "report html: $(cat "$T/e")"
grep -q 'gnuplot failed' "$T/e" && fail "gnuplot failed: $(cat "$T/out/gnuplot.log")"
for f in roofline gemv_sweep threads latency table1 fig2 fig3_left fig3 table3; do
    [ -s "$T/out/$f.png" ] || fail "$f.png missing"
    [ "$(head -c 8 "$T/out/$f.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$f.png is not a PNG"
    python3 -c "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])" "$T/out/$f.svg" || fail "$f.svg is not XML"
    # no NaN printed anywhere a reader sees (legend, labels, titles): the fixture has no bandwidth probe
    python3 - "$T/out/$f.svg" <<'PY' || fail "$f.svg shows 'nan'"
import re, sys, xml.dom.minidom as m
def text(n):
    return n.data if n.nodeType == n.TEXT_NODE else "".join(text(c) for c in n.childNodes)
t = text(m.parse(sys.argv[1]))
bad = re.findall(r"(?i)\bnan\b|\binf\b", t)
assert not bad, (bad, t[:300])
PY
done
# the roofline says which ceiling it lacks and why, and does not list it
grep -q "not drawn: DRAM and cache read bandwidth (no read bandwidth probe at 1 thread in this run)" "$T/out/roofline.svg" \
    || fail "roofline: no note on the missing bandwidth ceilings"
grep -q "DRAM read [0-9]" "$T/out/roofline.svg" && fail "roofline: a DRAM ceiling in the legend without a probe"
grep -q "int8 peak [0-9]* GOP/s" "$T/out/roofline.svg" || fail "roofline: the measured int8 peak is not in the legend"
# Figure 3 left: the energy model per MAC, mul and add apart, both nodes; the paper's ratio only with --paper
python3 - "$T/out/fig3_left.csv" <<'PY' || fail "fig3_left.csv: $(cat "$T/out/fig3_left.csv")"
import csv, sys
rows = {(r["node"], r["format"]): r for r in csv.DictReader(open(sys.argv[1]))}
assert len(rows) == 6, rows.keys()
f = lambda n, k, c: float(rows[(n, k)][c])
assert (f("7 nm", "fp16", "mul_pj"), f("7 nm", "fp16", "add_pj")) == (0.34, 0.16)
assert (f("45 nm", "int8", "mul_pj"), f("45 nm", "int8", "add_pj")) == (0.2, 0.03)
assert f("7 nm", "ternary", "mul_pj") == 0 and f("7 nm", "ternary", "add_pj") == 0.007
assert abs(f("7 nm", "ternary", "ratio_vs_fp16") - 71.4286) < 1e-3 and f("45 nm", "ternary", "ratio_vs_fp16") == 50
assert rows[("7 nm", "ternary")]["paper_ratio"] == "NaN"   # not a --paper report
PY
grep -q "paper's ratio: shown by report --paper" "$T/out/fig3_left.svg" || fail "fig3_left: does not say where the paper's ratio is"
"$TB" report --db "$DB" --run 1 --paper --out "$T/pout" 2>"$T/e" || fail "report --paper --out: $(cat "$T/e")"
grep -q '^2,7 nm,ternary,0,0.007,0.007,71.4286,0.007,71.4,paper: 71.4x$' "$T/pout/fig3_left.csv" \
    || fail "fig3_left.csv with --paper: $(cat "$T/pout/fig3_left.csv")"
grep -q 'paper: 71.4x' "$T/pout/fig3_left.svg" || fail "fig3_left: the paper's 71.4x not drawn"
grep -q '!\[fig3_left\](fig3_left.png)' "$T/pout/report.md" || fail "paper report: no Figure 3 left"
grep -q 'no data: no end-to-end decoder (e2e) cases in this run' "$T/out/table1.svg" || fail "table1: no 'no data' message"
grep -q '(machine [0-9a-f]\{12\}), commit ' "$T/out/roofline.svg" || fail "roofline: no footer"
H=$T/out/report.html
[ "$(grep -c '<svg' "$H")" -ge 9 ] || fail "html: figures not inlined"
grep -q '<figcaption>fig3_left</figcaption>' "$H" || fail "html: no Figure 3 left"
grep -q '<table>' "$H" || fail "html: no tables"
# url(#id) is a fragment of the page itself (gnuplot's SVG fill patterns), not a resource
if grep -oE '(src|href)="[^"]*"|url\([^#)][^)]*\)|https?://[^" ]*' "$H" | grep -v 'http://www.w3.org/' | grep -q .; then
    fail "html refers to an external resource: $(grep -oE '(src|href)="[^"]*"|url\([^#)][^)]*\)|https?://[^" ]*' "$H" | grep -v w3.org | head -3)"
fi
python3 -c "import html.parser,sys; html.parser.HTMLParser().feed(open(sys.argv[1]).read())" "$H" || fail "html does not parse"
echo "ok"
