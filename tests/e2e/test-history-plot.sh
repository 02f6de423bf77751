#!/usr/bin/env bash
# test-history-plot.sh - end-to-end: `tritbench history KEY --plot DIR`
# renders plots/history.gp.  Seven short real runs of one case, their
# stored medians then rewritten to a known series (a step up at run 4, a
# step down at run 6) so the change points do not depend on this host's
# noise; checks history.csv (one row per run, the marks where the steps
# are), PNG and SVG written, the one-machine note, and bad --plot input.
# Skipped (77) without gnuplot.
# usage: test-history-plot.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v gnuplot >/dev/null || { echo "gnuplot missing: skipped (apt-get install gnuplot-nox)"; exit 77; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
TMP=$(mktemp -d /tmp/tb-hplot-XXXXXX)
cd "$TMP" || exit 1
trap '[ "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
D=$TMP/h.db
for i in 1 2 3 4 5 6 7; do
    timeout 120 "$BIN" run quick --filter 'peak/fp32*/t1' --reps 4 --min-time 1ms --warmup 0 --samplers none \
        --idle 0 --quiet --db "$D" >/dev/null 2>"$TMP/err" || { bad "run $i: $(cat "$TMP/err")"; exit 1; }
done
key=$(sqlite3 "$D" "SELECT case_key FROM cases WHERE status='ok' ORDER BY case_key LIMIT 1")
# medians (us): 120 121 119 | 160 161 | 118 119  -> slower at run 4, faster at run 6
sqlite3 "$D" "UPDATE stats SET median = 1000 * (CASE (SELECT run_id FROM cases WHERE id=case_id)
                WHEN 1 THEN 120 WHEN 2 THEN 121 WHEN 3 THEN 119 WHEN 4 THEN 160 WHEN 5 THEN 161 WHEN 6 THEN 118 ELSE 119 END)
              WHERE metric='ns_per_iter';
              UPDATE stats SET ci_lo = median * 0.98, ci_hi = median * 1.02 WHERE metric='ns_per_iter'"
"$BIN" history "$key" --db "$D" --plot "$TMP/fig" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && ok "history --plot (exit 0)" || bad "history --plot: exit $rc: $(cat "$TMP/err")"
C=$TMP/fig/history.csv
[ "$(head -1 "$C")" = "point,run,commit,median_ns,ci_lo_ns,ci_hi_ns,slower_ns,faster_ns" ] && ok "CSV header" || bad "header: $(head -1 "$C")"
[ "$(($(wc -l < "$C") - 1))" = 7 ] && ok "one CSV row per run" || bad "rows: $(cat "$C")"
[ "$(awk -F, 'NR>1 && $7!="nan" {print $2}' "$C")" = 4 ] && ok "slower change point at run 4" || bad "slower marks: $(cat "$C")"
[ "$(awk -F, 'NR>1 && $8!="nan" {print $2}' "$C")" = 6 ] && ok "faster change point at run 6" || bad "faster marks: $(cat "$C")"
grep -q "2 change point(s)" "$TMP/out" && ok "the table counts the same two" || bad "table: $(tail -2 "$TMP/out")"
for e in png svg; do
    [ -s "$TMP/fig/history.$e" ] && ok "history.$e written" || bad "no history.$e: $(cat "$TMP/fig/gnuplot.log" 2>/dev/null)"
done
head -c 8 "$TMP/fig/history.png" | od -An -c | grep -q "P   N   G" && ok "a PNG" || bad "not a PNG"
grep -q "slower" "$TMP/fig/history.svg" && ok "SVG has the change-point legend" || bad "svg legend"
[ ! -s "$TMP/fig/gnuplot.log" ] && ok "gnuplot said nothing" || bad "gnuplot.log: $(head -5 "$TMP/fig/gnuplot.log")"
# bad input
"$BIN" history "$key" --db "$D" --plot "" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 2 ] && grep -q "plot" "$TMP/err" && ok "--plot '' refused (exit 2)" || bad "--plot '': exit $rc: $(cat "$TMP/err")"
: > "$TMP/file"
"$BIN" history "$key" --db "$D" --plot "$TMP/file/x" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && grep -q "cannot write" "$TMP/err" && ok "--plot under a file: exit 1, says so" || bad "unwritable: exit $rc: $(cat "$TMP/err")"
# no gnuplot scripts: the CSV still written, not a failure
"$BIN" history "$key" --db "$D" --plot "$TMP/fig2" --plots "$TMP/nowhere" >/dev/null 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && [ -s "$TMP/fig2/history.csv" ] && grep -q "history.csv" "$TMP/err" && ok "no scripts: CSV only, said" \
    || bad "no scripts: exit $rc: $(cat "$TMP/err")"
[ "${KEEP:-}" ] && echo "figure: $TMP/fig/history.png"
exit $fail
