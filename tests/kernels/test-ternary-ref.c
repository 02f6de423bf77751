/* test-ternary-ref.c - ternary kernels: each reference (tq2_ref, tq1_ref,
 * tl_ref) against an exact int64 dot product of the quantized weights and
 * activations (so a broken ref cannot pass), then every registered SIMD
 * variant the CPU supports against its ref, bit-exact (memcmp of y), over
 * awkward shapes, GEMV and GEMM, 1 and 2 threads, including K > one GEMM
 * slice and ties in activation rounding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-kernel.h"
#include "ternary/tb-ternary.h"

static int failures;
#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            failures++;                                               \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);     \
            fprintf(stderr, __VA_ARGS__);                             \
            fputc('\n', stderr);                                      \
        }                                                             \
    } while (0)

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float rndf(void) { return ((float)(rnd() & 0xffffff) / 16777216.0f) * 2.0f - 1.0f; }

static const char *const fmts[] = {"tq2", "tq1", "tl"};

static void fill(float *w, float *x, int64_t rows, int64_t cols, int64_t n)
{
    for (int64_t i = 0; i < rows * cols; i++)
        w[i] = 0.05f * rndf();
    for (int64_t i = 0; i < n * cols; i++)
        x[i] = 4.0f * rndf();
    /* token 0: exact ties (max 127 -> scale 1, halves round to even) */
    if (n > 1) {
        for (int64_t c = 0; c < cols; c++)
            x[c] = (float)((int)(rnd() % 254) - 127) + ((rnd() & 1) ? 0.5f : 0.0f);
        x[0] = 127.0f;
    }
    /* last token all zero when n > 2 (scale 0) */
    if (n > 2)
        memset(x + (n - 1) * cols, 0, (size_t)cols * sizeof *x);
}

/* Worst cases for the SIMD kernels' int16 / int32 partial sums: weight rows
 * all +1, all -1 or alternating; tokens all +127, all -127 or alternating
 * (every code 0 or 2, every activation at full scale), and a token of 120
 * (127 in column 0): 120 = 16 * 8 - 8, the extreme of both int8 parts of
 * tl_avx2's split a = 16 h + l (byte sums of 3 groups at -72 and 72). */
static void fill_extreme(float *w, float *x, int64_t rows, int64_t cols, int64_t n)
{
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            w[r * cols + c] = r % 3 == 0 ? 1.0f : r % 3 == 1 ? -1.0f : (c & 1) ? 1.0f : -1.0f;
    for (int64_t j = 0; j < n; j++)
        for (int64_t c = 0; c < cols; c++)
            x[j * cols + c] = j % 4 == 0   ? 1.0f
                              : j % 4 == 1 ? -1.0f
                              : j % 4 == 2 ? ((c & 1) ? -1.0f : 1.0f)
                                           : (c == 0 ? 127.0f : 120.0f);
}

static void *scratch_for(const tb_kernel *k, const tb_kmat *m, int64_t n)
{
    size_t b = k->scratch_bytes(m, n);
    return aligned_alloc(64, (b + 63) / 64 * 64 + 64);
}

/* ref vs exact int64 dot of the quantized operands */
static void ref_exact(const tb_kernel *k, int64_t rows, int64_t cols, int64_t n, tb_pool *pool,
                      int nt)
{
    float *w = malloc((size_t)(rows * cols) * 4), *x = malloc((size_t)(n * cols) * 4);
    float *y = malloc((size_t)(n * rows) * 4);
    int8_t *qw = malloc((size_t)(rows * cols)), *qx = malloc((size_t)cols + 64);
    fill(w, x, rows, cols, n);
    tb_kmat *m = NULL;
    CHECK(k->prepare(w, rows, cols, &m) == 0, "%s prepare", k->name);
    void *s = scratch_for(k, m, n);
    k->run(m, x, n, y, s, pool, nt);
    float sw = tb_tern_quantize(w, rows, cols, qw);
    int bad = 0;
    for (int64_t j = 0; j < n; j++) {
        int32_t sum;
        float sx = tb_tern_quant_act_ref(x + j * cols, cols, cols, qx, &sum);
        float f = tb_tern_act_factor(sx, sw);
        for (int64_t r = 0; r < rows; r++) {
            int64_t dot = 0;
            for (int64_t c = 0; c < cols; c++)
                dot += (int64_t)qw[r * cols + c] * qx[c];
            float want = (float)dot * f;
            if (memcmp(&want, &y[j * rows + r], 4) && bad++ < 3)
                CHECK(0, "%s %lldx%lld n=%lld: y[%lld][%lld] = %.9g want %.9g", k->name,
                      (long long)rows, (long long)cols, (long long)n, (long long)j,
                      (long long)r, (double)y[j * rows + r], (double)want);
        }
    }
    k->free(m);
    free(s);
    free(w);
    free(x);
    free(y);
    free(qw);
    free(qx);
}

/* SIMD variant vs its ref, bit-exact */
static void simd_vs_ref(const tb_kernel *k, int64_t rows, int64_t cols, int64_t n, tb_pool *pool,
                        int nt, int extreme)
{
    const tb_kernel *ref = tb_kernel_find(k->ref);
    CHECK(ref != NULL, "%s: no ref %s", k->name, k->ref);
    if (!ref)
        return;
    float *w = malloc((size_t)(rows * cols) * 4), *x = malloc((size_t)(n * cols) * 4);
    float *y0 = malloc((size_t)(n * rows) * 4), *y1 = malloc((size_t)(n * rows) * 4);
    if (extreme)
        fill_extreme(w, x, rows, cols, n);
    else
        fill(w, x, rows, cols, n);
    tb_kmat *m0 = NULL, *m1 = NULL;
    CHECK(ref->prepare(w, rows, cols, &m0) == 0 && k->prepare(w, rows, cols, &m1) == 0,
          "%s prepare", k->name);
    void *s0 = scratch_for(ref, m0, n), *s1 = scratch_for(k, m1, n);
    memset(y1, 0xa5, (size_t)(n * rows) * 4);
    ref->run(m0, x, n, y0, s0, pool, 1);
    k->run(m1, x, n, y1, s1, pool, nt);
    if (memcmp(y0, y1, (size_t)(n * rows) * 4)) {
        int64_t i = 0;
        while (!memcmp(&y0[i], &y1[i], 4))
            i++;
        CHECK(0, "%s vs %s %lldx%lld n=%lld t=%d: first diff at token %lld row %lld: %.9g vs %.9g",
              k->name, ref->name, (long long)rows, (long long)cols, (long long)n, nt,
              (long long)(i / rows), (long long)(i % rows), (double)y1[i], (double)y0[i]);
    }
    ref->free(m0);
    k->free(m1);
    free(s0);
    free(s1);
    free(w);
    free(x);
    free(y0);
    free(y1);
}

int main(void)
{
    static const int64_t sz[] = {1, 3, 5, 7, 15, 17, 31, 33, 63, 65, 127, 129, 255, 257};
    const int nsz = (int)(sizeof sz / sizeof sz[0]);
    tb_pool *pool = NULL;
    if (tb_pool_create(2, 0, &pool) != 0) {
        fprintf(stderr, "pool\n");
        return 1;
    }
    uint32_t have = tb_isa_allowed();

    for (int f = 0; f < 3; f++) {
        char name[32];
        snprintf(name, sizeof name, "%s_ref", fmts[f]);
        const tb_kernel *ref = tb_kernel_find(name);
        CHECK(ref && ref->isa_mask == 0 && ref->max_nmse == 0.0, "%s registered", name);
        if (!ref)
            continue;
        for (int i = 0; i < nsz; i += 2)
            for (int j = 0; j < nsz; j++)
                ref_exact(ref, sz[i], sz[j], 1 + (i + j) % 4, pool, 1 + (j & 1));
        ref_exact(ref, 37, 4500, 3, pool, 2);   /* K beyond one slice */
    }

    int nsimd = 0;
    for (int i = 0, cnt = tb_kernel_count(); i < cnt; i++) {
        const tb_kernel *k = tb_kernel_at(i);
        int ours = 0;
        for (int f = 0; f < 3; f++)
            ours |= !strcmp(k->format, fmts[f]);
        if (!ours || k->isa_mask == 0)
            continue;
        CHECK(k->max_nmse == 0.0 && k->act == TB_ACT_I8, "%s descriptor", k->name);
        if (!tb_kernel_usable(k, have)) {
            printf("skip %s (CPU lacks its ISA)\n", k->name);
            continue;
        }
        nsimd++;
        for (int a = 0; a < nsz; a++)
            for (int b = 0; b < nsz; b++) {
                int64_t n = (a + b) % 5 == 0 ? 1 : 1 + (a * 7 + b) % 14;
                simd_vs_ref(k, sz[a], sz[b], n, pool, 1 + ((a + b) & 1), 0);
            }
        simd_vs_ref(k, 70, 4500, 1, pool, 2, 0);
        simd_vs_ref(k, 70, 4500, 9, pool, 2, 0);    /* GEMM, 2 K slices, 2 threads */
        simd_vs_ref(k, 100, 8200, 13, pool, 1, 0);  /* 3 K slices, row/token tails */
        simd_vs_ref(k, 256, 1024, 17, pool, 2, 0);
        simd_vs_ref(k, 33, 9000, 1, pool, 2, 1);    /* full-scale sums, GEMV */
        simd_vs_ref(k, 33, 9000, 3, pool, 1, 1);    /* and GEMM */
        simd_vs_ref(k, 65, 9000, 4, pool, 2, 1);    /* the 120 token too (n < 16: tables) */
    }
    printf("checked %d SIMD ternary variants\n", nsimd);
    tb_pool_free(pool);
    if (failures) {
        fprintf(stderr, "test-ternary-ref: %d failures\n", failures);
        return 1;
    }
    printf("test-ternary-ref: ok\n");
    return 0;
}
