#!/usr/bin/env bash
# device-check.sh OUTDIR - the prepared GPU check (issue 14), for a machine
# with an NVIDIA GPU, the driver and the CUDA toolkit; well under 8 minutes
# on 16 cores.  Builds tritbench with the CUDA plugin (TRITBENCH_CUDA=ON,
# sm_80 + sm_90, only the targets needed), runs the GPU tests (every device
# variant against its CPU scalar reference, the device copy bandwidth
# probe), then a short benchmark: the device variants (fp16_cublas,
# fp16_cuda, int8_cuda, tq2_cuda) on 4096x4096 and 11008x4096 at n = 1
# (GEMV, hot and cold) and n = 128 (GEMM), 1 host thread, into
# OUTDIR/tritbench.db; then OUTDIR/summary.txt (device, bandwidth probe,
# verification, per-case figures) and OUTDIR/cases.csv; then decode (the
# e2e workload): 700M and 3B, tg32 at batch 1, the CPU formats (fp16, int8,
# tq2 on 16 threads) beside the decoder on the GPU (fp16_cuda, int8_cuda,
# tq2_cuda), built with --layers 4 to keep it short (the stored figures are
# extrapolated to the full depth and flagged so), into the same database,
# the summary and OUTDIR/e2e-cases.csv.
# Exit: 0 all ran, 1 a step failed (the summary says which), 2 usage.
set -uo pipefail
if [ $# -ne 1 ]; then
    echo "usage: scripts/device-check.sh OUTDIR" >&2
    exit 2
fi
out=$1
mkdir -p "$out" || exit 2
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
b=build-device
sum=$out/summary.txt
status=0
step() { echo "== $*" | tee -a "$sum"; }
: >"$sum"
step "host $(hostname), $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv,noheader >>"$sum" 2>&1 || true

step "configure + build (TRITBENCH_CUDA=ON)"
if ! cmake -S . -B $b -DCMAKE_BUILD_TYPE=Release -DTRITBENCH_CUDA=ON >"$out/configure.log" 2>&1 ||
   ! cmake --build $b -j16 --target tritbench tritbench-cuda test-gpu-verify test-gpu-copy-probe \
       test-cuda-host tb-fake-libcuda test-cuda-ops-host test-cuda-dec-loader tb-fake-dec-plugin \
       test-gpu-decoder >"$out/build.log" 2>&1; then
    echo "build FAILED (see configure.log, build.log)" | tee -a "$sum"
    exit 1
fi
grep -m1 "TRITBENCH_CUDA" "$out/configure.log" >>"$sum"
$b/tritbench info | grep -E "^  (cpu|cuda) " | tee -a "$sum"

step "GPU tests"
for t in test-cuda-host test-cuda-ops-host test-cuda-dec-loader test-gpu-copy-probe test-gpu-verify test-gpu-decoder; do
    timeout 240 $b/tests/$t >"$out/$t.log" 2>&1
    rc=$?
    echo "$t: exit $rc" | tee -a "$sum"
    [ $rc -eq 0 ] || status=1
done
grep -h "gpu_copy_gbps" "$out/test-gpu-copy-probe.log" | tee -a "$sum"
grep -c " ok " "$out/test-gpu-verify.log" | sed 's/^/verified ok: /' | tee -a "$sum"
grep "FAILED" "$out/test-gpu-verify.log" | tee -a "$sum"

step "benchmark (matmul suite, device variants, two shapes)"
filter='matmul/*_cu*/4096x4096/n1/*,matmul/*_cu*/11008x4096/n1/*,matmul/*_cu*/4096x4096/n128/*,matmul/*_cu*/11008x4096/n128/*'
timeout 300 $b/tritbench run matmul --db "$out/tritbench.db" --threads 1 --cache both --reps 10 \
    --min-time 20ms --warmup 100ms --idle 0 --filter "$filter" >"$out/run.log" 2>&1
rc=$?
echo "tritbench run: exit $rc" | tee -a "$sum"
[ $rc -eq 0 ] || status=1
tail -n 40 "$out/run.log" >>"$sum"
if command -v sqlite3 >/dev/null; then
    sqlite3 -header -csv "$out/tritbench.db" \
        "SELECT case_key, cache_mode, median_ns, gbps, speedup, flags FROM v_case_summary WHERE run_id=(SELECT max(id) FROM runs)" \
        >"$out/cases.csv" 2>>"$sum" || status=1
fi
step "decode (e2e: 700M and 3B, tg32, batch 1, --layers 4 extrapolated; CPU 16 threads vs GPU)"
timeout 240 $b/tritbench run e2e --db "$out/tritbench.db" --model 700M,3B \
    --format fp16,int8,tq2,fp16_cuda,int8_cuda,tq2_cuda --test tg32 --layers 4 --threads 16 --reps 3 \
    --min-time 1ms --warmup 0 --idle 0 >"$out/e2e.log" 2>&1
rc=$?
echo "tritbench run e2e: exit $rc" | tee -a "$sum"
[ $rc -eq 0 ] || status=1
tail -n 40 "$out/e2e.log" >>"$sum"
if command -v sqlite3 >/dev/null; then
    sqlite3 -header -csv "$out/tritbench.db" \
        "SELECT case_key, cache_mode, median_ns, gbps, speedup, flags FROM v_case_summary WHERE run_id=(SELECT max(id) FROM runs)" \
        >"$out/e2e-cases.csv" 2>>"$sum" || status=1
fi
step "done: exit $status"
exit $status
