/* tern-gemm-neoni8mm.c - the GEMM driver of tq2_neoni8mm and tq1_neoni8mm
 * (contract: tern-neoni8mm.h).  Tokens are split between threads in pairs
 * (one token tile each), rows in 16-row blocks (one SMMLA panel; a 64-byte
 * line of y per boundary).  Thread-safe for disjoint calls' scratch. */
#include "tern-neoni8mm.h"

static size_t r64(size_t v) { return (v + 63) / 64 * 64; }

static inline int64_t ksteps(const tb_kmat *m) { return m->kpad / TB_MM_STEP; }

static size_t tiles_offset(const tb_kmat *m, int64_t n)
{
    return r64((size_t)(n * m->xstride)) + 2 * r64((size_t)n * 4);
}

size_t tb_tern_scratch_bytes_neoni8mm(const tb_kmat *m, int64_t n)
{
    return tiles_offset(m, n) + (size_t)((n + 1) / 2 * ksteps(m) * 16);
}

typedef struct tern_mm_job {
    const tb_kmat *m;
    tb_mm_panel_fn panel;
    int64_t kb;
    const float *x;
    int64_t n;
    float *y;
    int8_t *xq;
    int32_t *asum;
    float *fac;
    int8_t *xt;
} tern_mm_job;

static void tern_epi(const void *ctx, int64_t tok, int64_t row, int nr, const int32_t *acc,
                     float *y)
{
    (void)row;
    const tern_mm_job *j = ctx;
    const int32_t asum = j->asum[tok];
    const float f = j->fac[tok];
    for (int r = 0; r < nr; r++)
        y[r] = (float)(acc[r] - asum) * f;
}

static void quant_job(void *arg, int tid, int nt)
{
    const tern_mm_job *j = arg;
    const tb_kmat *m = j->m;
    long b, e;
    tb_pool_split((long)j->n, 2, tid, nt, &b, &e);
    for (long t = b; t < e; t++) {
        const float s = tb_tern_quant_act_ref(j->x + t * m->cols, m->cols, m->xstride,
                                              j->xq + t * m->xstride, &j->asum[t]);
        j->fac[t] = tb_tern_act_factor(s, m->wscale);
    }
    tb_mm_pack_tokens(j->xq, m->xstride, m->kpad, j->n, b, e, ksteps(m), j->xt);
}

/* Rows [r0, r1), a piece of tb_pool_run_shared (whole panels). */
static void rows_range(void *arg, long r0, long r1)
{
    const tern_mm_job *j = arg;
    const tb_kmat *m = j->m;
    for (int64_t r = r0; r < r1; r += TB_MM_ROWS) {
        const int nr = r1 - r < TB_MM_ROWS ? (int)(r1 - r) : TB_MM_ROWS;
        tb_mm_block(m, j->panel, j, tern_epi, r, nr, ksteps(m), j->kb, j->xt, j->n, j->y,
                    m->rows);
    }
}

void tb_tern_run_neoni8mm(const tb_kernel *gemv, tb_mm_panel_fn panel, int64_t kb,
                          const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                          tb_pool *pool, int nthreads)
{
    if (n == 1) {
        gemv->run(m, x, n, y, scratch, pool, nthreads);
        return;
    }
    if (n <= 0)
        return;
    uint8_t *s = scratch;
    const size_t xb = r64((size_t)(n * m->xstride)), nb = r64((size_t)n * 4);
    tern_mm_job j = {
        .m = m, .panel = panel, .kb = kb, .x = x, .n = n, .y = y,
        .xq = (int8_t *)s,
        .asum = (int32_t *)(void *)(s + xb),
        .fac = (float *)(void *)(s + xb + nb),
        .xt = (int8_t *)(s + tiles_offset(m, n)),
    };
    tb_pool_run(pool, nthreads, quant_job, &j);
    tb_pool_run_shared(pool, nthreads, (long)m->rows,
                       tb_pool_chunk_units((long)m->row_bytes, TB_MM_ROWS), rows_range, &j);
}
