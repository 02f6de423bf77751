#!/usr/bin/env bash
# test.sh - second README command: build and run the whole test suite,
# twice: a Release build (warnings as errors) and an ASan+UBSan build.
# Set TB_SKIP_SANITIZE=1 to run only the Release pass.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTB_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")
if [ "${TB_SKIP_SANITIZE:-0}" != 1 ]; then
    cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Sanitize -DTB_WERROR=ON >/dev/null
    cmake --build build-sanitize -j"$jobs"
    (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j"$jobs")
fi
