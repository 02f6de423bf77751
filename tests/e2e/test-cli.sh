#!/usr/bin/env bash
# test-cli.sh - end-to-end: the real tritbench binary on a temporary
# database; rows checked with SQL; bad input gives one-line errors, the
# documented exit codes, and leaves databases untouched.
# usage: test-cli.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
TMP=$(mktemp -d /tmp/tb-e2e-XXXXXX)
cd "$TMP" || exit 1  # a default --db (results/tritbench.db) lands here, not in the tree
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

names() { # names DESC STRING...: stderr is one line containing every STRING
    local desc=$1; shift
    local lines; lines=$(wc -l < "$TMP/err")
    [ "$lines" = 1 ] || { bad "$desc: error is $lines lines: $(cat "$TMP/err")"; return; }
    for w in "$@"; do grep -qF -- "$w" "$TMP/err" || { bad "$desc: error does not name '$w': $(cat "$TMP/err")"; return; }; done
    ok "$desc: one line naming the input"
}
usage_err() { # usage_err DESC CMD... :: NAMED...: exit 2, one line naming each NAMED.
    # Under a timeout: a usage error that slipped through must not measure a suite.
    local desc=$1; shift
    local args=()
    while [ $# -gt 0 ] && [ "$1" != "::" ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    expect_rc 2 "$desc" timeout 20 "$BIN" "${args[@]}"
    names "$desc" "$@"
}

expect_rc 0 "--help" "$BIN" --help
# One version, from CMakeLists.txt's project(), everywhere.
want_version=$(sed -n 's/^project(tritbench VERSION \([0-9.]*\).*/\1/p' "$SRC/CMakeLists.txt")
expect_rc 0 "--version" "$BIN" --version
[ -n "$want_version" ] && [ "$(cat "$TMP/out")" = "tritbench $want_version" ] && ok "--version is the project version ($want_version)" \
    || bad "--version says '$(cat "$TMP/out")', CMakeLists.txt says '$want_version'"
expect_rc 2 "unknown command" "$BIN" frobnicate
grep -q "unknown command 'frobnicate'" "$TMP/err" && ok "error names the command" || bad "error text: $(cat "$TMP/err")"
for c in info list run report compare merge history; do expect_rc 0 "$c --help" "$BIN" $c --help; done
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

# Every command's option table: --help lists each option, the parser knows
# each option --help lists, unknown options and bad values are usage errors.
declare -A opts=(
    [info]="--json -h --help"
    [list]="-h --help"
    [run]="--db --threads --reps --min-time --warmup --filter --sampler --samplers --events --idle --isa --cache --no-pin -q --quiet -h --help"
    [report]="--db --run --format --out --by --paper --plots -h --help"
    [compare]="--db --db2 --threshold --alpha --filter --cross-machine --json --no-store -h --help"
    [merge]="-h --help"
    [history]="--db --machine --threshold --json -h --help"
)
for c in info list run report compare merge history; do
    "$BIN" $c --help > "$TMP/help" 2>&1
    for o in ${opts[$c]}; do
        grep -qE -- "(^|[ ,])$o([ ,]|\$)" "$TMP/help" && ok "$c --help lists $o" || bad "$c --help does not list $o"
    done
    # each option the help shows: the parser knows it.  Given alone, an option
    # with a value stops at "missing VALUE", a flag at a missing positional
    # (no command here measures anything).
    for o in $(grep -oE -- "(^|[ ,])--?[a-z][a-z-]*" "$TMP/help" | tr -d ' ,' | sort -u); do
        timeout 20 "$BIN" $c "$o" >/dev/null 2>"$TMP/err" </dev/null
        grep -q "unknown option" "$TMP/err" && bad "$c $o: listed by --help, unknown to the parser" || ok "$c $o: parsed"
    done
    usage_err "$c unknown option" $c --frobnicate :: "--frobnicate" "$c"
    usage_err "$c unknown short option" $c -Z :: "-Z"
done
usage_err "ambiguous abbreviation" run quick --i avx2 :: "--i" ambiguous
usage_err "flag given a value" run quick --quiet=yes :: "--quiet=yes"
usage_err "info positional" info extra :: extra
usage_err "list extra argument" list suites models :: models
expect_rc 0 "list suites --help" "$BIN" list suites --help
# a variant with its own layout of its format's bits says so (tl_avx2, on x86 builds)
"$BIN" list backends >"$TMP/out" 2>&1
if grep -q "^  tl_avx2 " "$TMP/out"; then
    grep "^  tl_avx2 " "$TMP/out" | grep -q "own layout" && ok "list backends marks tl_avx2's own layout" \
        || bad "tl_avx2 without its own-layout note: $(grep '^  tl_avx2 ' "$TMP/out")"
    [ "$(grep -c "own layout" "$TMP/out")" = 1 ] && ok "only tl_avx2 has an own layout" || bad "own layout on others"
fi
usage_err "run two suites" run quick probes :: probes
usage_err "run positional after --" run quick -- --weird :: "--weird"
for o in db threads reps min-time warmup filter sampler events idle isa cache; do
    usage_err "run --$o without value" run quick --$o :: "--$o" missing
done
usage_err "--threads 257" run quick --threads 257 :: --threads 257
usage_err "--threads x" run quick --threads x :: --threads x
usage_err "--reps 0" run quick --reps 0 :: --reps 0
usage_err "--reps=1001" run quick --reps=1001 :: --reps 1001
usage_err "--min-time 0" run quick --min-time 0 :: --min-time 0
usage_err "--min-time 61s" run quick --min-time 61s :: --min-time 61s
usage_err "--warmup -1" run quick --warmup -1 :: --warmup -1
usage_err "--warmup 1h" run quick --warmup 1h :: --warmup 1h
usage_err "--idle 601" run quick --idle 601 :: --idle 601
usage_err "--idle x" run quick --idle x :: --idle x
usage_err "--isa sse9" run quick --isa sse9 :: --isa sse9
usage_err "--cache warm" run quick --cache warm :: --cache warm
usage_err "--cache ''" run quick --cache '' :: --cache
usage_err "--cache HOT" run quick --cache HOT :: --cache HOT
usage_err "--sampler warp-drive" run quick --sampler warp-drive --db "$TMP/none.db" :: --sampler warp-drive
[ ! -e "$TMP/none.db" ] && ok "no database created for an unknown sampler" || bad "database created for an unknown sampler"
# Databases that vanish with the process are refused before anything runs.
for d in "" ":memory:" "file::memory:" "file:x.db?mode=memory" "FILE:x.db" "file:x.db"; do
    (cd "$TMP" && "$BIN" run quick --db "$d" --filter peak/fp32 --reps 3 --warmup 0 >"$TMP/out" 2>"$TMP/err"); rc=$?
    [ $rc = 2 ] && ok "--db '$d' refused (exit 2)" || bad "--db '$d': exit $rc, want 2"
    names "--db '$d'" --db "'$d'"
done
[ -z "$(ls "$TMP" | grep -v -e '^out$' -e '^err$' -e '^help$')" ] && ok "refused --db values left no file" || bad "files left: $(ls "$TMP")"
usage_err "report --db :memory:" report --db :memory: :: --db :memory:
usage_err "report --run 0" report --run 0 :: --run 0
usage_err "report --run x" report --run x :: --run x
usage_err "report --format pdf" report --format pdf :: --format pdf
usage_err "report --plots without value" report --plots :: --plots missing
usage_err "report positional" report extra :: extra
usage_err "compare --threshold x" compare a b --threshold x :: --threshold x
usage_err "compare --threshold 1001" compare a b --threshold 1001 :: --threshold 1001
usage_err "compare --db ''" compare a b --db '' :: --db
usage_err "compare one run" compare a :: "BASE CAND"
usage_err "merge one database" merge out.db :: merge OUT.db
expect_rc 1 "report without a database" "$BIN" report --db "$TMP/none.db"
grep -q "no such database" "$TMP/err" && ok "report names the missing database" || bad "report text: $(cat "$TMP/err")"
usage_err "report --by host" report --by host :: --by host
expect_rc 2 "compare without a database" "$BIN" compare a b --db "$TMP/absent.db"
expect_rc 2 "merge a missing input" "$BIN" merge "$TMP/m.db" "$TMP/absent.db"
usage_err "history without a key" history :: KEY

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
expect_rc 0 "run quick (peak + bw read)" "$BIN" run quick --filter 'peak/,bw/read' --db "$DB" --reps 6 --min-time 2ms --warmup 0 --threads 2 --cache both
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
[ "$(sql "SELECT json_extract(options_json,'$.cache') FROM runs")" = both ] && ok "--cache both stored in the run options" || bad "options: $(sql 'SELECT options_json FROM runs')"
[ "$(sql "SELECT json_valid(options_json) AND json_valid(env_json) AND json_valid(host_state_start) AND json_valid(host_state_end) FROM runs")" = 1 ] \
    && ok "run JSON columns are valid JSON" || bad "invalid JSON in runs"
[ "$(sql "SELECT count(*) FROM machines WHERE json_valid(raw_json)")" = 1 ] && ok "machine JSON valid" || bad "machine raw_json invalid"
[ "$(sql "SELECT tool_version FROM builds")" = "$want_version" ] && ok "builds.tool_version is the project version" || bad "tool_version $(sql 'SELECT tool_version FROM builds')"
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
expect_rc 0 "second run appends" "$BIN" run quick --filter='peak/fp32' --db "$DB" --reps=3 --min-time 1ms --warmup 0 -q --threads 1
[ "$(sql "SELECT json_type(options_json,'$.cache') FROM runs WHERE id=2")" = null ] && ok "no --cache: stored as null (suite default)" || bad "options: $(sql 'SELECT options_json FROM runs WHERE id=2')"
[ "$(sql "SELECT json_extract(options_json,'$.reps') FROM runs WHERE id=2")" = 3 ] && ok "--reps=3 form parsed" || bad "reps=3"
[ ! -s "$TMP/out" ] && ok "-q prints no summary" || bad "-q printed: $(cat "$TMP/out")"
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

# Inputs that used to be changed or ignored silently (issue 13; the table
# of refusals is tests/e2e/bad-inputs.tsv).
tiny=(--reps 3 --min-time 1ms --warmup 0 -q)
# a long --filter is not cut: its valid second pattern still selects a case
long=$(head -c 3000 /dev/zero | tr '\0' z)
expect_rc 0 "3000-byte --filter with a valid second pattern" "$BIN" run quick --filter "$long,peak/fp32*/t1" \
    --db "$TMP/long.db" --threads 1 "${tiny[@]}"
[ "$(sqlite3 "$TMP/long.db" "SELECT count(*) FROM cases WHERE case_key LIKE 'peak/fp32%/t1'")" -ge 1 ] \
    && ok "the second pattern selected its case" || bad "long filter: $(sqlite3 "$TMP/long.db" 'SELECT case_key FROM cases')"
# a summary that cannot be written is a failure, not a silent exit 0
"$BIN" run quick --filter 'peak/fp32*/t1' --db "$TMP/full.db" --threads 1 --reps 3 --min-time 1ms --warmup 0 \
    >/dev/full 2>"$TMP/err"; rc=$?
[ "$rc" = 1 ] && grep -q "run: cannot write the output to stdout" "$TMP/err" && ok "run summary to /dev/full: exit 1, one line" \
    || bad "run > /dev/full: exit $rc: $(cat "$TMP/err")"
# --no-pin is recorded; the pool test (unit/test-pool-pin) checks the threads
expect_rc 0 "--no-pin" "$BIN" run quick --filter 'peak/fp32*/t1' --db "$TMP/nopin.db" --threads 1 --no-pin "${tiny[@]}"
[ "$(sqlite3 "$TMP/nopin.db" "SELECT count(*) FROM run_facts WHERE fact='unpinned' AND reason LIKE '%--no-pin%'")" = 1 ] \
    && ok "--no-pin stored as the run fact unpinned" || bad "run facts: $(sqlite3 "$TMP/nopin.db" 'SELECT * FROM run_facts')"
[ "$(sqlite3 "$TMP/nopin.db" "SELECT json_extract(options_json,'$.pin') FROM runs")" = 0 ] && ok "options record pin=false" \
    || bad "options: $(sqlite3 "$TMP/nopin.db" 'SELECT options_json FROM runs')"
# more threads than CPUs: refused (bad-inputs.tsv); with --oversubscribe every case says so
over=$(( $(nproc) + 1 ))
expect_rc 0 "--threads $over --oversubscribe" "$BIN" run quick --filter 'peak/fp32*' --db "$TMP/over.db" \
    --threads "$over" --oversubscribe "${tiny[@]}"
n=$(sqlite3 "$TMP/over.db" "SELECT count(*) FROM cases")
[ "${n:-0}" -ge 2 ] && [ "$(sqlite3 "$TMP/over.db" "SELECT count(*) FROM cases WHERE ','||flags||',' NOT LIKE '%,oversubscribed,%'")" = 0 ] \
    && ok "every one of $n cases flagged oversubscribed" || bad "flags: $(sqlite3 "$TMP/over.db" 'SELECT case_key, flags FROM cases')"
sqlite3 "$TMP/over.db" "SELECT flags_reason FROM cases LIMIT 1" | grep -q "threads on $((over - 1)) CPUs" \
    && ok "the reason names threads and CPUs" || bad "reason: $(sqlite3 "$TMP/over.db" 'SELECT flags_reason FROM cases LIMIT 1')"
# --events: an unknown item next to a known one is warned about and skipped
if "$BIN" info | grep -Eq '^  perf +live'; then
    expect_rc 0 "--events task-clock,bogus-event" "$BIN" run quick --filter 'peak/fp32*/t1' --db "$TMP/ev.db" \
        --threads 1 --sampler perf --events task-clock,bogus-event "${tiny[@]}"
    grep -q "warning: --events: bogus-event: unknown" "$TMP/err" && ok "unknown event warned about" || bad "no warning: $(cat "$TMP/err")"
    sqlite3 "$TMP/ev.db" "SELECT reason FROM sampler_status WHERE sampler='perf' AND available=1" | grep -q "bogus-event" \
        && ok "perf's status names the skipped event" || bad "perf status: $(sqlite3 "$TMP/ev.db" "SELECT * FROM sampler_status WHERE sampler='perf'")"
    [ "$(sqlite3 "$TMP/ev.db" "SELECT group_concat(DISTINCT event) FROM counters")" = task-clock ] && ok "task-clock counted" \
        || bad "counters: $(sqlite3 "$TMP/ev.db" 'SELECT DISTINCT event FROM counters')"
else
    ok "perf not live here: partial --events check skipped"
fi
# memory: a need above the machine's memory is does_not_fit, decided before
# any allocation (a fixture meminfo of 32 MiB); a failed allocation is not
mkdir -p "$TMP/proc32"; cp /proc/cpuinfo /proc/stat "$TMP/proc32/"
printf 'MemTotal:          32768 kB\nMemAvailable:      16384 kB\n' > "$TMP/proc32/meminfo"
TRITBENCH_PROC_ROOT=$TMP/proc32 TRITBENCH_BW_MIB=64 expect_rc 0 "a case larger than the machine" \
    "$BIN" run quick --filter 'bw/read*/64MiB/t1' --db "$TMP/mem.db" --threads 1 "${tiny[@]}"
sqlite3 "$TMP/mem.db" "SELECT status, status_reason FROM cases" | grep -q "does_not_fit|setup: needs 64 MiB.*more than this machine's 32 MiB" \
    && ok "does_not_fit names needed and available bytes" || bad "cases: $(sqlite3 "$TMP/mem.db" 'SELECT status, status_reason FROM cases')"
if [ "${3:-}" != Sanitize ]; then  # ASan reserves terabytes of address space: no ulimit -v there
    (ulimit -v 700000; TRITBENCH_BW_MIB=1024 exec "$BIN" run quick --filter 'bw/read*/1024MiB/t1' --db "$TMP/ulimit.db" \
        --threads 1 "${tiny[@]}") >"$TMP/out" 2>"$TMP/err"
    st=$(sqlite3 "$TMP/ulimit.db" "SELECT status||'|'||status_reason FROM cases LIMIT 1" 2>/dev/null)
    # error once runner.c maps setup's -ENOMEM to error; does_not_fit before that
    case "$st" in
        error\|*cannot\ allocate*|does_not_fit\|*cannot\ allocate*) ok "allocation failure under ulimit -v: $st" ;;
        *) bad "allocation failure under ulimit -v: '$st' $(head -c 200 "$TMP/err")" ;;
    esac
fi

if [ $fail = 0 ]; then echo "e2e: all checks passed"; else echo "e2e: FAILED"; fi
exit $fail
