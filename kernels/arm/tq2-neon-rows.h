/* tq2-neon-rows.h - the row loop of the AArch64 tq2 variants (tq2_neon,
 * tq2_neondot) around a block kernel each file defines before it includes
 * this header:
 *
 *     static inline void tq2_block(const int R, const uint8_t *w, int64_t rb,
 *                                  const int8_t *ab, TQ2_ACC acc[R]);
 *
 * which adds to acc[r] the products of the 256 codes of one 64-byte block of
 * row r (at w + r*rb, layout of tb-ternary.h: byte j holds columns 64k + j
 * in bits 2k..2k+1) with the 256 activations at ab, and
 *
 *     static inline int32_t tq2_acc_sum(TQ2_ACC acc);
 *
 * which folds an accumulator to the exact int32 dot.  The loop takes 4 rows
 * at a time (their blocks share the activation loads), every token for each
 * row group (the rows' packed bytes stay in L1 across tokens), and applies
 * the recipe's epilogue (acc - sum q_x) * f as tq2_ref does, so y is
 * bit-exact.  GEMV and GEMM both use it (tb_tern_run's row split). */
#ifndef TB_TQ2_NEON_ROWS_H
#define TB_TQ2_NEON_ROWS_H

#include "ternary/tb-ternary.h"

#define TQ2_R 4 /* rows per group */

static inline __attribute__((always_inline)) void
tq2_rows_group(const int R, const tb_kmat *m, const int8_t *xq, const int32_t *asum,
               const float *fac, int64_t n, float *y, int64_t r)
{
    const int64_t nblk = m->row_bytes / TB_TQ2_BLOCK_BYTES;
    const uint8_t *w = m->data + r * m->row_bytes;
    for (int64_t t = 0; t < n; t++) {
        const int8_t *a = xq + t * m->xstride;
        TQ2_ACC acc[TQ2_R];
        for (int i = 0; i < R; i++)
            acc[i] = tq2_acc_zero();
        for (int64_t b = 0; b < nblk; b++) {
            __builtin_prefetch(w + (b + 4) * TB_TQ2_BLOCK_BYTES);
            tq2_block(R, w + b * TB_TQ2_BLOCK_BYTES, m->row_bytes, a + b * TB_TQ2_BLOCK, acc);
        }
        for (int i = 0; i < R; i++)
            y[t * m->rows + r + i] = (float)(tq2_acc_sum(acc[i]) - asum[t]) * fac[t];
    }
}

static void tq2_rows(const tb_kmat *m, const int8_t *xq, const int32_t *asum, const float *fac,
                     int64_t n, float *y, int64_t r0, int64_t r1)
{
    int64_t r = r0;
    for (; r + TQ2_R <= r1; r += TQ2_R)
        tq2_rows_group(TQ2_R, m, xq, asum, fac, n, y, r);
    for (; r < r1; r++)
        tq2_rows_group(1, m, xq, asum, fac, n, y, r);
}

static void tq2_run(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                    tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tb_tern_quant_act_ref, tq2_rows, tq2_rows, 0};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

#endif
