#!/usr/bin/env bash
# test-e2e-powercap.sh - acceptance: `tritbench run quick --sampler powercap`
# with TRITBENCH_SYSFS_ROOT pointing at a copy of the client powercap fixture
# whose energy_uj files a helper process keeps advancing (in place, fixed
# width, as sysfs files never get replaced); the energy table must hold
# measured powercap rows per repetition for package, core, uncore and psys
# (the mmio duplicate dropped), with joules > 0 (or, for a window in which the
# writer got no CPU, NULL with the flag not_updated - never 0), and
# sampler_status must say powercap is live.
# usage: test-e2e-powercap.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$1
SRC=$2
command -v sqlite3 >/dev/null || { echo "sqlite3 CLI missing (apt-get install sqlite3)"; exit 1; }
TMP=$(mktemp -d /tmp/tb-e2e-pc-XXXXXX)
WRITER=
cleanup() { [ -n "$WRITER" ] && kill "$WRITER" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

cp -r "$SRC/tests/fixtures/powercap/client/sys" "$TMP/sys"
PC=$TMP/sys/class/powercap
# An 8 J package range wraps every ~0.3-0.6 s at the writer's nominal
# 15-30 W (slower when the machine is loaded), so the three >= 700 ms
# repetitions must correct wraps between them.  The zone's
# constraint_0_max_power_uw is set to the writer's top rate, 30 W: the
# sampler takes its wrap period from it (267 ms), the guard poller reads
# every ~67 ms, and only a writer stall over 133 ms would make a window
# ambiguous.
echo 30000000 > "$PC/intel-rapl:0/constraint_0_max_power_uw"
echo 8000000 > "$PC/intel-rapl:0/max_energy_range_uj"
MAX=8000000
# zone -> uJ added every 5 ms (package 20 W, core 10 W, uncore 1 W, psys 30 W)
declare -A INC=( [intel-rapl:0]=150000 [intel-rapl:0:0]=50000 [intel-rapl:0:1]=5000 [intel-rapl:1]=150000
                 [intel-rapl-mmio:0]=100000 )
declare -A VAL RANGE
for z in "${!INC[@]}"; do RANGE[$z]=$(( $(cat "$PC/$z/max_energy_range_uj") )); done
for z in "${!INC[@]}"; do VAL[$z]=$(( $(cat "$PC/$z/energy_uj") )); done
VAL[intel-rapl:0]=$(( MAX / 2 ))
(
    while :; do
        for z in "${!INC[@]}"; do
            v=$(( VAL[$z] + INC[$z] ))
            m=${RANGE[$z]}
            (( v > m )) && v=$(( v - m - 1 ))
            VAL[$z]=$v
            printf '%012d\n' "$v" 1<>"$PC/$z/energy_uj"   # in place, no truncation
        done
        sleep 0.005
    done
) &
WRITER=$!

DB=$TMP/e2e.db
TRITBENCH_SYSFS_ROOT=$TMP/sys "$BIN" info >"$TMP/info" 2>&1
grep -Eq '^  powercap +live' "$TMP/info" && ok "info lists powercap live on the fixture" || bad "info: $(grep powercap "$TMP/info")"
# One case: the read probe at the DRAM size pinned to 64 MiB (a probe takes
# at least 20 repetitions: 20 x 700 ms, not the minutes every bw/read size
# took).
TRITBENCH_SYSFS_ROOT=$TMP/sys TRITBENCH_BW_MIB=64 "$BIN" run quick --db "$DB" --sampler powercap --reps 3 \
    --min-time 700ms --warmup 0 --idle 0.3 --threads 1 --filter 'bw/read/*/64MiB/t1' --quiet >"$TMP/out" 2>"$TMP/err"
rc=$?
[ "$rc" = 0 ] && ok "run exit 0" || bad "run exit $rc: $(head -c 400 "$TMP/err")"
[ -s "$DB" ] || { bad "no database"; exit 1; }

sql() { sqlite3 "$DB" "$1"; }
live=$(sql "SELECT available FROM sampler_status WHERE sampler='powercap'")
[ "$live" = 1 ] && ok "powercap live in sampler_status" || bad "powercap status: $(sql "SELECT * FROM sampler_status WHERE sampler='powercap'")"
n=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND kind='measured'")
[ "${n:-0}" -gt 0 ] && ok "$n measured powercap rows" || bad "no powercap rows in energy"
doms=$(sql "SELECT group_concat(d) FROM (SELECT DISTINCT domain d FROM energy WHERE source='powercap' ORDER BY d)")
[ "$doms" = "core,package,psys,uncore" ] && ok "domains $doms" || bad "domains: $doms"
per=$(sql "SELECT DISTINCT c FROM (SELECT count(*) c FROM energy WHERE source='powercap' GROUP BY case_id, rep)")
[ "$per" = 4 ] && ok "4 channels per repetition (mmio duplicate dropped)" || bad "channels per rep: $per"
npos=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND domain='package' AND joules > 0")
nall=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND domain='package'")
# a window in which the writer (a shell loop) got no CPU at all reads no
# change: that is NULL with the flag not_updated, never 0 J
nstall=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND domain='package' AND joules IS NULL AND flag LIKE '%not_updated%'")
[ "$npos" -gt 0 ] && [ $((npos + nstall)) = "$nall" ] && [ $((nstall * 5)) -le "$nall" ] \
    && ok "package joules > 0 in $npos of $nall rows (the other $nstall: writer stalled, NULL + not_updated)" \
    || bad "package joules: $(sql "SELECT rep, joules, window_ns, wraps, flag FROM energy WHERE source='powercap' AND domain='package'")"
nnull=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND (window_ns IS NULL OR window_ns <= 0)")
[ "$nnull" = 0 ] && ok "every row has a window" || bad "$nnull rows without window_ns"
# sanity of the arithmetic: package ~20 W over the window (writer timing is loose: 2..60 W)
# (a loaded machine can starve the writer for part of a window: low rows are
# tolerated up to a fifth; none may be high, as a miscounted wrap would be)
bad_w=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND domain='package' AND (joules / (window_ns * 1e-9) NOT BETWEEN 2 AND 60)")
high=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND domain='package' AND joules / (window_ns * 1e-9) > 60")
[ "$high" = 0 ] && [ $((bad_w * 5)) -le "$nall" ] && ok "package power plausible ($bad_w of $nall rows low: writer starved)" \
    || bad "implausible package power: $(sql "SELECT joules / (window_ns * 1e-9), wraps, flag FROM energy WHERE source='powercap' AND domain='package'")"
nwraps=$(sql "SELECT coalesce(sum(wraps),0) FROM energy WHERE source='powercap' AND domain='package'")
[ "$nwraps" -ge 1 ] && ok "$nwraps package wrap(s) corrected; power stays plausible across them" \
    || bad "no package wrap corrected: $(sql "SELECT rep, joules, wraps FROM energy WHERE source='powercap' AND domain='package'")"
idle=$(sql "SELECT count(*) FROM idle_baseline WHERE source='powercap' AND domain='package' AND watts BETWEEN 2 AND 60")
[ "$idle" = 1 ] && ok "idle baseline stored for package" || bad "idle baseline: $(sql 'SELECT * FROM idle_baseline')"
nnet=$(sql "SELECT count(*) FROM energy WHERE source='powercap' AND kind='measured' AND joules IS NOT NULL AND (idle_watts IS NULL OR joules_net IS NULL)")
[ "$nnet" = 0 ] && ok "every measured row has idle watts and net joules" || bad "$nnet rows without net joules"
nmod=$(sql "SELECT count(*) FROM energy WHERE kind='modelled' AND source IN ('model-45nm','model-7nm')")
[ "$nmod" -ge 2 ] && ok "modelled rows stored beside measured" || bad "modelled rows: $nmod"
exit $fail
