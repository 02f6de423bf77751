/* time-gemm.c - side-by-side GEMM shares of the compute peak of each
 * variant's own ISA level, one thread, warm caches: the AVX2 fp32 FMA,
 * AVX2 int8 (vpmaddubsw) and AVX-VNNI int8 (vpdpbusd ymm) peak loops of
 * bench/probes/ and the named variants timed in interleaved rounds, the
 * fastest round of each kept.  Time is the calling thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: the pool's worker 0 is the caller), so on a
 * shared machine the spans the thread waits for a CPU do not count; a busy
 * SMT sibling or hypervisor steal still do.  NOT a ctest and not a
 * benchmark of record (`tritbench run isa` is): it gives the same-process
 * shares quoted in kernels/README.md when the wall clock is too noisy.
 * Build: cmake --build build --target time-gemm
 * Usage: time-gemm ROWS COLS N ROUNDS VARIANT... */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes/tb-probe-kernels.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "tb-pool.h"

#define MAXV 16
#define PEAK_LOOPS 200000

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static float *randf(int64_t n)
{
    float *p = malloc((size_t)n * sizeof *p);
    if (!p)
        return NULL;
    uint64_t s = 12345;
    for (int64_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (float)((int64_t)(s >> 40) - (1 << 23)) * 0x1p-23f;
    }
    return p;
}

static int64_t arg_int(const char *s, const char *what)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*end || v < 1 || v > 65536) {
        fprintf(stderr, "time-gemm: %s '%s' is not an integer in 1..65536\n", what, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc - 5 > MAXV) {
        fprintf(stderr, "usage: time-gemm ROWS COLS N ROUNDS VARIANT... (at most %d variants)\n", MAXV);
        return 2;
    }
    const int64_t rows = arg_int(argv[1], "ROWS"), cols = arg_int(argv[2], "COLS"), n = arg_int(argv[3], "N");
    const int rounds = (int)arg_int(argv[4], "ROUNDS"), nv = argc - 5;
    const uint32_t isa = tb_isa_allowed(), need = TB_ISA_AVX2 | TB_ISA_AVXVNNI;
    if ((isa & need) != need) {
        fprintf(stderr, "time-gemm: this CPU lacks AVX2 or AVX-VNNI (the peak loops need both)\n");
        return 77;
    }
    const tb_kernel *k[MAXV];
    tb_kmat *m[MAXV];
    void *scratch[MAXV];
    double best[MAXV + 3];
    float *w = randf(rows * cols), *x = randf(n * cols), *y = malloc((size_t)(n * rows) * sizeof *y);
    tb_pool *pool;
    if (!w || !x || !y || tb_pool_create(1, 0, &pool)) {
        fprintf(stderr, "time-gemm: out of memory\n");
        return 1;
    }
    for (int i = 0; i < nv; i++) {
        k[i] = tb_kernel_find(argv[5 + i]);
        if (!k[i] || k[i]->gpu || !tb_kernel_usable(k[i], isa)) {
            fprintf(stderr, "time-gemm: variant '%s' is unknown or not usable on this CPU\n", argv[5 + i]);
            return 2;
        }
        if (k[i]->prepare(w, rows, cols, &m[i])) {
            fprintf(stderr, "time-gemm: %s: prepare failed\n", k[i]->name);
            return 1;
        }
        size_t b = k[i]->scratch_bytes(m[i], n);
        scratch[i] = b ? aligned_alloc(64, (b + 63) / 64 * 64) : NULL;
        if (b && !scratch[i]) {
            fprintf(stderr, "time-gemm: out of memory\n");
            return 1;
        }
    }
    for (int i = 0; i < nv + 3; i++)
        best[i] = 1e30;
    volatile float fs = 0;
    volatile int32_t is = 0;
    for (int r = 0; r < rounds; r++) {
        double t = cpu_s();
        fs += tb_peak_fma_avx2(PEAK_LOOPS);
        t = cpu_s() - t;
        best[nv] = t < best[nv] ? t : best[nv];
        t = cpu_s();
        is += tb_peak_int8_avx2(PEAK_LOOPS);
        t = cpu_s() - t;
        best[nv + 1] = t < best[nv + 1] ? t : best[nv + 1];
        t = cpu_s();
        is += tb_peak_int8_avxvnni(PEAK_LOOPS);
        t = cpu_s() - t;
        best[nv + 2] = t < best[nv + 2] ? t : best[nv + 2];
        for (int i = 0; i < nv; i++) {
            t = cpu_s();
            k[i]->run(m[i], x, n, y, scratch[i], pool, 1);
            t = cpu_s() - t;
            best[i] = t < best[i] ? t : best[i];
        }
    }
    /* GOP/s counting a MAC as 2 operations, as `tritbench run` does for peaks */
    const double chain_ops = (double)PEAK_LOOPS * TB_PEAK_CHAINS * 2;
    const double pk_fp = chain_ops * 8 / best[nv] / 1e9, pk_i8 = chain_ops * 32 / best[nv + 1] / 1e9,
                 pk_vnni = chain_ops * 32 / best[nv + 2] / 1e9;
    printf("%lldx%lld n=%lld, 1 thread, fastest of %d interleaved rounds (thread CPU time)\n", (long long)rows,
           (long long)cols, (long long)n, rounds);
    printf("peaks GOP/s: fp32-avx2 %.1f, int8-avx2 %.1f, int8-avxvnni %.1f\n", pk_fp, pk_i8, pk_vnni);
    for (int i = 0; i < nv; i++) {
        const int fl = !strcmp(k[i]->format, "fp16") || !strcmp(k[i]->format, "bf16");
        const int vnni = !strcmp(k[i]->isa, "avxvnni");
        const double gops = 2.0 * (double)rows * (double)cols * (double)n / best[i] / 1e9;
        const double pk = fl ? pk_fp : vnni ? pk_vnni : pk_i8;
        const int own = !strcmp(k[i]->isa, "avx2") || vnni;
        printf("%-16s %9.2f ms %8.1f GOP/s  %s%.0f%% of %s\n", k[i]->name, best[i] * 1e3, gops,
               own ? "" : "(not its level) ", 100 * gops / pk,
               fl ? "fp32-avx2" : vnni ? "int8-avxvnni" : "int8-avx2");
        k[i]->free(m[i]);
        free(scratch[i]);
    }
    free(w);
    free(x);
    free(y);
    return 0;
}
