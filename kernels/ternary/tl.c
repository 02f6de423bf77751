/* tl.c - ternary format "tl": activation-side lookup tables over groups of
 * g = 3 weights (layout in tb-ternary.h), in the spirit of T-MAC / TL2 but
 * with full 27-entry int16 tables (one vpermw table), so no sign mirroring.
 * Owns the tl pack/unpack, the scalar table build, the tl run() driver, the
 * scalar reference tl_ref and the family list tb_kernels_tl. */
#include "tb-ternary.h"

#include <string.h>

int64_t tb_tl_nwords(int64_t cols) { return (cols + TB_TL_WCOLS - 1) / TB_TL_WCOLS; }
int64_t tb_tl_rpad(int64_t rows) { return tb_tern_round_up(rows, TB_TL_ROWS); }
size_t tb_tl_packed_bytes(int64_t rows, int64_t cols)
{
    return (size_t)(tb_tl_rpad(rows) * tb_tl_nwords(cols) * 2);
}

void tb_tl_pack(const int8_t *q, int64_t rows, int64_t cols, uint16_t *dst)
{
    int64_t nw = tb_tl_nwords(cols), rp = tb_tl_rpad(rows);
    for (int64_t r = 0; r < rp; r++)
        for (int64_t m = 0; m < nw; m++) {
            unsigned word = 0;
            for (int j = 0; j < 3; j++) {
                unsigned idx = 0, p3 = 1;
                for (int i = 0; i < 3; i++, p3 *= 3) {
                    int64_t c = m * TB_TL_WCOLS + 3 * j + i;
                    unsigned d = (r < rows && c < cols) ? (unsigned)(q[r * cols + c] + 1) : 1u;
                    idx += d * p3;
                }
                word |= idx << (5 * j);
            }
            dst[((r / TB_TL_ROWS) * nw + m) * TB_TL_ROWS + r % TB_TL_ROWS] = (uint16_t)word;
        }
}

void tb_tl_unpack(const uint16_t *src, int64_t rows, int64_t cols, int8_t *q)
{
    int64_t nw = tb_tl_nwords(cols);
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++) {
            int64_t m = c / TB_TL_WCOLS, j = c % TB_TL_WCOLS / 3, i = c % 3;
            unsigned word = src[((r / TB_TL_ROWS) * nw + m) * TB_TL_ROWS + r % TB_TL_ROWS];
            unsigned idx = (word >> (5 * j)) & 31u;
            unsigned d = i == 0 ? idx % 3 : i == 1 ? idx / 3 % 3 : idx / 9;
            q[r * cols + c] = (int8_t)((int)d - 1);
        }
}

void tb_tl_build_tables_ref(const int8_t *xq, int64_t nwords, int16_t *tabs)
{
    for (int64_t g = 0; g < 3 * nwords; g++) {
        const int8_t *a = xq + 3 * g;
        int16_t *t = tabs + g * TB_TL_TAB;
        for (int i = 0; i < TB_TL_TAB; i++)
            t[i] = i < 27 ? (int16_t)((i % 3 - 1) * a[0] + (i / 3 % 3 - 1) * a[1] +
                                      (i / 9 - 1) * a[2])
                          : 0;
    }
}

/* ---- driver ---- */

static size_t r64(size_t v) { return (v + 63) / 64 * 64; }

/* Two table buffers: while the threads compute chunk i from one, they
 * quantize the tokens of chunk i+1 and build their tables into the other,
 * so a GEMM costs one pool hand-off per chunk.  Both parts are shared out
 * a piece at a time (tb_pool_chunks: tiles, then tokens), so a thread
 * slowed by its CPU takes less of either. */
size_t tb_tl_scratch_bytes(const tb_kmat *m, int64_t n)
{
    int64_t tc = n < TB_TL_TCHUNK ? n : TB_TL_TCHUNK;
    return r64((size_t)(n * m->xstride)) + 2 * r64((size_t)n * 4) +
           (n > 1 ? 2 : 1) * (size_t)(tc * tb_tl_tab_elems(m->nwords) * 2);
}

typedef struct tl_job {
    const tb_tl_impl *impl;
    const tb_kmat *m;
    const float *x;
    float *y;
    int8_t *xq;
    int32_t *asum;
    float *fac;
    int64_t c0, tc;      /* chunk to compute (tc == 0: none) */
    int16_t *tabs;       /* its tables */
    int64_t c0n, tcn;    /* chunk to prepare (tcn == 0: none) */
    int16_t *tabsn;      /* its tables */
    tb_pool_chunks tiles, toks; /* the step's pieces: tiles of chunk c0, tokens of chunk c0n */
} tl_job;

/* Quantize tokens c0 + [b, e) and build their tables (at tabs + b). */
static void tl_prep(const tl_job *j, int64_t c0, long b, long e, int16_t *tabs)
{
    const tb_kmat *m = j->m;
    for (long c = b; c < e; c++) {
        int64_t t = c0 + c;
        float s = j->impl->quant(j->x + t * m->cols, m->cols, m->xstride,
                                 j->xq + t * m->xstride, &j->asum[t]);
        j->fac[t] = tb_tern_act_factor(s, m->wscale);
        j->impl->build(j->xq + t * m->xstride, m->nwords, tabs + c * tb_tl_tab_elems(m->nwords));
    }
}

/* GEMV: tiles [t0, t1), a piece of tb_pool_run_shared (4-tile multiples). */
static void tl_gemv_range(void *arg, long t0, long t1)
{
    const tl_job *j = arg;
    j->impl->rows(j->m, j->tabs, 1, j->fac, j->y, t0, t1);
}

static void tl_step_job(void *arg, int tid, int nt)
{
    tl_job *j = arg;
    long b, e;
    (void)tid;
    (void)nt;
    /* pieces of whole 4-tile groups (128 rows, the SIMD pass): 512-byte boundaries in y */
    while (j->tc > 0 && tb_pool_chunks_next(&j->tiles, &b, &e))
        j->impl->rows(j->m, j->tabs, j->tc, j->fac + j->c0, j->y + j->c0 * j->m->rows, b, e);
    while (j->tcn > 0 && tb_pool_chunks_next(&j->toks, &b, &e))
        tl_prep(j, j->c0n, b, e, j->tabsn);
}

void tb_tl_run(const tb_tl_impl *impl, const tb_kmat *m, const float *x, int64_t n, float *y,
               void *scratch, tb_pool *pool, int nthreads)
{
    uint8_t *s = scratch;
    size_t xb = r64((size_t)(n * m->xstride)), nb = r64((size_t)n * 4);
    int64_t te = tb_tl_tab_elems(m->nwords);
    int16_t *buf[2] = {(int16_t *)(void *)(s + xb + 2 * nb), NULL};
    buf[1] = buf[0] + (n < TB_TL_TCHUNK ? n : TB_TL_TCHUNK) * te; /* used when n > TCHUNK */
    tl_job j = {
        .impl = impl, .m = m, .x = x, .y = y,
        .xq = (int8_t *)s,
        .asum = (int32_t *)(void *)(s + xb),
        .fac = (float *)(void *)(s + xb + nb),
    };
    if (n <= 0)
        return;
    if (nthreads < 1)
        nthreads = 1;
    if (n == 1) { /* GEMV: the caller prepares the one token, then one hand-off */
        tl_prep(&j, 0, 0, 1, buf[0]);
        j.tabs = buf[0];
        tb_pool_run_shared(pool, nthreads, (long)(m->rpad / TB_TL_ROWS),
                           tb_pool_chunk_units((long)(m->nwords * TB_TL_ROWS * 2), 4),
                           tl_gemv_range, &j);
        return;
    }
    /* step k computes chunk k-1 (if any) and prepares chunk k (if any) */
    for (int64_t k = 0, c = 0; c - TB_TL_TCHUNK < n; k++, c += TB_TL_TCHUNK) {
        j.c0 = c - TB_TL_TCHUNK;
        j.tc = k == 0 ? 0 : (n - j.c0 < TB_TL_TCHUNK ? n - j.c0 : TB_TL_TCHUNK);
        j.tabs = buf[(k + 1) & 1];
        j.c0n = c;
        j.tcn = c >= n ? 0 : (n - c < TB_TL_TCHUNK ? n - c : TB_TL_TCHUNK);
        j.tabsn = buf[k & 1];
        tb_pool_chunks_init(&j.tiles, (long)(m->rpad / TB_TL_ROWS),
                            tb_pool_chunk_units((long)(m->nwords * TB_TL_ROWS * 2), 4), nthreads);
        tb_pool_chunks_init(&j.toks, (long)j.tcn, 1, nthreads);
        tb_pool_run(pool, nthreads, tl_step_job, &j);
    }
}

/* ---- reference ---- */

static void tl_rows_ref(const tb_kmat *m, const int16_t *tabs, int64_t ntok, const float *fac,
                        float *y, int64_t t0, int64_t t1)
{
    const uint16_t *w = (const uint16_t *)(const void *)m->data;
    int64_t nw = m->nwords, te = tb_tl_tab_elems(nw);
    for (int64_t c = 0; c < ntok; c++)
        for (int64_t t = t0; t < t1; t++)
            for (int l = 0; l < TB_TL_ROWS; l++) {
                int64_t r = t * TB_TL_ROWS + l;
                if (r >= m->rows)
                    break;
                const int16_t *tab = tabs + c * te;
                int32_t acc = 0;
                for (int64_t k = 0; k < nw; k++) {
                    unsigned word = w[(t * nw + k) * TB_TL_ROWS + l];
                    for (int g = 0; g < 3; g++)
                        acc += tab[(3 * k + g) * TB_TL_TAB + ((word >> (5 * g)) & 31u)];
                }
                y[c * m->rows + r] = (float)acc * fac[c];
            }
}

static void tl_run_ref(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                       tb_pool *pool, int nthreads)
{
    static const tb_tl_impl impl = {tb_tern_quant_act_ref, tb_tl_build_tables_ref, tl_rows_ref};
    tb_tl_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_ref = {
    .name = "tl_ref", .format = "tl", .isa = "scalar", .isa_mask = 0,
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tl_scratch_bytes,
    .run = tl_run_ref, .ops = tb_tl_ops,
};

const tb_kernel *const tb_kernels_tl[] = {
    &tb_k_tl_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_tl_avx2,
    &tb_k_tl_avx512,
    &tb_k_tl_avx512vnni,
#endif
    NULL,
};
