/* int8-neon-driver.h - the run() of the AArch64 int8 variants (int8_neon,
 * int8_neondot), around a panel micro-kernel each file defines before it
 * includes this header:
 *
 *     #define I8_NJ <tokens per tile>
 *     static void i8_micro(int nj, const int8_t *w, int64_t kq,
 *                          const int8_t *x, int64_t ldx, int32_t acc[I8_NJ][16]);
 *
 * i8_micro sums, for the nj tokens at x + j*ldx (kq*4 quantized bytes each)
 * and the 16 rows of the panel at w (layout of int8-internal.h: 16 rows x 4
 * columns per 64-byte group step), the exact int32 dots into acc[j][row].
 * The driver quantizes each token with the scalar rule (tb_i8_quant_row:
 * the very rounding int8_ref uses, so y is bit-exact), splits the panels
 * between threads (16-row bounds: no shared cache line of y when rows % 16
 * == 0) and applies the epilogue y = (float)acc * (sx * sw) as int8_ref.
 * Scratch: int8-internal.h's layout with tile width T = 1 (plain rows). */
#ifndef TB_INT8_NEON_DRIVER_H
#define TB_INT8_NEON_DRIVER_H

#include "int8/int8-internal.h"

static_assert(I8_NJ <= TB_I8_NJ_MAX, "scratch is sized for TB_I8_NJ_MAX tokens per tile");

typedef struct i8_job {
    const tb_i8mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *sx;
    int8_t *xq; /* n rows of kq*4 bytes */
} i8_job;

static void i8_quant_worker(void *arg, int tid, int nthreads)
{
    const i8_job *jb = arg;
    const int64_t cols = jb->m->cols, kq = jb->m->kq;
    long j0, j1;
    tb_pool_split((long)jb->n, 1, tid, nthreads, &j0, &j1);
    for (int64_t j = j0; j < j1; j++)
        jb->sx[j] = tb_i8_quant_row(jb->x + j * cols, cols, kq, jb->xq + j * kq * TB_I8_KG);
}

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void i8_panels(void *arg, long p0, long p1)
{
    const i8_job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq, ldx = kq * TB_I8_KG;
    for (int64_t p = p0; p < p1; p++) {
        const int8_t *w = m->w + p * kq * 64;
        const int64_t r0 = p * TB_I8_PANEL;
        const int nr = m->rows - r0 < TB_I8_PANEL ? (int)(m->rows - r0) : TB_I8_PANEL;
        for (int64_t j0 = 0; j0 < jb->n; j0 += I8_NJ) {
            const int nj = jb->n - j0 < I8_NJ ? (int)(jb->n - j0) : I8_NJ;
            int32_t acc[I8_NJ][16];
            i8_micro(nj, w, kq, jb->xq + j0 * ldx, ldx, acc);
            for (int j = 0; j < nj; j++) {
                float *y = jb->y + (j0 + j) * m->rows + r0;
                for (int i = 0; i < nr; i++) {
                    const float s = jb->sx[j0 + j] * m->scale[r0 + i];
                    y[i] = (float)acc[j][i] * s;
                }
            }
        }
    }
}

static void i8_run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                   tb_pool *pool, int nthreads)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    i8_job jb = {m, x, n, y, scratch, (int8_t *)scratch + tb_i8_scratch_sx_bytes(n)};
    tb_pool_run(pool, nthreads, i8_quant_worker, &jb);
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kq * 64, 1),
                       i8_panels, &jb);
}

#endif
