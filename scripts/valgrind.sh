#!/usr/bin/env bash
# valgrind.sh - the long mode of scripts/test.sh (TRITBENCH_TEST_LONG=1; not
# run in CI): the scalar-path tests under valgrind memcheck.  Builds
# RelWithDebInfo in build-valgrind, runs every unit, kernels and samplers
# test executable and a small `tritbench run --isa scalar` under memcheck
# with TRITBENCH_ISA=scalar (valgrind does not emulate AVX-512, and its
# CPUID hides it, so dispatch stays on paths it can run).  Any memcheck
# error or definite leak fails it.  Skipped with a message without valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v valgrind >/dev/null; then
    echo "valgrind.sh: valgrind not installed (apt-get install valgrind): long mode skipped"
    exit 0
fi
cmake -S . -B build-valgrind -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTB_WERROR=ON >/dev/null
cmake --build build-valgrind -j"$(nproc)" >/dev/null
export TRITBENCH_ISA=scalar
vg=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --track-origins=yes)
fail=0 n=0
for t in build-valgrind/tests/test-*; do
    name=$(basename "$t")
    [ -f "tests/unit/$name.c" ] || [ -f "tests/kernels/$name.c" ] || [ -f "tests/samplers/$name.c" ] || continue
    [ -x "$t" ] || continue
    n=$((n + 1))
    rc=0
    (cd build-valgrind/tests && "${vg[@]}" "./$name") >"build-valgrind/$name.vg.log" 2>&1 || rc=$?
    case $rc in
        0) echo "ok   - $name" ;;
        77) echo "skip - $name" ;;
        *) echo "FAIL - $name (exit $rc): $(grep -m3 -E '==[0-9]+== [A-Z]|CHECK failed' "build-valgrind/$name.vg.log" | tr '\n' ' ')"; fail=1 ;;
    esac
done
db=$(mktemp -u /tmp/tb-valgrind-XXXXXX.db)
rc=0
"${vg[@]}" build-valgrind/tritbench run quick --isa scalar --filter 'peak/fp32*/t1,bw/read' --threads 1 --reps 3 \
    --min-time 1ms --warmup 0 --quiet --db "$db" >build-valgrind/cli.vg.log 2>&1 || rc=$?
rm -f "$db" "$db"-*
[ $rc = 0 ] && echo "ok   - tritbench run --isa scalar" || { echo "FAIL - tritbench run (exit $rc): see build-valgrind/cli.vg.log"; fail=1; }
echo "valgrind.sh: $n test executables and one CLI run under memcheck"
exit $fail
