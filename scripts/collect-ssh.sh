#!/usr/bin/env bash
# collect-ssh.sh - run one tritbench binary on a list of hosts over plain
# ssh and merge what comes back: per host, copy the binary (through ssh,
# no scp needed), `tritbench run SUITE` there into its own database, fetch
# that file as OUTDIR/HOST.db; then `tritbench merge OUT.db OUTDIR/*.db`
# here, so `tritbench compare --machines --db OUT.db` puts the machines
# side by side.  A host that fails is reported and left out; the exit
# status is then 1 (after merging the others).
#
# usage: scripts/collect-ssh.sh [options] HOST...   (or -f HOSTFILE, one per line, # comments)
#   -s SUITE     suite to run (default: quick)
#   -b BINARY    the tritbench binary to copy (default: build/tritbench); the hosts need
#                the same architecture and its shared libraries (libsqlite3)
#   -a ARGS      extra arguments for `tritbench run` (one string, split on spaces)
#   -d OUTDIR    where the fetched databases go (default: results/fleet)
#   -o OUT.db    the merged database (default: OUTDIR/all.db)
#   -r DIR       working folder on each host, relative to its home (default: tritbench-collect)
#   -p           all hosts at once (default: one after the other)
# TB_SSH overrides the ssh command (default "ssh -o BatchMode=yes"); it is
# called as `$TB_SSH HOST COMMAND` (tests use a stand-in that runs locally).
set -u
suite=quick bin=build/tritbench args="" outdir=results/fleet out="" rdir=tritbench-collect par=0 hostfile=""
usage() { echo "usage: $0 [-s SUITE] [-b BINARY] [-a ARGS] [-d OUTDIR] [-o OUT.db] [-r DIR] [-p] [-f HOSTFILE] HOST..." >&2; exit 2; }
while getopts "s:b:a:d:o:r:f:ph" o; do
    case $o in
    s) suite=$OPTARG ;; b) bin=$OPTARG ;; a) args=$OPTARG ;; d) outdir=$OPTARG ;; o) out=$OPTARG ;;
    r) rdir=$OPTARG ;; f) hostfile=$OPTARG ;; p) par=1 ;; *) usage ;;
    esac
done
shift $((OPTIND - 1))
hosts=("$@")
if [ -n "$hostfile" ]; then
    [ -r "$hostfile" ] || { echo "collect-ssh: -f $hostfile: cannot read the host list" >&2; exit 2; }
    while read -r h _; do case $h in ''|'#'*) ;; *) hosts+=("$h") ;; esac; done < "$hostfile"
fi
[ ${#hosts[@]} -gt 0 ] || { echo "collect-ssh: no host given" >&2; usage; }
[ -x "$bin" ] || { echo "collect-ssh: -b $bin: not an executable (build first, or give -b)" >&2; exit 2; }
case $suite$rdir in *[!A-Za-z0-9._/-]*) echo "collect-ssh: -s/-r: letters, digits, . _ / - only" >&2; exit 2 ;; esac
[ -n "$out" ] || out=$outdir/all.db
read -r -a ssh <<< "${TB_SSH:-ssh -o BatchMode=yes}"
mkdir -p "$outdir" || exit 1

# collect HOST: 0 when OUTDIR/HOST.db came back; the log in OUTDIR/HOST.log
collect() {
    local h=$1 log=$outdir/$1.log db=$outdir/$1.db
    rm -f "$db"
    case $h in *[!A-Za-z0-9._@-]*) echo "collect-ssh: host '$h': unexpected characters" >&2; return 1 ;; esac
    {
        "${ssh[@]}" "$h" "mkdir -p $rdir && cat > $rdir/tritbench.new && chmod +x $rdir/tritbench.new && mv $rdir/tritbench.new $rdir/tritbench" < "$bin" &&
        "${ssh[@]}" "$h" "cd $rdir && rm -f run.db && ./tritbench run $suite --db run.db $args" &&
        "${ssh[@]}" "$h" "cat $rdir/run.db" > "$db.part" && mv "$db.part" "$db"
    } > "$log" 2>&1 < /dev/null
    local rc=$?
    if [ $rc = 0 ]; then echo "collect-ssh: $h: $db"; else
        rm -f "$db.part"; echo "collect-ssh: $h: failed (exit $rc), see $log" >&2; fi
    return $rc
}

failed=0 pids=()
for h in "${hosts[@]}"; do
    if [ $par = 1 ]; then collect "$h" & pids+=($!); else collect "$h" || failed=1; fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
dbs=()
for h in "${hosts[@]}"; do [ -f "$outdir/$h.db" ] && dbs+=("$outdir/$h.db"); done
[ ${#dbs[@]} -gt 0 ] || { echo "collect-ssh: no host returned a database" >&2; exit 1; }
"$bin" merge "$out" "${dbs[@]}" || exit 1
echo "collect-ssh: merged ${#dbs[@]} database(s) into $out (tritbench compare --machines --db $out)"
exit $failed
