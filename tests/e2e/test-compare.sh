#!/usr/bin/env bash
# test-compare.sh - end-to-end: compare, merge and history through the
# real binary.  Two short real runs of the same cases, then candidates
# made by rewriting the stored samples (x2: every case slower; x0.5:
# faster), so the verdicts do not depend on this host's noise; machines
# of other fingerprints made by rewriting the machine row; merge twice
# (nothing duplicated), an input at a newer schema and one with an
# unknown table (OUT unchanged), the version-1 fixture (upgraded in a
# temporary copy, the fixture untouched).
# usage: test-compare.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
TMP=$(mktemp -d /tmp/tb-cmp-XXXXXX)
cd "$TMP" || exit 1
trap '[ "${KEEP:-}" ] || rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
expect_rc() { # expect_rc WANT DESC CMD...
    local want=$1 desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else bad "$desc: exit $rc, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"

A=$TMP/a.db
for i in 1 2; do
    timeout 300 "$BIN" run quick --filter 'peak/fp32*/t1' --reps 8 --min-time 1ms --warmup 0 --samplers none \
        --idle 0 --quiet --db "$A" >/dev/null 2>"$TMP/err" || { bad "run $i: $(cat "$TMP/err")"; exit 1; }
done
ncases=$(sqlite3 "$A" "SELECT count(*) FROM cases WHERE run_id=2 AND status='ok'")
[ "$ncases" -ge 1 ] && ok "two runs of $ncases case(s)" || { bad "no ok case"; exit 1; }

# real noisy runs: any verdict, but a full table and stored verdicts
"$BIN" compare last~1 last --db "$A" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] && ok "compare of two real runs (exit $rc)" || bad "compare: exit $rc: $(cat "$TMP/err")"
grep -q '^| case | base | candidate | ratio \[95% CI\] | p (Holm) | threshold | verdict |' "$TMP/out" \
    && ok "markdown header" || bad "markdown header missing: $(head -5 "$TMP/out")"
[ "$(grep -c '^| peak/' "$TMP/out")" = "$ncases" ] && ok "one row per case" || bad "rows: $(cat "$TMP/out")"
[ "$(sqlite3 "$A" "SELECT count(*) FROM comparisons WHERE kind='compare' AND threshold=0.05")" = "$ncases" ] \
    && ok "verdicts stored with the threshold" || bad "comparisons rows"

# a run against itself: never slower
expect_rc 0 "run against itself" "$BIN" compare 1 1 --db "$A" --no-store
grep -q "0 slower" "$TMP/out" && ok "itself: 0 slower" || bad "itself: $(tail -3 "$TMP/out")"

# From here the samples are rewritten to a tight synthetic spread (1000 +
# 3 rep ns per iteration, stats to match) so that verdicts test the logic,
# not this host's noise; then a candidate twice as slow: every case slower,
# exit 1; half: faster, exit 0.
sqlite3 "$A" "UPDATE samples SET wall_ns = iters * (1000 + 3 * rep), outlier = '';
              UPDATE stats SET median = 1030, ci_lo = 1020, ci_hi = 1040"
S=$TMP/slow.db; F=$TMP/fast.db
cp "$A" "$S"; cp "$A" "$F"
sqlite3 "$S" "UPDATE samples SET wall_ns = wall_ns * 2 WHERE case_id IN (SELECT id FROM cases WHERE run_id=2);
              UPDATE stats SET median = median * 2, ci_lo = ci_lo * 2, ci_hi = ci_hi * 2
              WHERE case_id IN (SELECT id FROM cases WHERE run_id=2)"
sqlite3 "$F" "UPDATE samples SET wall_ns = wall_ns / 2 WHERE case_id IN (SELECT id FROM cases WHERE run_id=2)"
expect_rc 0 "identical samples" "$BIN" compare 1 2 --db "$A" --no-store
[ "$(grep -c '| same |' "$TMP/out")" = "$ncases" ] && ok "identical samples: every case same" || bad "same rows: $(cat "$TMP/out")"
expect_rc 1 "2x slower candidate fails" "$BIN" compare 1 2 --db "$S"
[ "$(grep -c '| \*\*slower\*\* |' "$TMP/out")" = "$ncases" ] && ok "every case slower" || bad "slower rows: $(cat "$TMP/out")"
expect_rc 0 "2x faster candidate passes" "$BIN" compare 1 2 --db "$F"
[ "$(grep -c '| faster |' "$TMP/out")" = "$ncases" ] && ok "every case faster" || bad "faster rows: $(cat "$TMP/out")"
expect_rc 0 "a 150% threshold absorbs 2x" "$BIN" compare 1 2 --db "$S" --threshold 150 --no-store
expect_rc 1 "JSON" "$BIN" compare 1 2 --db "$S" --json --no-store
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all(c["verdict"]=="slower" and c["ratio"]>1.5 for c in d["cases"]); assert d["geomean"]["ratio"]>1.5' "$TMP/out" \
    && ok "JSON parses: slower, ratio ~2, geomean" || bad "JSON: $(head -c 300 "$TMP/out")"
# a noise floor above the change absorbs it
NF=$TMP/floor.db; cp "$S" "$NF"
fp=$(sqlite3 "$NF" "SELECT fingerprint FROM machines LIMIT 1")
sqlite3 "$NF" "INSERT INTO noise_floor(fingerprint,case_key,floor,rounds,method,measured_at) SELECT '$fp', case_key, 2.0, 10, 'test', 'now' FROM cases WHERE run_id=2"
expect_rc 0 "a 200% noise floor absorbs 2x" "$BIN" compare 1 2 --db "$NF" --no-store
grep -q "200.0% (floor)" "$TMP/out" && ok "row shows the floor in force" || bad "floor: $(cat "$TMP/out")"

# bad references
expect_rc 2 "unknown run" "$BIN" compare 1 99 --db "$A"
expect_rc 2 "bad reference" "$BIN" compare 1 'x;y' --db "$A"
expect_rc 2 "last~N past the first" "$BIN" compare last~5 last --db "$A"
c=$(sqlite3 "$A" "SELECT substr(git_commit,1,8) FROM builds LIMIT 1")
expect_rc 0 "commit prefix" "$BIN" compare 1 "$c" --db "$A" --no-store --threshold 1000

# another machine: refused, or compared with --cross-machine and said on every row
X=$TMP/x.db
cp "$S" "$X"
sqlite3 "$X" "INSERT INTO machines(fingerprint, first_seen, raw_json) VALUES('feedfacefeedface', 'now', '{}');
              UPDATE runs SET machine_id=(SELECT id FROM machines WHERE fingerprint='feedfacefeedface') WHERE id=2"
expect_rc 2 "different machines refused" "$BIN" compare 1 2 --db "$X"
grep -q "different machines" "$TMP/err" && ok "refusal says why" || bad "refusal: $(cat "$TMP/err")"
expect_rc 1 "--cross-machine compares" "$BIN" compare 1 2 --db "$X" --cross-machine
[ "$(grep -c 'cross-machine |$' "$TMP/out")" = "$ncases" ] && ok "every row says cross-machine" || bad "rows: $(cat "$TMP/out")"
[ "$(sqlite3 "$X" "SELECT count(*) FROM comparisons WHERE cross_machine=1")" = "$ncases" ] && ok "stored as cross-machine" || bad "stored cross"

# two databases
expect_rc 1 "--db/--db2" "$BIN" compare last~1 last --db "$A" --db2 "$S" --no-store --threshold 5
grep -q '^| peak/' "$TMP/out" && ok "two-file compare has rows" || bad "two-file: $(cat "$TMP/out")"

# merge: twice adds nothing; another machine's file; refusals leave OUT as it was
M=$TMP/m.db
expect_rc 0 "merge" "$BIN" merge "$M" "$A"
expect_rc 0 "merge again" "$BIN" merge "$M" "$A"
grep -q "0 run(s) added (0 case(s)), 2 already present" "$TMP/out" && ok "second merge adds nothing" || bad "merge again: $(cat "$TMP/out")"
[ "$(sqlite3 "$M" "SELECT count(*) FROM samples")" = "$(sqlite3 "$A" "SELECT count(*) FROM samples")" ] \
    && ok "samples copied once" || bad "sample counts differ"
expect_rc 0 "merge another machine's file" "$BIN" merge "$M" "$X"
[ "$(sqlite3 "$M" "SELECT count(*) FROM machines")" = 2 ] && ok "two machines" || bad "machines: $(sqlite3 "$M" "SELECT count(*) FROM machines")"
# x.db is slow.db with run 2 moved to another machine: run 1 is already in (same machine and start)
[ "$(sqlite3 "$M" "SELECT count(*) FROM runs")" = 3 ] && ok "three runs (run 1 of x.db already present)" || bad "runs: $(sqlite3 "$M" "SELECT count(*) FROM runs")"
p=$(db_problems "$M"); [ -z "$p" ] && ok "merged database intact" || bad "merged: $p"
# the merged file keeps each run's samples: the x2 run compares as slower again
last=$(sqlite3 "$M" "SELECT max(id) FROM runs"); prev=$(sqlite3 "$M" "SELECT max(id) FROM runs WHERE id < $last")
expect_rc 1 "compare inside the merged file" "$BIN" compare "$prev" "$last" --db "$M" --cross-machine --no-store
before=$(sqlite3 "$M" "SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM samples)")
N=$TMP/newer.db; cp "$A" "$N"; sqlite3 "$N" "PRAGMA user_version=99"
expect_rc 1 "newer schema refused" "$BIN" merge "$M" "$N"
grep -q "newer" "$TMP/err" && ok "says newer" || bad "newer: $(cat "$TMP/err")"
U=$TMP/unknown.db; cp "$X" "$U"; sqlite3 "$U" "UPDATE runs SET started_at='2001-01-01T00:00:00Z'; CREATE TABLE zzz(a)"
expect_rc 1 "unknown table refused" "$BIN" merge "$M" "$U"
after=$(sqlite3 "$M" "SELECT (SELECT count(*) FROM runs) || '/' || (SELECT count(*) FROM cases) || '/' || (SELECT count(*) FROM samples)")
[ "$before" = "$after" ] && ok "refused inputs left OUT as it was ($after)" || bad "OUT changed: $before -> $after"
V1=$TMP/v1.db; cp "$SRC/tests/fixtures/store/v1.db" "$V1"; h=$(md5sum < "$V1")
expect_rc 0 "merge a version-1 file" "$BIN" merge "$M" "$V1"
[ "$(md5sum < "$V1")" = "$h" ] && ok "v1 input untouched" || bad "v1 input changed"
ls "$TMP"/v1.db.* >/dev/null 2>&1 && bad "a backup appeared beside the input" || ok "no backup beside the input"
# (db_problems' same-count rule does not hold across versions: v1 peak cases carry fewer counts)
[ "$(sqlite3 "$M" "PRAGMA integrity_check")" = ok ] && [ -z "$(sqlite3 "$M" "PRAGMA foreign_key_check")" ] \
    && ok "intact after v1 merge" || bad "after v1: integrity or orphans"
[ "$(sqlite3 "$M" "SELECT count(*) FROM runs")" = 4 ] && ok "the v1 run added" || bad "runs after v1"
expect_rc 2 "merge into itself" "$BIN" merge "$M" "$M"

# history
key=$(sqlite3 "$A" "SELECT case_key FROM cases WHERE run_id=1 AND status='ok' LIMIT 1")
expect_rc 0 "history" "$BIN" history "$key" --db "$S"
grep -q "^ *2 .*^ slower" "$TMP/out" && ok "history marks the 2x run as a change point" || bad "history: $(cat "$TMP/out")"
expect_rc 0 "history --json" "$BIN" history "$key" --db "$M" --json
[ "$(wc -l < "$TMP/out")" -ge 4 ] && ok "history over the merged file: every run" || bad "history json: $(cat "$TMP/out")"
exit $fail
