#!/usr/bin/env bash
# test-arm64.sh - the AArch64 check of scripts/test.sh: cross-build with
# Debian's gcc-aarch64-linux-gnu (cmake/aarch64-linux-gnu.cmake, warnings as
# errors) and run under qemu-user
#   - with a CPU model that has dotprod, i8mm and fp16 arithmetic (-cpu max):
#     the ISA table test, the quantizer test, the kernel verification of
#     every variant (references and NEON variants, bit-exact / NMSE bounds)
#     and the decoder-op test (test-ops: every ops variant bit-exact);
#   - with one that has none of them (cortex-a72, Armv8.0): the verification
#     of the -neon variants again, so the plain-NEON dispatch path runs, and
#     of the -neondot, -neoni8mm, -neonfp16 and -neonbf16 ones, which must
#     report a skip (exit 77);
#   - when the whole binary links (libsqlite3-dev:arm64 installed), one small
#     `tritbench run` (one tq2 GEMV case) and `tritbench list backends` under
#     both models.
# qemu checks correctness only: its timings say nothing about any Arm CPU.
# Skips with a message (exit 0) where the cross compiler or qemu-aarch64 is
# missing (scripts/setup-deps.sh installs them); without the arm64 SQLite it
# builds and runs the kernels alone (TB_KERNELS_ONLY) and says so.
# The CUDA plugin is never part of this build (TRITBENCH_CUDA=OFF: the
# host's nvcc cannot build for AArch64).
# Build folder: build-arm64 (TB_ARM64_BUILD overrides).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TB_ARM64_BUILD:-build-arm64}
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    echo "test-arm64: SKIPPED: aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu, or scripts/setup-deps.sh)"
    exit 0
fi
qemu=$(command -v qemu-aarch64 || command -v qemu-aarch64-static || true)
if [ -z "$qemu" ]; then
    echo "test-arm64: SKIPPED: qemu-aarch64 not found (apt-get install qemu-user, or scripts/setup-deps.sh)"
    exit 0
fi
only=OFF
if [ ! -e /usr/lib/aarch64-linux-gnu/libsqlite3.so ] || [ ! -e /lib/ld-linux-aarch64.so.1 ]; then
    only=ON
    echo "test-arm64: libsqlite3-dev:arm64 not installed (dpkg --add-architecture arm64; apt-get install libsqlite3-dev:arm64):"
    echo "test-arm64: building the kernels library and its tests only, not the harness, store and CLI"
fi
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DCMAKE_BUILD_TYPE=Release \
    -DTB_WERROR=ON -DTB_KERNELS_ONLY=$only -DTRITBENCH_CUDA=OFF >/dev/null
targets=(test-isa-req test-quant test-kernels-verify test-ops)
[ "$only" = OFF ] && targets+=(tritbench)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"
# static binaries: -L only matters for the dynamic loader; the multiarch
# arm64 libc (pulled in by libc6-dev-arm64-cross / libsqlite3-dev:arm64)
# lives under / (or /usr/aarch64-linux-gnu for the cross libc alone)
sysroot=/
[ -e /lib/ld-linux-aarch64.so.1 ] || sysroot=/usr/aarch64-linux-gnu
q() { # run under qemu; print how long each step took (where CI time goes)
    local cpu=$1 t0=$SECONDS rc=0
    shift
    echo "+ qemu-aarch64 -cpu $cpu $*"
    "$qemu" -L "$sysroot" -cpu "$cpu" "$@" || rc=$?
    echo "  ($((SECONDS - t0)) s, exit $rc)"
    return $rc
}
t=$build/tests
q max "$t/test-isa-req"
q max "$t/test-quant"
q max "$t/test-kernels-verify"
q max "$t/test-ops"
q cortex-a72 "$t/test-isa-req"
q cortex-a72 "$t/test-kernels-verify" neon
# no dotprod: the -neondot variants must be skipped (exit 77), not run
rc=0
q cortex-a72 "$t/test-kernels-verify" neondot || rc=$?
if [ "$rc" != 77 ]; then
    echo "test-arm64: FAIL: test-kernels-verify neondot under cortex-a72 exited $rc, expected 77 (skipped: no dotprod)"
    exit 1
fi
# no i8mm, no fp16 arithmetic, no bf16: the -neoni8mm, -neonfp16 and -neonbf16
# variants likewise
for sfx in neoni8mm neonfp16 neonbf16; do
    rc=0
    q cortex-a72 "$t/test-kernels-verify" $sfx || rc=$?
    if [ "$rc" != 77 ]; then
        echo "test-arm64: FAIL: test-kernels-verify $sfx under cortex-a72 exited $rc, expected 77 (skipped: no $sfx)"
        exit 1
    fi
done
q cortex-a72 "$t/test-ops"
if [ "$only" = OFF ]; then
    db=$(mktemp -d)/arm64.db
    for cpu in max cortex-a72; do
        q $cpu "$build/tritbench" list backends
    done
    q max "$build/tritbench" run quick --filter 'matmul/tq2*/4096x4096/n1/*' --threads 1 --reps 2 \
        --min-time 1ms --warmup 0 --samplers none --cache hot --db "$db"
    # the decoder on every format, each case verified against the scalar
    # reference decoder first (fp16 takes fp16_neonfp16 on -cpu max)
    q max "$build/tritbench" run e2e --model hidden=128,ffn=256,layers=2,heads=4,vocab=512 \
        --format fp16,bf16,int8,tq2,tq1,tl --test tg2 --threads 1 --reps 2 --min-time 1ms --warmup 0 \
        --samplers none --idle 0 --cache hot --filter 'e2e/*' --db "$db"
    # (the run exits non-zero on any wrong case); its verification, for the log
    if command -v sqlite3 >/dev/null; then
        sqlite3 "$db" "select backend, status, verify_method, nmse from cases where workload = 'e2e'"
    fi
    rm -rf "$(dirname "$db")"
fi
echo "test-arm64: ok (qemu-aarch64: correctness only, never speed)"
