#!/usr/bin/env bash
# fuzz.sh - build the libFuzzer targets (tests/fuzz: one per parser of
# outside input) with clang in build-fuzz (build type Fuzz: coverage + ASan
# + UBSan) and run each for a bounded time, starting from its seed corpus
# tests/fuzz/corpus/<target>/ (new inputs go to build-fuzz/corpus-work, not
# into the tree).  Prints executions per target; a crash fails the script
# and leaves its input in build-fuzz/artifacts/ - fix the bug, then copy the
# input into the target's corpus folder, where ctest replays it.
# Skipped with a message (exit 0) where clang or libFuzzer
# (libclang-rt-14-dev) is missing.
# usage: fuzz.sh [TOTAL_SECONDS]   (default 60, shared by the targets)
set -euo pipefail
cd "$(dirname "$0")/.."
total=${1:-60}
cc=${TB_FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
    echo "fuzz.sh: $cc not found (apt-get install clang libclang-rt-14-dev): fuzzing skipped"
    exit 0
fi
mkdir -p build-fuzz
probe=build-fuzz/fuzz-probe
if ! printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return 0; }\n' |
    "$cc" -fsanitize=fuzzer,address,undefined -x c - -o "$probe" 2>/dev/null; then
    echo "fuzz.sh: $cc cannot link -fsanitize=fuzzer (libFuzzer missing: apt-get install libclang-rt-14-dev): fuzzing skipped"
    exit 0
fi
CC=$cc cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Fuzz -DTB_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz-targets
targets=()
for src in tests/fuzz/fuzz-*.c; do
    t=$(basename "$src" .c)
    targets+=("${t#fuzz-}")
done
per=$(( total / ${#targets[@]} ))
[ "$per" -ge 2 ] || per=2
rm -rf build-fuzz/corpus-work build-fuzz/artifacts
mkdir -p build-fuzz/artifacts
fail=0
printf '%-22s %12s %8s  %s\n' target executions seconds result
for t in "${targets[@]}"; do
    work=build-fuzz/corpus-work/$t
    mkdir -p "$work"
    log=build-fuzz/fuzz-$t.log
    # -close_fd_mask=2: the targets' own one-line errors (fuzz-opts) are
    # dropped; libFuzzer and the sanitizers still report on a duplicate
    rc=0
    "build-fuzz/tests/fuzz-$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 \
        -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts/$t-" "$work" "tests/fuzz/corpus/$t" \
        >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
    secs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
    if [ "$rc" = 0 ]; then
        printf '%-22s %12s %8s  %s\n' "$t" "${runs:-?}" "${secs:-?}" ok
    else
        fail=1
        art=$(ls build-fuzz/artifacts/"$t"-* 2>/dev/null | head -1)
        printf '%-22s %12s %8s  %s\n' "$t" "${runs:-?}" "${secs:-?}" "CRASH (exit $rc): ${art:-see $log}"
        grep -E "SUMMARY|runtime error|ERROR:" "$log" | head -3 | sed 's/^/    /'
    fi
done
if [ $fail = 1 ]; then
    echo "fuzz.sh: a target crashed; its input is in build-fuzz/artifacts/ (fix, then keep it in tests/fuzz/corpus/<target>/)"
    exit 1
fi
