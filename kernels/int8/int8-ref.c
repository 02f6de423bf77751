/* int8-ref.c - format "int8" (W8A8, per-row weight scale, per-token
 * activation scale): weight quantization + packing shared by every variant,
 * the scalar activation quantizer that defines the rounding, analytic
 * costs, the scalar reference variant int8_ref (portable C, no ISA flags)
 * and the family list tb_kernels_int8[] that kernels/registry.c links in.
 * Integer accumulation is exact, so SIMD variants must match int8_ref bit
 * for bit (max_nmse 0). */
#include "int8-internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline int8_t q127(float v)
{
    float r = rintf(v); /* round half to even in the default FP environment */
    if (r > 127.0f)
        r = 127.0f;
    if (r < -127.0f)
        r = -127.0f;
    return (int8_t)r;
}

float tb_i8_quant_row(const float *x, int64_t cols, int64_t kq, int8_t *xq)
{
    float a = 0.0f;
    for (int64_t c = 0; c < cols; c++)
        a = fmaxf(a, fabsf(x[c]));
    const float inv = a > 0.0f ? 127.0f / a : 0.0f;
    for (int64_t c = 0; c < cols; c++)
        xq[c] = q127(x[c] * inv);
    for (int64_t c = cols; c < kq * TB_I8_KG; c++)
        xq[c] = 0;
    return a > 0.0f ? a / 127.0f : 0.0f;
}

float tb_i8_quant_weights(const float *w, int64_t cols, int8_t *wq)
{
    return tb_i8_quant_row(w, cols, (cols + TB_I8_KG - 1) / TB_I8_KG, wq);
}

int tb_i8_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    if (rows <= 0 || cols <= 0)
        return -EINVAL;
    if (cols > TB_I8_MAX_COLS)
        return -E2BIG;
    int8_t *row = NULL;
    tb_i8mat *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->rows = rows;
    m->cols = cols;
    m->npanels = (rows + TB_I8_PANEL - 1) / TB_I8_PANEL;
    m->kq = (cols + TB_I8_KG - 1) / TB_I8_KG;
    size_t wbytes = (size_t)m->npanels * (size_t)m->kq * 64;
    size_t vbytes = ((size_t)m->npanels * TB_I8_PANEL * 4 + 63) & ~(size_t)63;
    m->w = aligned_alloc(64, wbytes);
    m->scale = aligned_alloc(64, vbytes);
    m->corr = aligned_alloc(64, vbytes);
    row = malloc((size_t)m->kq * TB_I8_KG);
    if (!m->w || !m->scale || !m->corr || !row)
        goto fail;
    memset(m->w, 0, wbytes);
    memset(m->scale, 0, vbytes);
    memset(m->corr, 0, vbytes);
    for (int64_t r = 0; r < rows; r++) {
        const int64_t p = r / TB_I8_PANEL, i = r % TB_I8_PANEL;
        m->scale[r] = tb_i8_quant_weights(w + r * cols, cols, row);
        int32_t sum = 0;
        for (int64_t c = 0; c < m->kq * TB_I8_KG; c++) {
            m->w[((p * m->kq + c / TB_I8_KG) * TB_I8_PANEL + i) * TB_I8_KG + c % TB_I8_KG] = row[c];
            sum += row[c];
        }
        m->corr[r] = -128 * sum;
    }
    free(row);
    *out = (tb_kmat *)m;
    return 0;
fail:
    free(row);
    tb_i8_free((tb_kmat *)m);
    return -ENOMEM;
}

void tb_i8_free(tb_kmat *km)
{
    tb_i8mat *m = (tb_i8mat *)km;
    if (!m)
        return;
    free(m->w);
    free(m->scale);
    free(m->corr);
    free(m);
}

static size_t i8_wbytes(const tb_i8mat *m) { return (size_t)m->npanels * (size_t)m->kq * 64; }
static size_t i8_vbytes(const tb_i8mat *m) { return ((size_t)m->npanels * TB_I8_PANEL * 4 + 63) & ~(size_t)63; }

int tb_i8_clone(const tb_kmat *km, tb_kmat **out)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    tb_i8mat *c = calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    c->rows = m->rows, c->cols = m->cols, c->npanels = m->npanels, c->kq = m->kq;
    c->w = aligned_alloc(64, i8_wbytes(m));
    c->scale = aligned_alloc(64, i8_vbytes(m));
    c->corr = aligned_alloc(64, i8_vbytes(m));
    if (!c->w || !c->scale || !c->corr) {
        tb_i8_free((tb_kmat *)c);
        return -ENOMEM;
    }
    memcpy(c->w, m->w, i8_wbytes(m));
    memcpy(c->scale, m->scale, i8_vbytes(m));
    memcpy(c->corr, m->corr, i8_vbytes(m));
    *out = (tb_kmat *)c;
    return 0;
}

size_t tb_i8_bytes(const tb_kmat *km, const void **base, size_t *base_len)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    if (base) {
        *base = m->w;
        *base_len = i8_wbytes(m);
    }
    return i8_wbytes(m) + 2 * i8_vbytes(m);
}

size_t tb_i8_scratch_bytes(const tb_kmat *km, int64_t n)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    return tb_i8_scratch_sx_bytes(n) + 2 * tb_i8_scratch_area_bytes(m, n);
}

void tb_i8_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    double macs = (double)rows * (double)cols * (double)n;
    int64_t rpad = (rows + TB_I8_PANEL - 1) / TB_I8_PANEL * TB_I8_PANEL;
    int64_t cpad = (cols + TB_I8_KG - 1) / TB_I8_KG * TB_I8_KG;
    *out = (tb_counts){{0}};
    out->v[TB_CNT_INT8_MUL] = macs;
    out->v[TB_CNT_INT8_ADD] = macs; /* accumulation (int32 in hardware; the paper's int8 add class) */
    /* quantizing x: one multiply per element; epilogue: two per output */
    out->v[TB_CNT_FP32_MUL] = (double)n * (double)cols + 2.0 * (double)n * (double)rows;
    out->v[TB_CNT_BYTES_WEIGHTS] = (double)rpad * (double)cpad + (double)rpad * 8; /* + scale, corr */
    out->v[TB_CNT_BYTES_ACTS] = (double)n * (double)cols * 4;
    out->v[TB_CNT_BYTES_OUT] = (double)n * (double)rows * 4;
}

/* ---- scalar reference ---- */

typedef struct ref_job {
    const tb_i8mat *m;
    const float *x;
    int64_t n;
    float *y;
    float *sx;
    int8_t *xq; /* n rows of kq*4 bytes */
} ref_job;

static void ref_quant_worker(void *arg, int tid, int nthreads)
{
    const ref_job *jb = arg;
    const int64_t cols = jb->m->cols, kq = jb->m->kq;
    long j0, j1;
    tb_pool_split((long)jb->n, 1, tid, nthreads, &j0, &j1);
    for (int64_t j = j0; j < j1; j++)
        jb->sx[j] = tb_i8_quant_row(jb->x + j * cols, cols, kq, jb->xq + j * kq * TB_I8_KG);
}

static void ref_worker(void *arg, int tid, int nthreads)
{
    const ref_job *jb = arg;
    const tb_i8mat *m = jb->m;
    const int64_t kq = m->kq;
    long p0, p1;
    tb_pool_split((long)m->npanels, 1, tid, nthreads, &p0, &p1);
    for (int64_t p = p0; p < p1; p++) {
        const int8_t *w = m->w + p * kq * 64;
        for (int64_t j = 0; j < jb->n; j++) {
            const int8_t *xq = jb->xq + j * kq * TB_I8_KG;
            int32_t acc[TB_I8_PANEL] = {0};
            for (int64_t q = 0; q < kq; q++)
                for (int i = 0; i < TB_I8_PANEL; i++)
                    for (int h = 0; h < TB_I8_KG; h++)
                        acc[i] += (int32_t)xq[q * TB_I8_KG + h] *
                                  (int32_t)w[(q * TB_I8_PANEL + i) * TB_I8_KG + h];
            for (int i = 0; i < TB_I8_PANEL; i++) {
                const int64_t r = p * TB_I8_PANEL + i;
                if (r < m->rows) {
                    const float s = jb->sx[j] * m->scale[r];
                    jb->y[j * m->rows + r] = (float)acc[i] * s;
                }
            }
        }
    }
}

static void ref_run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                    tb_pool *pool, int nthreads)
{
    const tb_i8mat *m = tb_i8mat_of(km);
    ref_job jb = {m, x, n, y, scratch, (int8_t *)scratch + tb_i8_scratch_sx_bytes(n)};
    tb_pool_run(pool, nthreads, ref_quant_worker, &jb);
    tb_pool_run(pool, nthreads, ref_worker, &jb);
}

const tb_kernel tb_k_int8_ref = {
    .name = "int8_ref",
    .format = "int8",
    .isa = "scalar",
    .isa_mask = 0,
    .ref = "int8_ref",
    .max_nmse = 0,
    .bits_per_weight = 8,
    .act = TB_ACT_I8,
    .prepare = tb_i8_prepare,
    .free = tb_i8_free,
    .clone = tb_i8_clone,
    .bytes = tb_i8_bytes,
    .scratch_bytes = tb_i8_scratch_bytes,
    .run = ref_run,
    .ops = tb_i8_ops,
};

const tb_kernel *const tb_kernels_int8[] = {
    &tb_k_int8_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_int8_avx2,
    &tb_k_int8_avxvnni,
    &tb_k_int8_avx512vnni,
#endif
    NULL,
};
