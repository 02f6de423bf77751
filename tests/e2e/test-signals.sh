#!/usr/bin/env bash
# test-signals.sh - SIGINT, SIGTERM and SIGHUP during `tritbench run`, each
# at three moments: start-up (the run waits for another process's lock
# while recording itself; also one sent the moment the process starts),
# the idle baseline (an energy sampler is live: the powercap fixture tree
# through TRITBENCH_SYSFS_ROOT, its counters advanced by a helper) and
# mid-case.  Each time: exit 128 + the signal (130, 143, 129), the run
# marked 'interrupted' with a run fact naming the signal, every case
# stored before the signal kept and complete, nothing after it.  A second
# SIGINT exits at once (130) and the run it leaves 'running' is marked
# abandoned by the next open.
# usage: test-signals.sh TRITBENCH_BINARY SOURCE_DIR [BUILD_TYPE]
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
. "$SRC/tests/e2e/lib-db.sh"
TMP=$(mktemp -d /tmp/tb-sig-XXXXXX)
HOLDER= WRITER=
# Job control: background jobs get their own process group and keep
# SIGINT (a non-interactive shell's jobs otherwise start with it ignored,
# and tritbench leaves an inherited SIG_IGN alone).
set -m
cleanup() {
    [ "$BASHPID" = "$$" ] || exit 1 # a job's subshell signalled before its exec: not ours to clean
    [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
    [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }
DB=$TMP/s.db
sql() { sqlite3 "$DB" "$1"; }
TINY=(--reps 3 --min-time 1ms --warmup 0 --threads 1)
"$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' "${TINY[@]}" --quiet 2>"$TMP/err" || bad "setup run: $(cat "$TMP/err")"

declare -A num=([INT]=2 [TERM]=15 [HUP]=1)
last_run() { sql "SELECT max(id) FROM runs"; }

# check_interrupted NAME SIG RC RUN: the run exited 128+n, is interrupted with its fact
check_interrupted() {
    local name=$1 sig=$2 rc=$3 run=$4
    local want=$((128 + num[$sig]))
    [ "$rc" = "$want" ] && ok "$name: SIG$sig exits $want" || bad "$name: SIG$sig exit $rc, want $want: $(head -c 300 "$TMP/err")"
    [ "$(sql "SELECT status FROM runs WHERE id=$run")" = interrupted ] && ok "$name: run $run marked interrupted" \
        || bad "$name: run $run is '$(sql "SELECT status FROM runs WHERE id=$run")'"
    sql "SELECT reason FROM run_facts WHERE run_id=$run AND fact='interrupted'" | grep -q "SIG$sig received" \
        && ok "$name: run fact names SIG$sig" || bad "$name: no 'interrupted' fact naming SIG$sig"
    local p; p=$(db_problems "$DB")
    [ -z "$p" ] && ok "$name: database intact" || bad "$name: $p"
}

# ---- start-up: the run waits for another process's lock to record itself ----
hold_lock() { # the sqlite3 CLI holds BEGIN EXCLUSIVE until release_lock
    mkfifo "$TMP/ctl"
    sqlite3 "$DB" <"$TMP/ctl" >"$TMP/lockout" 2>&1 &
    HOLDER=$!
    exec 3>"$TMP/ctl"
    echo "BEGIN EXCLUSIVE; SELECT 'locked';" >&3
    wait_for grep -q locked "$TMP/lockout"
}
release_lock() {
    echo "COMMIT;" >&3
    exec 3>&-
    wait "$HOLDER"
    HOLDER=
    rm -f "$TMP/ctl" "$TMP/lockout"
}
for sig in INT TERM HUP; do
    before=$(last_run)
    hold_lock
    "$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' "${TINY[@]}" --quiet >/dev/null 2>"$TMP/err" &
    pid=$!
    # past opening (samplers first: PAPI and likwid can take a second to
    # initialise), waiting for the lock to add its machine, build and run
    for _ in $(seq 100); do
        ls -l /proc/"$pid"/fd 2>/dev/null | grep -q -- "$DB" && break
        sleep 0.1
    done
    sleep 0.3
    kill -"$sig" "$pid"
    sleep 0.3
    release_lock
    wait "$pid"
    rc=$?
    run=$(last_run)
    [ "$run" = $((before + 1)) ] || bad "start-up SIG$sig: no run recorded"
    check_interrupted "start-up" "$sig" "$rc" "$run"
    [ "$(sql "SELECT count(*) FROM cases WHERE run_id=$run")" = 0 ] && ok "start-up SIG$sig: no case measured" \
        || bad "start-up SIG$sig: cases measured after the signal"
done
# the very first moment: handlers may not be in place yet (the signal may
# even reach the job before its exec); either way nothing is left running
for sig in INT TERM HUP; do
    exec 4>&2 2>/dev/null # the shell's own notes on a job killed by a signal
    "$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' "${TINY[@]}" --quiet >/dev/null 2>"$TMP/err" &
    pid=$!
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    exec 2>&4 4>&-
    [ "$rc" = $((128 + num[$sig])) ] && ok "immediate SIG$sig: exit $rc" || bad "immediate SIG$sig: exit $rc"
    [ "$(sql "SELECT count(*) FROM runs WHERE status='running'")" = 0 ] && ok "immediate SIG$sig: no run left running" \
        || bad "immediate SIG$sig: a run is left running"
done

# ---- the idle baseline (an energy sampler is live) ----
cp -r "$SRC/tests/fixtures/powercap/client/sys" "$TMP/sys"
(   # advance every zone's energy_uj in place, as sysfs does (~20 W)
    v=1000000
    while :; do
        v=$((v + 400000))
        for f in "$TMP"/sys/class/powercap/*/energy_uj; do printf '%012d\n' "$v" 1<>"$f"; done
        sleep 0.02
    done
) &
WRITER=$!
for sig in INT TERM HUP; do
    TRITBENCH_SYSFS_ROOT=$TMP/sys "$BIN" run quick --db "$DB" --sampler powercap --idle 1.5s --filter 'peak/fp32*/t1' \
        "${TINY[@]}" >/dev/null 2>"$TMP/err" &
    pid=$!
    if wait_for grep -q "measuring idle power" "$TMP/err"; then
        sleep 0.3
        kill -"$sig" "$pid"
        wait "$pid"
        rc=$?
        run=$(last_run)
        check_interrupted "idle baseline" "$sig" "$rc" "$run"
        [ "$(sql "SELECT count(*) FROM cases WHERE run_id=$run")" = 0 ] && ok "idle baseline SIG$sig: no case measured" \
            || bad "idle baseline SIG$sig: cases measured after the signal"
        [ "$(sql "SELECT available FROM sampler_status WHERE run_id=$run AND sampler='powercap'")" = 1 ] \
            && ok "idle baseline SIG$sig: powercap was live" || bad "idle baseline SIG$sig: powercap not live"
    else
        bad "idle baseline: never started: $(head -c 300 "$TMP/err")"
        kill "$pid"
        wait "$pid"
    fi
done
kill "$WRITER"
wait "$WRITER" 2>/dev/null
WRITER=

# ---- mid-case: a case stored, the next being measured ----
for sig in INT TERM HUP; do
    before=$(sql "SELECT count(*) FROM cases")
    "$BIN" run quick --db "$DB" --filter 'peak/*/t1' --reps 30 --min-time 10ms --warmup 0 --threads 1 --quiet \
        >/dev/null 2>"$TMP/err" &
    pid=$!
    more_cases() { [ "$(cases_in "$DB")" -gt "$before" ]; }
    wait_for more_cases
    sleep 0.1
    kill -"$sig" "$pid"
    wait "$pid"
    rc=$?
    run=$(last_run)
    check_interrupted "mid-case" "$sig" "$rc" "$run"
    n=$(sql "SELECT count(*) FROM cases WHERE run_id=$run AND status='ok'")
    all=$(sql "SELECT count(*) FROM cases WHERE run_id=$run")
    [ "$n" -ge 1 ] && [ "$all" -lt 4 ] && ok "mid-case SIG$sig: $n complete case(s) kept, $((4 - all)) never started" \
        || bad "mid-case SIG$sig: $n ok of $all stored"
    [ "$(sql "SELECT count(*) FROM cases WHERE run_id=$run AND status NOT IN ('ok','skipped')")" = 0 ] \
        && ok "mid-case SIG$sig: the case cut short is ok (flagged) or skipped" \
        || bad "mid-case SIG$sig: $(sql "SELECT case_key, status, status_reason FROM cases WHERE run_id=$run")"
done

# ---- a second SIGINT exits at once ----
"$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' --reps 3 --min-time 2s --warmup 0 --threads 1 --quiet \
    >/dev/null 2>"$TMP/err" &
pid=$!
one_running() { [ "$(sqlite3 -readonly "$DB" "SELECT count(*) FROM runs WHERE status='running'")" = 1 ]; }
wait_for one_running
sleep 0.5
kill -INT "$pid"
sleep 0.3
t0=$(date +%s%N)
kill -INT "$pid"
wait "$pid"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$rc" = 130 ] && [ "$ms" -lt 1000 ] && ok "second SIGINT: exit 130 after $ms ms" || bad "second SIGINT: exit $rc after $ms ms"
run=$(last_run)
[ "$(sql "SELECT status FROM runs WHERE id=$run")" = running ] && ok "second SIGINT: the run is left as it was" \
    || bad "second SIGINT: run is '$(sql "SELECT status FROM runs WHERE id=$run")'"
"$BIN" run quick --db "$DB" --filter 'peak/fp32*/t1' "${TINY[@]}" --quiet >/dev/null 2>"$TMP/err"
grep -q "1 earlier run(s) marked interrupted" "$TMP/err" && ok "the next open says so" || bad "next open: $(cat "$TMP/err")"
[ "$(sql "SELECT status FROM runs WHERE id=$run")" = interrupted ] &&
    [ "$(sql "SELECT count(*) FROM run_facts WHERE run_id=$run AND fact='abandoned'")" = 1 ] \
    && ok "and marks it interrupted with an 'abandoned' fact" || bad "run $run after the next open: $(sql "SELECT status FROM runs WHERE id=$run")"

if [ $fail = 0 ]; then echo "e2e signals: all passed"; else echo "e2e signals: FAILED"; fi
exit $fail
