#!/usr/bin/env bash
# test-cli.sh - end-to-end: the real tritbench binary on a temporary
# database; rows checked with SQL; bad input gives one-line errors, the
# documented exit codes, and leaves databases untouched.
# usage: test-cli.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$1
TMP=$(mktemp -d /tmp/tb-e2e-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
expect_rc() { # expect_rc WANT DESC CMD...
    local want=$1 desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" = "$want" ]; then ok "$desc (exit $rc)"; else bad "$desc: exit $rc, want $want; stderr: $(head -c 300 "$TMP/err")"; fi
}
sql() { sqlite3 "$DB" "$1"; }
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }

expect_rc 0 "--help" "$BIN" --help
expect_rc 2 "unknown command" "$BIN" frobnicate
grep -q "unknown command 'frobnicate'" "$TMP/err" && ok "error names the command" || bad "error text: $(cat "$TMP/err")"
for c in info list run report compare merge; do expect_rc 0 "$c --help" "$BIN" $c --help; done
expect_rc 2 "run without suite" "$BIN" run
expect_rc 2 "unknown suite" "$BIN" run nosuch
grep -q "run nosuch: unknown suite" "$TMP/err" && ok "error names the suite" || bad "suite error: $(cat "$TMP/err")"
expect_rc 2 "bad --reps" "$BIN" run quick --reps many
grep -q -- "--reps many: expected an integer" "$TMP/err" && ok "error names --reps" || bad "reps error: $(cat "$TMP/err")"
expect_rc 2 "bad --min-time unit" "$BIN" run quick --min-time 5parsecs
expect_rc 2 "bad --threads" "$BIN" run quick --threads 0
expect_rc 2 "bad --isa" "$BIN" run quick --isa sse9
expect_rc 2 "filter matching nothing" "$BIN" run quick --filter no-such-case --db "$TMP/none.db"
[ ! -e "$TMP/none.db" ] && ok "no database created on usage error" || bad "database created on usage error"
expect_rc 2 "unknown sampler" "$BIN" run quick --sampler warp-drive --db "$TMP/none.db"
expect_rc 1 "report not yet" "$BIN" report
grep -q "not yet implemented" "$TMP/err" && ok "report says not yet" || bad "report text: $(cat "$TMP/err")"
expect_rc 1 "compare not yet" "$BIN" compare a b
expect_rc 1 "merge not yet" "$BIN" merge a b

expect_rc 0 "info" "$BIN" info
for s in clock perf papi likwid powercap perf-power msr nvml energy-model; do
    grep -q "^  $s " "$TMP/out" && ok "info lists $s" || bad "info does not list $s"
done
expect_rc 0 "info --json" "$BIN" info --json
if command -v python3 >/dev/null; then
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["machine"]["fingerprint"]; assert all(s["live"] or s["reason"] for s in d["sources"])' "$TMP/out" \
        && ok "info --json parses; every non-live source has a reason" || bad "info --json invalid"
fi
expect_rc 0 "list" "$BIN" list
expect_rc 2 "list bogus" "$BIN" list bogus

# A real run: compute-peak probes and a small bandwidth probe.
DB=$TMP/r.db
export TRITBENCH_BW_MIB=16
expect_rc 0 "run quick (peak + bw read)" "$BIN" run quick --filter 'peak/,bw/read' --db "$DB" --reps 6 --min-time 2ms --warmup 0 --threads 2
grep -q "status.*median" "$TMP/out" && ok "summary table printed" || bad "no summary: $(cat "$TMP/out")"
n=$(sql "SELECT count(*) FROM cases")
[ "$n" -ge 4 ] && ok "$n cases stored" || bad "only $n cases"
[ "$(sql "SELECT count(*) FROM cases WHERE status<>'ok' OR verified<>1")" = 0 ] && ok "all cases ok and verified" || bad "unverified cases"
# ceiling probes take the best of at least 20 repetitions, whatever --reps says
[ "$(sql "SELECT count(*) FROM samples")" = $((n * 20)) ] && ok "20 samples per probe case" || bad "samples: $(sql 'SELECT count(*) FROM samples')"
[ "$(sql "SELECT count(*) FROM samples WHERE wall_ns<=0 OR cpu_ns IS NULL OR cpu_start IS NULL")" = 0 ] && ok "samples complete" || bad "incomplete samples"
[ "$(sql "SELECT count(*) FROM stats WHERE median>0 AND ci_lo<=median AND median<=ci_hi")" = "$n" ] && ok "stats with CI" || bad "stats"
[ "$(sql "SELECT count(*) FROM metrics WHERE name='gops' AND value>0")" -ge 2 ] && ok "GOP/s stored" || bad "gops"
[ "$(sql "SELECT count(*) FROM metrics m JOIN cases c ON c.id=m.case_id WHERE c.workload='bandwidth' AND m.name='gbps' AND m.value>0")" -ge 1 ] && ok "GB/s stored" || bad "gbps"
[ "$(sql "SELECT status FROM runs")" = ok ] && ok "run status ok" || bad "run status $(sql 'SELECT status FROM runs')"
[ "$(sql "SELECT count(*) FROM runs WHERE ended_at IS NOT NULL AND options_json LIKE '%\"reps\":6%'")" = 1 ] && ok "run options stored" || bad "run options"
[ "$(sql "SELECT count(*) FROM builds WHERE git_commit<>'' AND compiler<>'' AND cflags IS NOT NULL")" = 1 ] && ok "build provenance" || bad "build row"
[ "$(sql "SELECT count(*) FROM machines WHERE length(fingerprint)=16 AND cpu_vendor<>''")" = 1 ] && ok "machine row" || bad "machine row"
[ "$(sql "SELECT count(*) FROM sampler_status WHERE sampler='clock' AND available=1")" = 1 ] && ok "clock live" || bad "clock status"
[ "$(sql "SELECT count(*) FROM sampler_status WHERE available=0 AND (reason IS NULL OR reason='')")" = 0 ] && ok "every unavailable sampler has a reason" || bad "sampler without reason"
[ "$(sql "SELECT count(*) FROM sampler_status")" -ge 8 ] && ok "every source has a status row" || bad "status rows: $(sql 'SELECT sampler FROM sampler_status')"
[ "$(sql "SELECT count(*) FROM energy WHERE kind='modelled' AND joules>0")" -ge 2 ] && ok "modelled energy stored" || bad "no modelled energy"
[ "$(sql "SELECT count(*) FROM energy WHERE kind='measured' AND joules=0")" = 0 ] && ok "no measured energy of 0 J" || bad "0 J measured"
if ! sql "SELECT available FROM sampler_status WHERE sampler='powercap'" | grep -q 1; then
    [ "$(sql "SELECT count(*) FROM energy WHERE source='powercap'")" = 0 ] && ok "no powercap rows without powercap" || bad "powercap rows invented"
fi

# A second run appends to the same database.
expect_rc 0 "second run appends" "$BIN" run quick --filter 'peak/fp32' --db "$DB" --reps 3 --min-time 1ms --warmup 0 --quiet --threads 1
[ "$(sql "SELECT count(*) FROM runs")" = 2 ] && ok "two runs" || bad "runs: $(sql 'SELECT count(*) FROM runs')"
[ "$(sql "SELECT count(*) FROM machines")" = 1 ] && ok "same machine row reused" || bad "machines duplicated"

# Refusals leave the file untouched.
cp "$DB" "$TMP/newer.db"; sqlite3 "$TMP/newer.db" "PRAGMA user_version=99"
h0=$(sha256sum < "$TMP/newer.db")
expect_rc 1 "newer database refused" "$BIN" run quick --filter peak/fp32 --db "$TMP/newer.db" --reps 3 --warmup 0
grep -q "newer than this tritbench" "$TMP/err" && ok "newer-schema message" || bad "newer msg: $(cat "$TMP/err")"
[ "$(sha256sum < "$TMP/newer.db")" = "$h0" ] && ok "newer database untouched" || bad "newer database modified"
echo "not a database" > "$TMP/text.db"; for i in $(seq 200); do echo "line $i" >> "$TMP/text.db"; done
h0=$(sha256sum < "$TMP/text.db")
expect_rc 1 "text file refused" "$BIN" run quick --filter peak/fp32 --db "$TMP/text.db" --reps 3 --warmup 0
[ "$(sha256sum < "$TMP/text.db")" = "$h0" ] && ok "text file untouched" || bad "text file modified"
[ "$(wc -l < "$TMP/err")" = 1 ] && ok "one-line error" || bad "error is $(wc -l < "$TMP/err") lines"

if [ $fail = 0 ]; then echo "e2e: all checks passed"; else echo "e2e: FAILED"; fi
exit $fail
