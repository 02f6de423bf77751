#!/usr/bin/env bash
# collect-slurm.sh - run one tritbench binary on every node type of a SLURM
# cluster and merge the results.  A job array with one task per node type:
# submitted held, each task given its node type's feature (array tasks share
# their sbatch options, so `scontrol update JobId=ARRAY_i Features=F` sets
# it per task), then released; task i runs `tritbench run SUITE` on a node
# of type i into RESULTS/HOST.db.  Then one merge job, dependent on the
# whole array (afterany: a failed node type leaves the others), runs
# `tritbench merge RESULTS/all.db RESULTS/*.db`.  Run it from a folder on a
# file system the nodes share.  Then: tritbench compare --machines --db RESULTS/all.db
#
# usage: scripts/collect-slurm.sh [-s SUITE] [-b BINARY] [-d RESULTS] [-p PARTITION] [-t TIME] FEATURE...
#   FEATURE      one node feature per node type (sinfo -o '%f' lists them), e.g. sapphirerapids zen4 grace
#   -s SUITE     suite to run (default: quick); -a ARGS: extra `tritbench run` arguments
#   -b BINARY    the binary every node runs (default: build/tritbench; same architecture on every type,
#                or build one per architecture and run this once per architecture)
#   -d RESULTS   folder for the databases (default: results)
#   -p PARTITION partition to submit to (default: the cluster's default)
#   -t TIME      time limit of each task (default: 01:00:00)
# TB_SBATCH / TB_SCONTROL override the sbatch / scontrol commands (tests use stand-ins).
set -u
suite=quick bin=build/tritbench results=results part="" tlim=01:00:00 args=""
usage() { echo "usage: $0 [-s SUITE] [-a ARGS] [-b BINARY] [-d RESULTS] [-p PARTITION] [-t TIME] FEATURE..." >&2; exit 2; }
while getopts "s:a:b:d:p:t:h" o; do
    case $o in
    s) suite=$OPTARG ;; a) args=$OPTARG ;; b) bin=$OPTARG ;; d) results=$OPTARG ;; p) part=$OPTARG ;;
    t) tlim=$OPTARG ;; *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "collect-slurm: no node feature given (one per node type)" >&2; usage; }
[ -x "$bin" ] || { echo "collect-slurm: -b $bin: not an executable (build first, or give -b)" >&2; exit 2; }
for f in "$@" "$suite"; do
    case $f in *[!A-Za-z0-9._-]*|'') echo "collect-slurm: '$f': letters, digits, . _ - only" >&2; exit 2 ;; esac
done
read -r -a sbatch <<< "${TB_SBATCH:-sbatch}"
read -r -a scontrol <<< "${TB_SCONTROL:-scontrol}"
bin=$(realpath "$bin") && mkdir -p "$results" && results=$(realpath "$results") || exit 1
popt=(); [ -n "$part" ] && popt=(--partition="$part")
n=$#
task="\"$bin\" run $suite $args --db \"$results/\$(hostname).db\""
jid=$("${sbatch[@]}" --parsable --hold --job-name=tritbench-collect --array=0-$((n - 1)) --nodes=1 --exclusive \
      --time="$tlim" "${popt[@]}" --output="$results/slurm-%A_%a.log" --wrap="$task") \
    || { echo "collect-slurm: sbatch refused the array" >&2; exit 1; }
jid=${jid%%;*}
i=0
for f in "$@"; do
    "${scontrol[@]}" update JobId="${jid}_$i" Features="$f" \
        || { echo "collect-slurm: cannot set feature $f on task ${jid}_$i (array held: scancel $jid)" >&2; exit 1; }
    i=$((i + 1))
done
"${scontrol[@]}" release "$jid" || { echo "collect-slurm: cannot release array $jid (scancel $jid)" >&2; exit 1; }
mid=$("${sbatch[@]}" --parsable --job-name=tritbench-merge --dependency=afterany:"$jid" --ntasks=1 --time=00:20:00 \
      "${popt[@]}" --output="$results/slurm-merge-%j.log" \
      --wrap="\"$bin\" merge \"$results/all.db\" \$(ls \"$results\"/*.db | grep -v '/all.db\$')") \
    || { echo "collect-slurm: sbatch refused the merge job (array $jid is queued: scancel $jid)" >&2; exit 1; }
echo "collect-slurm: array $jid ($n node type(s): $*), merge job ${mid%%;*} -> $results/all.db"
