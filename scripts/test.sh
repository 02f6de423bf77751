#!/usr/bin/env bash
# test.sh - second README command: build and run the test suite three
# ways: a Release build (warnings as errors, every test), an ASan+UBSan build
# (every test) and a ThreadSanitizer build of the threaded code only (the
# worker pool and the sampler set's poller: unit/test-pool, unit/test-pool-chunks,
# samplers/test-sampler-set).  TSan is skipped with a message where it
# cannot run (no libtsan, or a kernel whose address-space layout it rejects
# even with ASLR off through setarch -R).
# Then a fuzzing pass (scripts/fuzz.sh): every parser of outside input under
# libFuzzer for TB_FUZZ_SECONDS in total (default 60), skipped with a message
# where clang or libFuzzer is missing.
# Then the AArch64 cross check (scripts/test-arm64.sh): cross-build, kernel
# verification and one small run under qemu-aarch64 with two CPU models;
# skipped with a message where the cross compiler or qemu is missing.
# Set TB_SKIP_SANITIZE=1 to skip the ASan+UBSan pass, TB_SKIP_TSAN=1 the TSan
# one, TB_SKIP_FUZZ=1 the fuzzing, TB_SKIP_ARM64=1 the AArch64 check.
# Long mode, TRITBENCH_TEST_LONG=1 (not run in CI): also the scalar-path tests
# under valgrind memcheck (scripts/valgrind.sh); expect tens of minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
stage() { echo "test.sh: [$((SECONDS / 60))m$((SECONDS % 60))s] $*"; } # where CI time goes
stage "Release build and tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTB_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
if [ "${TB_SKIP_SANITIZE:-0}" != 1 ]; then
    stage "ASan+UBSan build and tests"
    cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Sanitize -DTB_WERROR=ON >/dev/null
    cmake --build build-sanitize -j"$jobs"
    (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j"$jobs")
fi
tsan_pass() {
    cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Thread -DTB_WERROR=ON >/dev/null
    # Can a TSan binary run here?  Try a trivial one, then with ASLR off.
    cc=$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' build-tsan/CMakeCache.txt)
    probe=build-tsan/tsan-probe
    run=()
    if ! printf 'int main(void) { return 0; }\n' | "$cc" -fsanitize=thread -x c - -o "$probe" 2>/dev/null; then
        echo "test.sh: $cc cannot link -fsanitize=thread (libtsan missing?): TSan pass skipped"
        return 0
    elif "$probe" >/dev/null 2>&1; then
        run=()
    elif setarch "$(uname -m)" -R "$probe" >/dev/null 2>&1; then
        run=(setarch "$(uname -m)" -R)
        echo "test.sh: TSan needs ASLR off on this kernel: running its tests under setarch -R"
    else
        echo "test.sh: ThreadSanitizer binaries do not start on this machine, even under setarch -R: TSan pass skipped"
        return 0
    fi
    cmake --build build-tsan -j"$jobs" --target test-pool test-pool-chunks test-sampler-set
    (cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
        ${run[@]+"${run[@]}"} ctest --output-on-failure -j"$jobs" -R '^(unit/test-pool(-chunks)?|samplers/test-sampler-set)$')
}
if [ "${TB_SKIP_TSAN:-0}" != 1 ]; then
    stage "TSan"
    tsan_pass
fi
if [ "${TB_SKIP_FUZZ:-0}" != 1 ]; then
    stage "fuzzing"
    scripts/fuzz.sh "${TB_FUZZ_SECONDS:-60}"
fi
if [ "${TB_SKIP_ARM64:-0}" != 1 ]; then
    stage "AArch64 under qemu"
    scripts/test-arm64.sh
fi
if [ "${TRITBENCH_TEST_LONG:-0}" = 1 ]; then
    scripts/valgrind.sh
fi
stage "done"
