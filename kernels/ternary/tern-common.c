/* tern-common.c - what the ternary formats share: the b1.58 quantization
 * recipe (weights and per-token activations, scalar reference), prepared
 * matrix allocation, scratch sizing, analytic op counts and the run() driver
 * that quantizes activations (for tiled impls also into the activation tiles
 * of the VNNI GEMM) and splits output rows over the pool.
 * Pure functions; the driver writes only its scratch and y. */
#include "tb-ternary.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

float tb_tern_quantize(const float *w, int64_t rows, int64_t cols, int8_t *q)
{
    int64_t count = rows * cols;
    double sum = 0.0;
    for (int64_t i = 0; i < count; i++)
        sum += fabs((double)w[i]);
    float s_w = (float)(sum / (double)count) + TB_TERN_EPS;
    /* round(x) clamped to [-1, 1], round half to even as nearbyintf in the
     * default mode: 1 iff x > 0.5 (0.5 itself rounds to 0), -1 iff
     * x < -0.5, NaN -> 0.  Compares instead of a libm call per weight, so
     * the loop vectorises; the same division, so the same result bit for bit. */
    for (int64_t i = 0; i < count; i++) {
        float x = w[i] / s_w;
        q[i] = (int8_t)((x > 0.5f) - (x < -0.5f));
    }
    return s_w;
}

void tb_tern_dequantize(const int8_t *q, int64_t count, float scale, float *out)
{
    for (int64_t i = 0; i < count; i++)
        out[i] = (float)q[i] * scale;
}

float tb_tern_quant_act_ref(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    float amax = 0.0f;
    for (int64_t c = 0; c < cols; c++) {
        float a = fabsf(x[c]);
        if (a > amax)
            amax = a;
    }
    float s = tb_tern_act_scale(amax);
    int32_t acc = 0;
    for (int64_t c = 0; c < cols; c++) {
        float v = nearbyintf(x[c] * s);
        /* NaN -> -127, as cvtps2dq's 0x80000000 clamped in the SIMD quantizers */
        int iv = v >= 127.0f ? 127 : v >= -127.0f ? (int)v : -127;
        q[c] = (int8_t)iv;
        acc += iv;
    }
    for (int64_t c = cols; c < kpad; c++)
        q[c] = 0;
    *sum = acc;
    return s;
}

/* ---- prepared matrices ---- */

static void *tern_alloc(size_t bytes)
{
    size_t n = (bytes + 63) / 64 * 64;
    void *p = aligned_alloc(64, n ? n : 64);
    if (p)
        memset(p, 0, n ? n : 64);
    return p;
}

int tb_tern_prepare(int fmt, const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    /* Column limits keep every int32 lane accumulator exact (see the kernels). */
    if (!w || !out || rows < 1 || cols < 1 || cols > (1 << 18) || rows > (1L << 31))
        return -EINVAL;
    int rc = -ENOMEM;
    int8_t *q = malloc((size_t)(rows * cols));
    tb_kmat *m = calloc(1, sizeof *m);
    if (!q || !m)
        goto fail;
    m->fmt = fmt;
    m->rows = rows;
    m->cols = cols;
    m->rpad = rows;
    m->wscale = tb_tern_quantize(w, rows, cols, q);
    if (!isfinite(m->wscale)) { /* NaN or Inf in w */
        rc = -EINVAL;
        goto fail;
    }
    switch (fmt) {
    case TB_TERN_TQ2:
        m->kpad = tb_tern_round_up(cols, TB_TQ2_BLOCK);
        m->row_bytes = tb_tq2_row_bytes(cols);
        m->data_bytes = (size_t)(rows * m->row_bytes);
        break;
    case TB_TERN_TQ1:
        m->kpad = tb_tern_round_up(cols, TB_TQ1_BLOCK);
        m->row_bytes = tb_tq1_row_bytes(cols);
        m->data_bytes = (size_t)(rows * m->row_bytes);
        break;
    case TB_TERN_TL:
        m->nwords = tb_tl_nwords(cols);
        m->kpad = m->nwords * TB_TL_WCOLS;
        m->rpad = tb_tl_rpad(rows);
        m->data_bytes = tb_tl_packed_bytes(rows, cols);
        break;
    default:
        rc = -EINVAL;
        goto fail;
    }
    m->xstride = tb_tern_round_up(m->kpad, 64);
    m->data = tern_alloc(m->data_bytes);
    if (!m->data)
        goto fail;
    if (fmt == TB_TERN_TQ2)
        tb_tq2_pack(q, rows, cols, m->data);
    else if (fmt == TB_TERN_TQ1)
        tb_tq1_pack(q, rows, cols, m->data);
    else
        tb_tl_pack(q, rows, cols, (uint16_t *)(void *)m->data);
    free(q);
    *out = m;
    return 0;
fail:
    free(q);
    tb_tern_free(m);
    return rc;
}

void tb_tern_free(tb_kmat *m)
{
    if (!m)
        return;
    free(m->data);
    free(m);
}

int tb_tern_clone(const tb_kmat *m, tb_kmat **out)
{
    tb_kmat *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = *m;
    c->data = tern_alloc(m->data_bytes);
    if (!c->data) {
        free(c);
        return -ENOMEM;
    }
    memcpy(c->data, m->data, m->data_bytes);
    *out = c;
    return 0;
}

size_t tb_tern_bytes(const tb_kmat *m, const void **base, size_t *base_len)
{
    if (base) {
        *base = m->data;
        *base_len = (m->data_bytes + 63) / 64 * 64;
    }
    return (m->data_bytes + 63) / 64 * 64;
}

int tb_tq2_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    return tb_tern_prepare(TB_TERN_TQ2, w, rows, cols, out);
}
int tb_tq1_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    return tb_tern_prepare(TB_TERN_TQ1, w, rows, cols, out);
}
int tb_tl_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    return tb_tern_prepare(TB_TERN_TL, w, rows, cols, out);
}

static size_t r64(size_t v) { return (v + 63) / 64 * 64; }

size_t tb_tern_scratch_bytes(const tb_kmat *m, int64_t n)
{
    return r64((size_t)(n * m->xstride)) + 2 * r64((size_t)n * 4);
}

static size_t tern_tiles_bytes(const tb_kmat *m, int64_t n)
{
    int64_t npad = tb_tern_round_up(n, TB_TERN_TILE);
    return (size_t)(npad * tb_tern_kgroups(m) * 4);
}

size_t tb_tern_scratch_bytes_tiled(const tb_kmat *m, int64_t n)
{
    return tb_tern_scratch_bytes(m, n) + (n > 1 ? tern_tiles_bytes(m, n) : 0);
}

size_t tb_tern_scratch_bytes_gemv_x(const tb_kmat *m, int64_t n, size_t xbytes)
{
    size_t a = tb_tern_scratch_bytes(m, n), b = tb_tern_scratch_bytes(m, 1) + r64(xbytes);
    return a > b ? a : b;
}

const uint32_t *tb_tern_tiles(const tb_kmat *m, const int8_t *xq, int64_t n)
{
    return (const uint32_t *)(const void *)(xq + tb_tern_scratch_bytes(m, n));
}

/* ---- analytic op counts ----
 * The paper counts a ternary matmul as int8 additions only: rows*cols*n.
 * fp32: one multiply per activation (quantization), one multiply per output
 * (epilogue) and one division per token (s_x, counted as a multiply). */
static void tern_ops(int64_t rows, int64_t cols, int64_t n, double wbytes, tb_counts *o)
{
    memset(o, 0, sizeof *o);
    o->v[TB_CNT_INT8_ADD] = (double)rows * (double)cols * (double)n;
    o->v[TB_CNT_FP32_MUL] = (double)n * (double)cols + (double)n * (double)rows + (double)n;
    o->v[TB_CNT_BYTES_WEIGHTS] = wbytes + 4.0; /* + the fp32 scale */
    o->v[TB_CNT_BYTES_ACTS] = 4.0 * (double)n * (double)cols;
    o->v[TB_CNT_BYTES_OUT] = 4.0 * (double)n * (double)rows;
}
void tb_tq2_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    tern_ops(rows, cols, n, (double)rows * (double)tb_tq2_row_bytes(cols), out);
}
void tb_tq1_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    tern_ops(rows, cols, n, (double)rows * (double)tb_tq1_row_bytes(cols), out);
}
void tb_tl_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    tern_ops(rows, cols, n, (double)tb_tl_packed_bytes(rows, cols), out);
}

/* ---- run() driver for tq2 / tq1 ---- */

typedef struct tern_job {
    const tb_tern_impl *impl;
    const tb_kmat *m;
    const float *x;
    int64_t n;
    float *y;
    int8_t *xq;
    int32_t *asum;
    float *fac;
    uint32_t *tiles; /* impl->tiled && n > 1, else NULL */
} tern_job;

static void tern_quant_token(const tern_job *j, int64_t t)
{
    const tb_kmat *m = j->m;
    float s = j->impl->quant(j->x + t * m->cols, m->cols, m->xstride, j->xq + t * m->xstride,
                             &j->asum[t]);
    j->fac[t] = tb_tern_act_factor(s, m->wscale);
    if (j->tiles) { /* the row is zero-padded to xstride >= 4 * kgroups */
        const int64_t kg = tb_tern_kgroups(m);
        const int8_t *q = j->xq + t * m->xstride;
        uint32_t *d = j->tiles + (t / TB_TERN_TILE) * kg * TB_TERN_TILE + t % TB_TERN_TILE;
        for (int64_t g = 0; g < kg; g++)
            memcpy(d + g * TB_TERN_TILE, q + 4 * g, 4);
    }
}

static void tern_quant_job(void *arg, int tid, int nt)
{
    const tern_job *j = arg;
    long b, e;
    tb_pool_split((long)j->n, j->tiles ? TB_TERN_TILE : 1, tid, nt, &b, &e);
    for (long t = b; t < e; t++)
        tern_quant_token(j, t);
}

/* GEMV: rows [r0, r1), a piece of tb_pool_run_shared (16-row multiples). */
static void tern_gemv_range(void *arg, long r0, long r1)
{
    const tern_job *j = arg;
    j->impl->gemv(j->m, j->xq, j->asum, j->fac, 1, j->y, r0, r1);
}

/* GEMM: rows [r0, r1), a piece of tb_pool_run_shared. */
static void tern_gemm_range(void *arg, long r0, long r1)
{
    const tern_job *j = arg;
    j->impl->gemm(j->m, j->xq, j->asum, j->fac, j->n, j->y, r0, r1);
}

void tb_tern_run(const tb_tern_impl *impl, const tb_kmat *m, const float *x, int64_t n,
                 float *y, void *scratch, tb_pool *pool, int nthreads)
{
    uint8_t *s = scratch;
    tern_job j = {
        .impl = impl, .m = m, .x = x, .n = n, .y = y,
        .xq = (int8_t *)s,
        .asum = (int32_t *)(void *)(s + r64((size_t)(n * m->xstride))),
        .fac = (float *)(void *)(s + r64((size_t)(n * m->xstride)) + r64((size_t)n * 4)),
        .tiles = impl->tiled && n > 1 ? (uint32_t *)(void *)(s + tb_tern_scratch_bytes(m, n))
                                      : NULL,
    };
    if (n <= 0)
        return;
    if (nthreads < 1)
        nthreads = 1;
    if (n == 1) {
        tern_quant_token(&j, 0);
        if (impl->gemv_x) {
            int8_t *out = (int8_t *)(s + tb_tern_scratch_bytes(m, 1));
            impl->gemv_x(m, j.xq, out);
            j.xq = out;
        }
        tb_pool_run_shared(pool, nthreads, (long)m->rows,
                           tb_pool_chunk_units((long)m->row_bytes, 16), tern_gemv_range, &j);
        return;
    }
    tb_pool_run(pool, nthreads, tern_quant_job, &j);
    /* pieces of whole 64-byte lines of y (16 rows); tiled GEMMs work on
     * 32-row blocks (two int8 panels, one tl tile) */
    const long align = j.tiles ? 32 : 16;
    tb_pool_run_shared(pool, nthreads, (long)m->rows,
                       tb_pool_chunk_units((long)m->row_bytes, align), tern_gemm_range, &j);
}
