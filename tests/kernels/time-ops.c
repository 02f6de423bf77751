/* time-ops.c - rough cost of the decoder ops (tb_ops_best) next to one
 * 4096x4096 int8 GEMV (tb_kernel_best("int8"), one thread), single thread,
 * warm caches, median of 7 timed batches.  NOT a ctest and not a benchmark
 * of record (tritbench run does those): it gives the order of magnitude
 * quoted in kernels/README.md.  Build: cmake --build build --target time-ops */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops/tb-ops.h"
#include "tb-kernel.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* median over 7 batches of the seconds per call of the statement */
#define TIME_US(out, stmt)                                                 \
    do {                                                                   \
        int reps_ = 1;                                                     \
        for (;;) { /* batch of >= 20 ms */                                 \
            double t0_ = now_s();                                          \
            for (int r_ = 0; r_ < reps_; r_++) { stmt; }                   \
            if (now_s() - t0_ >= 0.02) break;                              \
            reps_ *= 2;                                                    \
        }                                                                  \
        double b_[7];                                                      \
        for (int k_ = 0; k_ < 7; k_++) {                                   \
            double t0_ = now_s();                                          \
            for (int r_ = 0; r_ < reps_; r_++) { stmt; }                   \
            b_[k_] = (now_s() - t0_) / reps_;                              \
        }                                                                  \
        qsort(b_, 7, sizeof b_[0], cmp_d);                                 \
        (out) = b_[3] * 1e6;                                               \
    } while (0)

static float *randf(int64_t n)
{
    float *p = malloc((size_t)n * sizeof *p);
    if (!p)
        exit(1);
    uint64_t s = 12345;
    for (int64_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = (float)((int64_t)(s >> 40) - (1 << 23)) * 0x1p-23f;
    }
    return p;
}

int main(void)
{
    const uint32_t isa = tb_isa_allowed();
    const tb_ops *o = tb_ops_best(isa);
    const tb_kernel *k = tb_kernel_best("int8", isa);
    enum { D = 4096, FF = 11008, NH = 32, NKV = 8, HD = 128, T = 512, V = 32000 };
    tb_pool *pool;
    tb_kmat *m;
    float *w = randf((int64_t)D * D), *x = randf(FF), *y = randf(FF), *g = randf(V);
    float cs[HD / 2], sn[HD / 2]; /* true rotations: repeated rope keeps |q| (no denormals) */
    for (int i = 0; i < HD / 2; i++) {
        cs[i] = (float)cos(0.1 * i);
        sn[i] = (float)sin(0.1 * i);
    }
    if (!k || tb_pool_create(1, 0, &pool) || k->prepare(w, D, D, &m)) {
        fprintf(stderr, "time-ops: cannot set up the int8 GEMV\n");
        return 1;
    }
    void *scratch = aligned_alloc(64, (k->scratch_bytes(m, 1) + 63) / 64 * 64 + 64);
    float *kvf = randf((int64_t)T * NKV * HD), *q = randf(NH * HD), *out = randf(NH * HD), *sc = randf(T);
    uint16_t *kc = malloc((size_t)T * NKV * HD * 2), *vc = malloc((size_t)T * NKV * HD * 2);
    o->to_f16(kc, kvf, (int64_t)T * NKV * HD);
    o->to_f16(vc, kvf, (int64_t)T * NKV * HD);
    volatile int64_t sink = 0;
    double gemv, t;
    TIME_US(gemv, k->run(m, x, 1, y, scratch, pool, 1));
    printf("ops variant %s; %s 4096x4096 GEMV (1 thread): %.1f us\n", o->name, k->name, gemv);
#define ROW(label, stmt)                                                          \
    do {                                                                          \
        TIME_US(t, stmt);                                                         \
        printf("  %-44s %9.2f us  %6.3f x GEMV\n", label, t, t / gemv);          \
    } while (0)
    ROW("attend T=512, 32 heads (GQA 32/8), hd 128", o->attend(out, q, kc, vc, T, 0, NH, NH, NKV, HD, 0.088f, sc));
    ROW("rmsnorm n=4096", o->rmsnorm(y, x, g, D, 1e-6f));
    ROW("rope 32 heads x 128", o->rope(q, NH, HD, cs, sn));
    ROW("swiglu n=11008", o->swiglu(y, x, g, FF));
    ROW("relu2glu n=11008", o->relu2glu(y, x, g, FF));
    ROW("add n=4096", o->add(y, x, D));
    ROW("to_f16 n=1024 (one token's K)", o->to_f16(kc, x, NKV * HD));
    ROW("argmax n=32000", sink += o->argmax(g, V));
    ROW("logsumexp n=32000", sink += (int64_t)o->logsumexp(g, V));
    k->free(m);
    tb_pool_free(pool);
    free(w), free(x), free(y), free(g), free(scratch), free(kvf), free(q), free(out), free(sc), free(kc),
        free(vc);
    return 0;
}
