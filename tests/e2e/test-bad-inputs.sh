#!/usr/bin/env bash
# test-bad-inputs.sh - runs the bad-input table tests/e2e/bad-inputs.tsv
# (its header says what a row holds) against the real binary: each row's
# exit code and message fragment; a failing row prints one line of at most
# 400 bytes; nothing hangs (20 s per row); the working directory - an
# existing database, a text file, the default results/ path - is byte for
# byte the same after every row.
# usage: test-bad-inputs.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
TABLE=$SRC/tests/e2e/bad-inputs.tsv
TMP=$(mktemp -d /tmp/tb-bad-XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail=0
ok() { echo "ok   - $*"; }
bad() { echo "FAIL - $*"; fail=1; }

# The working directory every row runs in, and what must not change there.
W=$TMP/w
mkdir -p "$W"
cd "$W" || exit 1
DB=$W/existing.db
timeout 120 "$BIN" run quick --filter 'peak/fp32*/t1' --reps 3 --min-time 1ms --warmup 0 --quiet --db "$DB" \
    >/dev/null 2>"$TMP/setup.err" || { echo "setup run failed: $(cat "$TMP/setup.err")"; exit 1; }
printf 'not a database\n' > "$W/notes.txt"
snapshot() { (cd "$W" && find . -print0 | sort -z | xargs -0 -I{} sh -c 'if [ -f "{}" ]; then sha256sum "{}"; else echo "{}"; fi'); }
before=$(snapshot)

# Fixture trees with a FIFO where /sys or /proc has a file (outside $W).
FX=$TMP/fx
for t in fifo-energy fifo-name; do
    z=$FX/$t/sys/class/powercap/intel-rapl:0
    mkdir -p "$z"
    echo package-0 > "$z/name"; echo 262143328850 > "$z/max_energy_range_uj"; echo 123 > "$z/energy_uj"
done
rm "$FX/fifo-energy/sys/class/powercap/intel-rapl:0/energy_uj"
mkfifo "$FX/fifo-energy/sys/class/powercap/intel-rapl:0/energy_uj"
rm "$FX/fifo-name/sys/class/powercap/intel-rapl:0/name"
mkfifo "$FX/fifo-name/sys/class/powercap/intel-rapl:0/name"
mkdir -p "$FX/fifo-cpuinfo/proc"
mkfifo "$FX/fifo-cpuinfo/proc/cpuinfo"

OVER=$(( $(nproc) + 1 ))
LONG=$(head -c 5000 /dev/zero | tr '\0' x)
LONG3K=$(head -c 3000 /dev/zero | tr '\0' y)
export DB FX OVER LONG LONG3K

rows=0 passed=0
while IFS=$'\t' read -r want frag envs args; do
    case "$want" in ''|'#'*) continue ;; esac
    rows=$((rows + 1))
    eval "set -- $args"
    envv=()
    out=$TMP/out
    if [ "$envs" != "-" ]; then
        eval "words=($envs)"
        for w in "${words[@]}"; do
            case "$w" in STDOUT=*) out=${w#STDOUT=} ;; *) envv+=("$w") ;; esac
        done
    fi
    desc="row $rows: tritbench $(printf '%.80s' "$args")"
    env ${envv[@]+"${envv[@]}"} timeout 20 "$BIN" "$@" >"$out" 2>"$TMP/err" </dev/null
    rc=$?
    [ "$out" = "$TMP/out" ] || : > "$TMP/out"
    good=1
    if [ "$rc" = 124 ]; then
        bad "$desc: hung (killed after 20 s)"; good=0
    elif [ "$rc" != "$want" ]; then
        bad "$desc: exit $rc, want $want; stderr: $(head -c 300 "$TMP/err")"; good=0
    elif ! cat "$TMP/err" "$TMP/out" | grep -qF -- "$frag"; then
        bad "$desc: output lacks '$frag': $(head -c 300 "$TMP/err") $(head -c 200 "$TMP/out")"; good=0
    elif [ "$want" != 0 ]; then
        lines=$(wc -l < "$TMP/err"); bytes=$(wc -c < "$TMP/err")
        if [ "$lines" != 1 ] || [ "$bytes" -gt 400 ]; then
            bad "$desc: error is $lines line(s), $bytes bytes: $(head -c 300 "$TMP/err")"; good=0
        fi
    fi
    now=$(snapshot)
    if [ "$now" != "$before" ]; then
        bad "$desc: the working directory changed: $(diff <(echo "$before") <(echo "$now") | head -5)"; good=0
        before=$now
    fi
    [ $good = 1 ] && passed=$((passed + 1))
done < "$TABLE"

[ "$rows" -ge 40 ] && ok "$rows rows in the table" || bad "only $rows rows in $TABLE (at least 40)"
echo "bad-inputs: $passed of $rows rows as expected"
exit $fail
