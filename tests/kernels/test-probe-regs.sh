#!/usr/bin/env bash
# test-probe-regs.sh - the peak probes' hot loops (bench/probes/probe-*.c,
# every tb_peak_* function in the binary) keep their accumulators in
# registers: no instruction of a loop that does the probe's arithmetic may
# have an %rsp- or %rbp-relative memory operand (a spill halves the rate the
# probe reports).  A loop is the range from a backward branch's target to
# the branch.  Usage: test-probe-regs.sh TRITBENCH_BINARY SOURCE_DIR BUILD_TYPE
# Exit 77 (skipped) without objdump, in a build that is not optimised, or
# for a binary that is not x86-64 (a cross build).
set -uo pipefail
bin=$1
type=${3:-}
case "$type" in
    Release|RelWithDebInfo) ;;
    *) echo "skip: build type '${type}' is not optimised (Release, RelWithDebInfo)"; exit 77 ;;
esac
if ! command -v objdump >/dev/null; then
    echo "skip: objdump not found"
    exit 77
fi
arch=$(objdump -f "$bin" 2>/dev/null | sed -n 's/^architecture: \([^,]*\).*/\1/p')
if [ "$arch" != "i386:x86-64" ]; then
    echo "skip: $bin is not an x86-64 binary (architecture '${arch}'); the check reads x86 operands"
    exit 77
fi
dis=$(objdump -d --no-show-raw-insn "$bin") || { echo "objdump -d $bin failed"; exit 1; }
funcs=$(printf '%s\n' "$dis" | sed -n 's/^[0-9a-f]* <\(tb_peak_[a-z0-9_]*\)>:$/\1/p' | sort -u)
if [ -z "$funcs" ]; then
    echo "no tb_peak_* function in $bin"
    exit 1
fi
fail=0
for f in $funcs; do
    out=$(printf '%s\n' "$dis" | awk -v fn="$f" '
        function hex(s,   i, v) { # POSIX awk has no strtonum
            v = 0
            for (i = 1; i <= length(s); i++)
                v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v
        }
        $0 ~ "^[0-9a-f]+ <" fn ">:$" { on = 1; next }
        on && /^$/ { on = 0 }
        on && /^ *[0-9a-f]+:/ {
            a = hex(substr($1, 1, length($1) - 1))
            sub(/^ *[0-9a-f]+:[ \t]*/, "")
            n++; addr[n] = a; ins[n] = $0
            if (match($0, /^j[a-z]+ +[0-9a-f]+ </)) {
                split($0, w, /[ \t]+/)
                t = hex(w[2])
                if (t <= a) { nl++; lo[nl] = t; hi[nl] = a }
            }
        }
        END {
            hot = 0; bad = 0
            for (l = 1; l <= nl; l++) {
                arith = 0
                for (i = 1; i <= n; i++)
                    if (addr[i] >= lo[l] && addr[i] <= hi[l] && ins[i] ~ /^(\{vex\} +)?(v?fmadd|vpdpbusd|vpmaddubsw|v?mulss|v?mulps)/)
                        arith = 1
                if (!arith)
                    continue
                hot++
                for (i = 1; i <= n; i++)
                    if (addr[i] >= lo[l] && addr[i] <= hi[l] && ins[i] ~ /\(%[re](sp|bp)/) {
                        printf "  stack access in the hot loop: %x: %s\n", addr[i], ins[i]; bad++
                    }
            }
            if (!hot) { print "  no loop with the probe arithmetic found"; bad++ }
            printf "%d\n", bad
        }')
    nbad=$(printf '%s\n' "$out" | tail -n 1)
    if [ "$nbad" != 0 ]; then
        echo "FAIL $f"
        printf '%s\n' "$out" | sed '$d'
        fail=1
    else
        echo "ok   $f"
    fi
done
exit $fail
