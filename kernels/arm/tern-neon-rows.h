/* tern-neon-rows.h - the row loop of the AArch64 ternary variants
 * (tq2_neon, tq2_neondot, tq1_neon, tq1_neondot) around a block kernel each
 * file defines before it includes this header, with its format's block
 * size (TERN_BLOCK_COLS columns in TERN_BLOCK_BYTES packed bytes):
 *
 *     static inline void tern_block(const int R, const uint8_t *w, int64_t rb,
 *                                   const int8_t *ab, TERN_ACC acc[R]);
 *
 * which adds to acc[r] the products of the codes of one packed block of
 * row r (at w + r*rb, layout of tb-ternary.h) with the block's activations
 * at ab, and
 *
 *     static inline int32_t tern_acc_sum(TERN_ACC acc);
 *
 * which folds an accumulator to the exact int32 dot (codes 0..2, the
 * recipe's offset is the epilogue's).  The loop takes 4 rows at a time
 * (their blocks share the activation loads), every token for each row
 * group (the rows' packed bytes stay in L1 across tokens), and applies the
 * recipe's epilogue (acc - sum q_x) * f as the references do, so y is
 * bit-exact.  GEMV and GEMM both use it (tb_tern_run's row split). */
#ifndef TB_TERN_NEON_ROWS_H
#define TB_TERN_NEON_ROWS_H

#include "ternary/tb-ternary.h"

#define TERN_R 4 /* rows per group */

static inline __attribute__((always_inline)) void
tern_rows_group(const int R, const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                const float *fac, int64_t n, float *y, int64_t r)
{
    const int64_t nblk = m->row_bytes / TERN_BLOCK_BYTES;
    const uint8_t *w = m->data + r * m->row_bytes;
    for (int64_t t = 0; t < n; t++) {
        const int8_t *a = xq + t * m->xstride;
        TERN_ACC acc[TERN_R];
        for (int i = 0; i < R; i++)
            acc[i] = tern_acc_zero();
        for (int64_t b = 0; b < nblk; b++) {
            __builtin_prefetch(w + (b + 4) * TERN_BLOCK_BYTES);
            tern_block(R, w + b * TERN_BLOCK_BYTES, m->row_bytes, a + b * TERN_BLOCK_COLS, acc);
        }
        for (int i = 0; i < R; i++)
            y[t * m->rows + r + i] = (float)(tern_acc_sum(acc[i]) - asum[t]) * fac[t];
    }
}

static void tern_rows(const tb_kmat *m, const int8_t *xq, const int32_t *asum, const float *fac,
                      int64_t n, float *y, int64_t r0, int64_t r1)
{
    int64_t r = r0;
    for (; r + TERN_R <= r1; r += TERN_R)
        tern_rows_group(TERN_R, m, xq, asum, fac, n, y, r);
    for (; r < r1; r++)
        tern_rows_group(1, m, xq, asum, fac, n, y, r);
}

static void tern_run(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                     tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tb_tern_quant_act_ref, tern_rows, tern_rows, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

#endif
