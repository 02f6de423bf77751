#!/usr/bin/env bash
# test-paper.sh - `tritbench paper`: --dry-run lists the plan (every model
# of Table 1 and Figure 2 in fp16, int8 and every ternary format, the
# Table 3 max-batch cases, this run's ceilings) and the time estimate, and
# says how it is estimated; --quick uses 1 layer and tg8 everywhere; the
# full mode keeps every layer of the models that fit; nothing is measured
# and no database is created; bad inputs exit 2 with one line.
# Usage: test-paper.sh TRITBENCH SRCDIR
set -u
TB=$1
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$TB" paper --quick --dry-run --db "$T/p.db" --threads 1 >"$T/q.out" 2>&1 || fail "quick dry-run: $(tail -3 "$T/q.out")"
[ -e "$T/p.db" ] && fail "dry-run created the database"
for m in 700M 1.3B 3B 3.9B 7B 13B 70B; do
    for f in fp16 int8 tq2 tq1 tl; do
        grep -q "^  e2e/${f}_[a-z0-9]*/$m/head-fp16/tg8/b1/l1/t1/cold .*extrapolated" "$T/q.out" || fail "quick: no $f $m tg8 1-layer case"
    done
done
[ "$(grep -c 'max-batch' "$T/q.out")" = 5 ] || fail "quick: not one max-batch case per format: $(grep -c max-batch "$T/q.out")"
# every table and figure of the report keeps its cases in every format: Table 3's batch sweep
# (70B, 1 layer) beside the max-batch cases; Table 1 / Figures 2 and 3 above
for f in fp16 int8 tq2 tq1 tl; do
    grep -q "^  e2e/${f}_[a-z0-9]*/70B/head-fp16/tg1/b4/l1/t1/cold .*extrapolated" "$T/q.out" || fail "quick: no $f Table 3 batch-4 case"
    grep -q "^  e2e/${f}_[a-z0-9]*/70B/head-fp16/tg1/b[0-9]*/l1/t1/hot .*max-batch" "$T/q.out" || fail "quick: no $f max-batch case"
done
grep -q '^  peak/' "$T/q.out" || fail "quick: no compute ceiling in the plan"
# the estimate counts what the run shares: each model's embedding and head once, its projections
# once per format and layer count
grep -q 'each model.s fp16 embedding and head once' "$T/q.out" || fail "quick: the estimate does not say what it counts"
grep -q '^  bw/read/' "$T/q.out" || fail "quick: no bandwidth ceiling in the plan"
grep -q '^estimate: about [0-9]* min (decode: bytes one token reads / an assumed [0-9]* GB/s' "$T/q.out" || fail "quick: no estimate"
grep -q '^tritbench paper --quick: [0-9]* decoder cases in fp16,int8,tq2,tq1,tl formats' "$T/q.out" || fail "quick: no summary line"

"$TB" paper --dry-run --db "$T/p.db" --threads 1 --mem-budget 4GiB >"$T/f.out" 2>&1 || fail "full dry-run: $(tail -3 "$T/f.out")"
grep -q '^  e2e/fp16_[a-z0-9]*/700M/head-fp16/tg128/b1/l24/t1/cold ' "$T/f.out" || fail "full: 700M not at all 24 layers"
grep -q '^  e2e/fp16_[a-z0-9]*/70B/head-fp16/tg128/b1/l2/t1/cold .*extrapolated' "$T/f.out" || fail "full: 70B not 2 layers"
grep -q '^estimate: about' "$T/f.out" || fail "full: no estimate"
[ -e "$T/p.db" ] && fail "dry-run created the database"

bad() { # expected exit, message pattern, args...
    local want=$1 pat=$2; shift 2
    "$TB" paper "$@" >"$T/b.out" 2>&1; local rc=$?
    [ $rc = "$want" ] || fail "paper $*: exit $rc, want $want ($(cat "$T/b.out"))"
    [ "$(wc -l <"$T/b.out")" = 1 ] || fail "paper $*: not one line: $(cat "$T/b.out")"
    grep -q "$pat" "$T/b.out" || fail "paper $*: message $(cat "$T/b.out")"
}
bad 2 "unexpected argument 'extra'" extra
bad 2 "^tritbench: --threads 0" --threads 0 --dry-run
bad 2 "^tritbench: --db" --db '' --dry-run
bad 2 "^tritbench: --db" --db :memory: --dry-run
bad 2 "^tritbench: --mem-budget lots" --mem-budget lots --dry-run
bad 2 "^tritbench: --out ''" --out '' --dry-run
bad 2 "unrecognized option\|unknown option" --nope
"$TB" paper --help >"$T/h.out" 2>&1 || fail "--help"
grep -q -- '--quick' "$T/h.out" && grep -q -- '--dry-run' "$T/h.out" || fail "--help lacks options"
echo "ok"
