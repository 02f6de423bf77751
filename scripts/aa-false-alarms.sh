#!/usr/bin/env bash
# aa-false-alarms.sh - how often the CI gate cries wolf: runs the gate N
# times on two identical builds (`tritbench ab --base COPY SUITE`, COPY a
# copy of the binary, so both sides are the same code at different paths)
# into one database, then prints how many runs exited 1 (false alarms: a
# "slower" that the second pass confirmed, or a case that could not be
# compared), and per case the runs, the worst (largest) and smallest
# candidate/base ratio and how many runs called it slower.
#
# usage: scripts/aa-false-alarms.sh N          (run from the repository)
# environment:
#   TB_AA_BIN    the tritbench binary (default: build/tritbench)
#   TB_AA_DIR    work folder (default: build-aa): the base copy, aa.db,
#                run-K.md (each run's table) and run-K.log (its stderr)
#   TB_AA_SUITE  suite (default: ci)
#   TB_AA_ARGS   more `tritbench ab` options, e.g. "--rounds 16"
# exit: 0 when the N runs are done (whatever they found), 2 on usage errors
# or a run that exited neither 0 nor 1 (its log is named).
set -euo pipefail
usage() { echo "usage: scripts/aa-false-alarms.sh N   (N runs, 1 to 1000)" >&2; exit 2; }
[ $# = 1 ] || usage
N=$1
if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -lt 1 ] || [ "$N" -gt 1000 ]; then
    echo "aa-false-alarms: N '$N': expected a number from 1 to 1000" >&2
    usage
fi
cd "$(git rev-parse --show-toplevel 2>/dev/null || pwd)"
BIN=$(realpath -m "${TB_AA_BIN:-build/tritbench}")
[ -x "$BIN" ] || { echo "aa-false-alarms: $BIN: not an executable (build first, or set TB_AA_BIN)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "aa-false-alarms: the sqlite3 CLI is missing (scripts/setup-deps.sh)" >&2; exit 2; }
DIR=$(realpath -m "${TB_AA_DIR:-build-aa}")
SUITE=${TB_AA_SUITE:-ci}
mkdir -p "$DIR"
COPY=$DIR/tritbench-aa-base
cp "$BIN" "$COPY"
DB=$DIR/aa.db
# the rows of this invocation: stored after this instant, by these two binaries
SINCE=$(date -u +%Y-%m-%dT%H:%M:%S)
alarms=0
for k in $(seq 1 "$N"); do
    echo "aa-false-alarms: run $k of $N ($(date -u +%H:%M:%S))" >&2
    set +e
    # shellcheck disable=SC2086  # TB_AA_ARGS is a list of options
    "$BIN" ab --base "$COPY" "$SUITE" --db "$DB" ${TB_AA_ARGS:-} >"$DIR/run-$k.md" 2>"$DIR/run-$k.log"
    rc=$?
    set -e
    case $rc in
        0) ;;
        1) alarms=$((alarms + 1)); echo "aa-false-alarms: run $k exited 1 (see $DIR/run-$k.md)" >&2 ;;
        *) echo "aa-false-alarms: run $k: tritbench ab exited $rc; the last lines of $DIR/run-$k.log:" >&2
           tail -5 "$DIR/run-$k.log" >&2; exit 2 ;;
    esac
done
echo "### A/A false alarms: $alarms of $N gate runs exited 1"
echo
echo "Two identical builds ($BIN against its copy), suite $SUITE, ${TB_AA_ARGS:-default options}; database $DB."
echo
echo "| case | runs | worst ratio | smallest ratio | slower verdicts |"
echo "|---|---:|---:|---:|---:|"
sqlite3 -separator ' | ' "$DB" "
    SELECT '| ' || case_key, count(*), printf('%.3f', max(ratio)), printf('%.3f', min(ratio)),
           sum(verdict = 'slower') || ' |'
    FROM comparisons
    WHERE kind = 'ab' AND base_source = '$COPY' AND cand_source = '$BIN' AND compared_at >= '$SINCE'
    GROUP BY case_key ORDER BY max(ratio) DESC"
