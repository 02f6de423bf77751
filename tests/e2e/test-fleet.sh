#!/usr/bin/env bash
# test-fleet.sh - end-to-end: a fleet on this machine.  scripts/collect-ssh.sh
# with a stand-in ssh (TB_SSH: runs the command locally in a folder per
# host; host fixture-host gets the tests/fixtures/machine/client roots, so
# it has another fingerprint; host down fails like an unreachable one),
# then `compare --machines` on the merged file: one column per machine,
# ratios to --ref, "-" for a case one machine never measured, JSON, usage
# errors.  scripts/collect-slurm.sh with stand-in sbatch/scontrol: the
# held array, one feature per task, the release, the dependent merge.
# usage: test-fleet.sh TRITBENCH_BINARY SOURCE_DIR
set -u
BIN=$(realpath "$1")
SRC=$(realpath "${2:-$(dirname "$0")/../..}")
TMP=$(mktemp -d /tmp/tb-fleet-XXXXXX)
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
FX=$SRC/tests/fixtures/machine/client
RUNARGS="--filter peak/fp32*/t1 --reps 6 --min-time 1ms --warmup 0 --samplers none --idle 0 --quiet"

cat > "$TMP/fake-ssh" <<EOS
#!/usr/bin/env bash
# fake-ssh HOST COMMAND: COMMAND run here, in a home folder per host
h=\$1; shift
[ "\$h" = down ] && { echo "ssh: connect to host down port 22: Connection refused" >&2; exit 255; }
mkdir -p "$TMP/hosts/\$h" && cd "$TMP/hosts/\$h" || exit 255
[ "\$h" = fixture-host ] && export TRITBENCH_PROC_ROOT=$FX/proc TRITBENCH_SYSFS_ROOT=$FX/sys
exec bash -c "\$*"
EOS
chmod +x "$TMP/fake-ssh"
printf '# the fleet\nlocalhost\n\nfixture-host\n' > "$TMP/hosts.txt"
TB_SSH="$TMP/fake-ssh" timeout 300 bash "$SRC/scripts/collect-ssh.sh" -b "$BIN" -s quick -a "$RUNARGS" -d "$TMP/fleet" \
    -f "$TMP/hosts.txt" >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && ok "collect-ssh over two hosts (exit 0)" || bad "collect-ssh: exit $rc: $(cat "$TMP/err") $(cat "$TMP/fleet"/*.log 2>/dev/null | head -c 600)"
ALL=$TMP/fleet/all.db
[ -x "$TMP/hosts/localhost/tritbench-collect/tritbench" ] && cmp -s "$BIN" "$TMP/hosts/localhost/tritbench-collect/tritbench" \
    && ok "the binary was copied" || bad "binary not copied"
[ -f "$TMP/fleet/localhost.db" ] && [ -f "$TMP/fleet/fixture-host.db" ] && ok "one database per host fetched" || bad "fetched: $(ls "$TMP/fleet")"
[ "$(sqlite3 "$ALL" "SELECT count(*) FROM machines")" = 2 ] && ok "merged: two machines" \
    || bad "machines in all.db: $(sqlite3 "$ALL" "SELECT count(*) FROM machines" 2>&1)"
[ "$(sqlite3 "$ALL" "SELECT count(*) FROM runs")" = 2 ] && ok "merged: two runs" || bad "runs in all.db"

# an unreachable host: reported, the others still merged, exit 1
TB_SSH="$TMP/fake-ssh" timeout 300 bash "$SRC/scripts/collect-ssh.sh" -b "$BIN" -a "$RUNARGS" -d "$TMP/fleet2" localhost down \
    >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 1 ] && ok "a host down: exit 1" || bad "host down: exit $rc"
grep -q "down: failed" "$TMP/err" && ok "says which host failed" || bad "failure message: $(cat "$TMP/err")"
[ "$(sqlite3 "$TMP/fleet2/all.db" "SELECT count(*) FROM runs")" = 1 ] && ok "the reachable host still merged" || bad "fleet2 runs"
expect_rc 2 "collect-ssh without hosts" bash "$SRC/scripts/collect-ssh.sh" -b "$BIN"
expect_rc 2 "collect-ssh with a missing binary" bash "$SRC/scripts/collect-ssh.sh" -b "$TMP/nope" localhost

# a case only the fixture host measured: "-" in the local column
TRITBENCH_PROC_ROOT=$FX/proc TRITBENCH_SYSFS_ROOT=$FX/sys "$BIN" run quick --filter 'peak/int8*/t1' --reps 6 \
    --min-time 1ms --warmup 0 --samplers none --idle 0 --quiet --db "$TMP/extra.db" >/dev/null 2>"$TMP/err" \
    || bad "extra run: $(cat "$TMP/err")"
"$BIN" merge "$ALL" "$TMP/extra.db" >/dev/null 2>"$TMP/err" || bad "merge extra: $(cat "$TMP/err")"
nkeys=$(sqlite3 "$ALL" "SELECT count(DISTINCT case_key) FROM cases WHERE status='ok'")
nboth=$(sqlite3 "$ALL" "SELECT count(*) FROM (SELECT case_key FROM cases c JOIN runs r ON r.id=c.run_id WHERE c.status='ok'
                        GROUP BY case_key HAVING count(DISTINCT r.machine_id)=2)")
fpl=$(sqlite3 "$ALL" "SELECT fingerprint FROM machines WHERE hostname<>'fixture-host'")
fpf=$(sqlite3 "$ALL" "SELECT fingerprint FROM machines WHERE hostname='fixture-host'")

expect_rc 0 "compare --machines" "$BIN" compare --machines --db "$ALL"
grep -q "^| case | .*(${fpl:0:12}) | 13th Gen Intel(R) Core(TM) i7-13700H (${fpf:0:12}) | ratio ${fpf:0:12} |\$" "$TMP/out" \
    && ok "header: a column per machine labelled by CPU model, then the ratio" || bad "header: $(cat "$TMP/out")"
[ "$(grep -c '^| peak/' "$TMP/out")" = "$nkeys" ] && ok "one row per case key ($nkeys)" || bad "rows: $(cat "$TMP/out")"
[ "$(grep -c '^| peak/int8.* | - | .* | - |$' "$TMP/out")" -ge 1 ] && ok "not measured: '-' (cell and ratio)" \
    || bad "no '-' row: $(cat "$TMP/out")"
grep -q "Reference: .*(${fpl:0:12}" "$TMP/out" && ok "default reference: the first machine" || bad "reference line"
# the ratio is the stored medians' quotient
key=$(sqlite3 "$ALL" "SELECT case_key FROM cases c JOIN runs r ON r.id=c.run_id GROUP BY case_key HAVING count(DISTINCT r.machine_id)=2 LIMIT 1")
want=$(sqlite3 "$ALL" "SELECT printf('%.3f', (SELECT st.median FROM stats st JOIN cases c ON c.id=st.case_id JOIN runs r ON r.id=c.run_id
  JOIN machines m ON m.id=r.machine_id WHERE c.case_key='$key' AND m.fingerprint='$fpf' AND st.metric='ns_per_iter') /
  (SELECT st.median FROM stats st JOIN cases c ON c.id=st.case_id JOIN runs r ON r.id=c.run_id JOIN machines m ON m.id=r.machine_id
  WHERE c.case_key='$key' AND m.fingerprint='$fpl' AND st.metric='ns_per_iter'))")
grep -q "^| $key | .* | $want |\$" "$TMP/out" && ok "ratio = fixture/reference median ($want)" || bad "ratio $want for $key: $(cat "$TMP/out")"
expect_rc 0 "--ref by host name, JSON" "$BIN" compare --machines --db "$ALL" --ref fixture --json
python3 - "$TMP/out" "$fpf" "$fpl" "$nkeys" "$nboth" <<'EOP' && ok "JSON: reference, null where not measured, ratios" || bad "JSON: $(head -c 400 "$TMP/out")"
import json, sys
d = json.load(open(sys.argv[1])); fpf, fpl, nkeys, nboth = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
assert d["reference"] == fpf and len(d["machines"]) == 2 and len(d["cases"]) == nkeys
assert all(c["ratio"][fpf] == 1 for c in d["cases"])
assert sum(c["median_ns"][fpl] is None for c in d["cases"]) == nkeys - nboth >= 1
for c in d["cases"]:
    if c["median_ns"][fpl] is not None:
        assert abs(c["ratio"][fpl] - c["median_ns"][fpl] / c["median_ns"][fpf]) < 1e-9
EOP
expect_rc 0 "--ref by fingerprint prefix, --filter" "$BIN" compare --machines --db "$ALL" --ref "${fpf:0:6}" --filter 'peak/fp32*'
[ "$(grep -c '^| peak/' "$TMP/out")" = "$nboth" ] && ! grep -q '^| peak/int8' "$TMP/out" && ok "--filter keeps the fp32 rows" \
    || bad "filter rows: $(cat "$TMP/out")"
grep -q "ratio ${fpl:0:12} |\$" "$TMP/out" && ok "ratio column of the other machine" || bad "ratio column"
expect_rc 2 "--ref matching nothing" "$BIN" compare --machines --db "$ALL" --ref zzz
grep -q "ref zzz: no machine" "$TMP/err" && ok "says so" || bad "ref message: $(cat "$TMP/err")"
expect_rc 2 "--machines with BASE CAND" "$BIN" compare --machines 1 2 --db "$ALL"
expect_rc 2 "--ref without --machines" "$BIN" compare 1 2 --ref x --db "$ALL"
expect_rc 2 "--machines with --db2" "$BIN" compare --machines --db "$ALL" --db2 "$ALL"
expect_rc 2 "--machines, no database" "$BIN" compare --machines --db "$TMP/none.db"
expect_rc 1 "--filter matching nothing" "$BIN" compare --machines --db "$ALL" --filter 'zzz*'

# collect-slurm.sh with stand-ins that log their arguments
cat > "$TMP/fake-sbatch" <<EOS
#!/usr/bin/env bash
n=\$(( \$(cat "$TMP/sb.n" 2>/dev/null || echo 100) + 1 )); echo \$n > "$TMP/sb.n"
echo "sbatch \$*" >> "$TMP/slurm.log"; echo "\$n;cluster"
EOS
printf '#!/usr/bin/env bash\necho "scontrol $*" >> "%s/slurm.log"\n' "$TMP" > "$TMP/fake-scontrol"
chmod +x "$TMP/fake-sbatch" "$TMP/fake-scontrol"
TB_SBATCH="$TMP/fake-sbatch" TB_SCONTROL="$TMP/fake-scontrol" bash "$SRC/scripts/collect-slurm.sh" -b "$BIN" -d "$TMP/slurm" \
    -s ci spr zen4 >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc = 0 ] && ok "collect-slurm submits (exit 0)" || bad "collect-slurm: exit $rc: $(cat "$TMP/err")"
L=$TMP/slurm.log
grep -q -- "--hold .*--array=0-1 .*run ci .*--db \"$TMP/slurm/\$(hostname).db\"" "$L" && ok "held array of 2 tasks, one db per host" \
    || bad "array: $(cat "$L")"
grep -q "scontrol update JobId=101_0 Features=spr" "$L" && grep -q "scontrol update JobId=101_1 Features=zen4" "$L" \
    && grep -q "scontrol release 101" "$L" && ok "a feature per task, then released" || bad "scontrol: $(cat "$L")"
grep -q -- "--dependency=afterany:101 .*merge \"$TMP/slurm/all.db\"" "$L" && ok "merge job after the array" || bad "merge job: $(cat "$L")"
expect_rc 2 "collect-slurm without node types" bash "$SRC/scripts/collect-slurm.sh" -b "$BIN"
expect_rc 2 "collect-slurm with a bad feature" bash "$SRC/scripts/collect-slurm.sh" -b "$BIN" 'a;b'
exit $fail
