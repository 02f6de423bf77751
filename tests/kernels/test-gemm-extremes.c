/* test-gemm-extremes.c - the integer formats' variants (int8, tq2, tq1, tl)
 * usable on this CPU against their references on inputs at the edge of
 * their narrow intermediate sums: every weight of a row +1 or -1, every
 * activation of a token +1 or -1 (quantized to +-127 and to the largest
 * code), so all products of a (row, token) have the same sign and the
 * largest magnitude.  A kernel that sums more int8/int16 steps than its
 * lanes hold (vpmaddubsw pairs, the int16 sums of the ymm ternary GEMM:
 * 64 groups x 508 = 32512) wraps or saturates here, while seeded random
 * data (test-kernels-verify) cancels and passes.  Bit-exact (memcmp),
 * n = 1 (GEMV), 13, 21 and 70 (GEMM, partial token tiles; tl's GEMM
 * through codes from 16 tokens, the ternary ymm engine's panel form from
 * 24, int8_avx2's int16 form from 64), K of 4096 and 1000, rows of 40
 * (partial 16-row panels), 1 thread. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-kernel.h"
#include "tb-pool.h"
#include "tb-test.h"

static float *run(const tb_kernel *k, const float *w, int64_t rows, int64_t cols, const float *x,
                  int64_t n, tb_pool *pool)
{
    tb_kmat *m = NULL;
    if (k->prepare(w, rows, cols, &m)) {
        fprintf(stderr, "%s: prepare failed for %lldx%lld\n", k->name, (long long)rows,
                (long long)cols);
        return NULL;
    }
    size_t sb = k->scratch_bytes(m, n);
    void *scratch = sb ? aligned_alloc(64, (sb + 63) & ~(size_t)63) : NULL;
    float *y = malloc((size_t)(rows * n) * sizeof *y);
    if ((sb && !scratch) || !y) {
        fprintf(stderr, "%s: out of memory\n", k->name);
        free(y);
        y = NULL;
    } else {
        k->run(m, x, n, y, scratch, pool, 1);
    }
    free(scratch);
    k->free(m);
    return y;
}

int main(void)
{
    static const char *const formats[] = {"int8", "tq2", "tq1", "tl"};
    static const int64_t colss[] = {4096, 1000}, ns[] = {1, 13, 21, 70};
    const int64_t rows = 40;
    tb_pool *pool;
    if (tb_pool_create(1, 0, &pool)) {
        fprintf(stderr, "cannot create the thread pool\n");
        return 1;
    }
    const uint32_t isa = tb_isa_allowed();
    int tested = 0;
    for (int ci = 0; ci < 2; ci++)
        for (int ni = 0; ni < 4; ni++) {
            const int64_t cols = colss[ci], n = ns[ni];
            float *w = malloc((size_t)(rows * cols) * sizeof *w);
            float *x = malloc((size_t)(n * cols) * sizeof *x);
            CHECK(w && x);
            if (!w || !x)
                return 1;
            /* rows and tokens of alternating sign; row 3 zero (its scale is 0) */
            for (int64_t r = 0; r < rows; r++)
                for (int64_t c = 0; c < cols; c++)
                    w[r * cols + c] = r == 3 ? 0.0f : r % 2 ? -1.0f : 1.0f;
            for (int64_t j = 0; j < n; j++)
                for (int64_t c = 0; c < cols; c++)
                    x[j * cols + c] = j % 2 ? -1.0f : 1.0f;
            for (int ki = 0; ki < tb_kernel_count(); ki++) {
                const tb_kernel *k = tb_kernel_at(ki);
                int fmt = 0;
                for (int f = 0; f < 4; f++)
                    fmt |= !strcmp(k->format, formats[f]);
                if (!fmt || k->gpu || k->max_nmse != 0 || !tb_kernel_usable(k, isa))
                    continue;
                const tb_kernel *ref = tb_kernel_find(k->ref);
                CHECK(ref != NULL);
                if (!ref || ref == k)
                    continue;
                float *y = run(k, w, rows, cols, x, n, pool), *yr = run(ref, w, rows, cols, x, n, pool);
                CHECK(y && yr);
                if (y && yr && memcmp(y, yr, (size_t)(rows * n) * sizeof *y)) {
                    for (int64_t i = 0; i < rows * n; i++)
                        if (y[i] != yr[i]) {
                            fprintf(stderr,
                                    "FAIL %s cols=%lld n=%lld: token %lld row %lld: %.9g, %s %.9g\n",
                                    k->name, (long long)cols, (long long)n, (long long)(i / rows),
                                    (long long)(i % rows), y[i], ref->name, yr[i]);
                            break;
                        }
                    tb_test_failures++;
                }
                free(y);
                free(yr);
                tested++;
            }
            free(w);
            free(x);
        }
    printf("%d variant runs at the extremes\n", tested);
    tb_pool_free(pool);
    TEST_DONE();
}
