/* fp16-ref.c - formats "fp16" and "bf16": quantize+pack (shared by every
 * variant of the format), analytic costs, the scalar reference variants
 * fp16_ref / bf16_ref (portable C, no ISA flags; the oracles the SIMD
 * variants are checked against), and the family lists tb_kernels_fp16[] and
 * tb_kernels_bf16[] that kernels/registry.c links in.
 *
 * The references accumulate in double and round once to float, so they are
 * closer to the exact product of the quantized operands than any fp32
 * accumulator; the SIMD variants (fp32 accumulators) are bound by NMSE. */
#include "fp16-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- prepare / free ---- */

static int f16mat_alloc(int64_t rows, int64_t cols, int64_t kstep, int64_t halves_per_step,
                        tb_f16mat **out)
{
    if (rows <= 0 || cols <= 0)
        return -EINVAL;
    tb_f16mat *m = calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->rows = rows;
    m->cols = cols;
    m->npanels = (rows + TB_F16_PANEL - 1) / TB_F16_PANEL;
    m->kstep = kstep;
    size_t bytes = (size_t)m->npanels * (size_t)kstep * (size_t)halves_per_step * 2;
    bytes = (bytes + 63) & ~(size_t)63;
    m->w = aligned_alloc(64, bytes);
    m->wbytes = bytes;
    if (!m->w) {
        free(m);
        return -ENOMEM;
    }
    *out = m;
    return 0;
}

int tb_fp16_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    tb_f16mat *m;
    int rc = f16mat_alloc(rows, cols, cols, TB_F16_PANEL, &m);
    if (rc)
        return rc;
    for (int64_t p = 0; p < m->npanels; p++) {
        uint16_t *dst = m->w + p * cols * TB_F16_PANEL;
        for (int i = 0; i < TB_F16_PANEL; i++) {
            int64_t r = p * TB_F16_PANEL + i;
            const float *src = w + r * cols;
            for (int64_t c = 0; c < cols; c++)
                dst[c * TB_F16_PANEL + i] = r < rows ? tb_fp16_from_f32(src[c]) : 0;
        }
    }
    *out = (tb_kmat *)m;
    return 0;
}

int tb_bf16_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    tb_f16mat *m;
    int64_t pairs = (cols + 1) / 2;
    int rc = f16mat_alloc(rows, cols, pairs, 2 * TB_F16_PANEL, &m);
    if (rc)
        return rc;
    for (int64_t p = 0; p < m->npanels; p++) {
        uint16_t *dst = m->w + p * pairs * 2 * TB_F16_PANEL;
        for (int i = 0; i < TB_F16_PANEL; i++) {
            int64_t r = p * TB_F16_PANEL + i;
            for (int64_t c = 0; c < 2 * pairs; c++) {
                float v = (r < rows && c < cols) ? w[r * cols + c] : 0.0f;
                dst[((c / 2) * TB_F16_PANEL + i) * 2 + (c & 1)] = tb_bf16_from_f32(v);
            }
        }
    }
    *out = (tb_kmat *)m;
    return 0;
}

void tb_f16mat_free(tb_kmat *km)
{
    tb_f16mat *m = (tb_f16mat *)km;
    if (!m)
        return;
    free(m->w);
    free(m);
}

int tb_f16mat_clone(const tb_kmat *km, tb_kmat **out)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    tb_f16mat *c = malloc(sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = *m;
    c->w = aligned_alloc(64, m->wbytes);
    if (!c->w) {
        free(c);
        return -ENOMEM;
    }
    memcpy(c->w, m->w, m->wbytes);
    *out = (tb_kmat *)c;
    return 0;
}

size_t tb_f16mat_bytes(const tb_kmat *km, const void **base, size_t *base_len)
{
    if (base) {
        *base = tb_f16mat_of(km)->w;
        *base_len = tb_f16mat_of(km)->wbytes;
    }
    return tb_f16mat_of(km)->wbytes;
}

size_t tb_fp16_scratch_none(const tb_kmat *m, int64_t n) { return 0; }

size_t tb_fp16_scratch_tiles(const tb_kmat *km, int64_t n)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    if (n <= 1)
        return 0;
    int64_t npad = (n + TB_F16_NJ_MAX - 1) / TB_F16_NJ_MAX * TB_F16_NJ_MAX;
    return (size_t)npad * (size_t)m->cols * sizeof(float);
}

size_t tb_bf16_scratch_tiles(const tb_kmat *km, int64_t n)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    int64_t npad = (n + TB_F16_NJ_MAX - 1) / TB_F16_NJ_MAX * TB_F16_NJ_MAX;
    return (size_t)npad * (size_t)m->kstep * sizeof(uint32_t);
}

/* ---- analytic costs ---- */

void tb_fp16_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    double macs = (double)rows * (double)cols * (double)n;
    int64_t rpad = (rows + TB_F16_PANEL - 1) / TB_F16_PANEL * TB_F16_PANEL;
    *out = (tb_counts){{0}};
    out->v[TB_CNT_FP32_MUL] = macs; /* halves are widened; products and sums are fp32 */
    out->v[TB_CNT_FP32_ADD] = macs;
    out->v[TB_CNT_BYTES_WEIGHTS] = (double)rpad * (double)cols * 2;
    out->v[TB_CNT_BYTES_ACTS] = (double)n * (double)cols * 4;
    out->v[TB_CNT_BYTES_OUT] = (double)n * (double)rows * 4;
}

void tb_bf16_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out)
{
    double macs = (double)rows * (double)cols * (double)n;
    int64_t rpad = (rows + TB_F16_PANEL - 1) / TB_F16_PANEL * TB_F16_PANEL;
    int64_t cpad = (cols + 1) / 2 * 2;
    *out = (tb_counts){{0}};
    out->v[TB_CNT_FP16_MUL] = macs; /* bf16 x bf16 products (16-bit float class) */
    out->v[TB_CNT_FP32_ADD] = macs; /* accumulated in fp32 */
    out->v[TB_CNT_BYTES_WEIGHTS] = (double)rpad * (double)cpad * 2;
    out->v[TB_CNT_BYTES_ACTS] = (double)n * (double)cols * 4;
    out->v[TB_CNT_BYTES_OUT] = (double)n * (double)rows * 4;
}

/* ---- scalar references (split over panels on the pool) ---- */

typedef struct ref_job {
    const tb_f16mat *m;
    const float *x;
    int64_t n;
    float *y;
    int bf16;
} ref_job;

static void ref_worker(void *arg, int tid, int nthreads)
{
    const ref_job *jb = arg;
    const tb_f16mat *m = jb->m;
    long p0, p1;
    tb_pool_split((long)m->npanels, 1, tid, nthreads, &p0, &p1);
    for (int64_t p = p0; p < p1; p++) {
        for (int64_t j = 0; j < jb->n; j++) {
            const float *x = jb->x + j * m->cols;
            double acc[TB_F16_PANEL] = {0};
            if (!jb->bf16) {
                const uint16_t *w = m->w + p * m->cols * TB_F16_PANEL;
                for (int64_t c = 0; c < m->cols; c++)
                    for (int i = 0; i < TB_F16_PANEL; i++)
                        acc[i] += (double)tb_fp16_to_f32(w[c * TB_F16_PANEL + i]) * (double)x[c];
            } else {
                const uint16_t *w = m->w + p * m->kstep * 2 * TB_F16_PANEL;
                for (int64_t c = 0; c < m->cols; c++) {
                    /* activations rounded to bf16 as the hardware path does */
                    double xv = tb_bf16_to_f32(tb_bf16_from_f32(x[c]));
                    const uint16_t *wc = w + (c / 2) * 2 * TB_F16_PANEL + (c & 1);
                    for (int i = 0; i < TB_F16_PANEL; i++)
                        acc[i] += (double)tb_bf16_to_f32(wc[2 * i]) * xv;
                }
            }
            for (int i = 0; i < TB_F16_PANEL; i++) {
                int64_t r = p * TB_F16_PANEL + i;
                if (r < m->rows)
                    jb->y[j * m->rows + r] = (float)acc[i];
            }
        }
    }
}

static void fp16_ref_run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                         tb_pool *pool, int nthreads)
{
    ref_job jb = {tb_f16mat_of(km), x, n, y, 0};
    tb_pool_run(pool, nthreads, ref_worker, &jb);
}

static void bf16_ref_run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                         tb_pool *pool, int nthreads)
{
    ref_job jb = {tb_f16mat_of(km), x, n, y, 1};
    tb_pool_run(pool, nthreads, ref_worker, &jb);
}

const tb_kernel tb_k_fp16_ref = {
    .name = "fp16_ref",
    .format = "fp16",
    .isa = "scalar",
    .isa_mask = 0,
    .ref = "fp16_ref",
    .max_nmse = 0,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_fp16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = tb_fp16_scratch_none,
    .run = fp16_ref_run,
    .ops = tb_fp16_ops,
};

const tb_kernel tb_k_bf16_ref = {
    .name = "bf16_ref",
    .format = "bf16",
    .isa = "scalar",
    .isa_mask = 0,
    .ref = "bf16_ref",
    .max_nmse = 0,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_bf16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = tb_fp16_scratch_none,
    .run = bf16_ref_run,
    .ops = tb_bf16_ops,
};

const tb_kernel *const tb_kernels_fp16[] = {
    &tb_k_fp16_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_fp16_avx2,
    &tb_k_fp16_avx512,
#endif
    NULL,
};

const tb_kernel *const tb_kernels_bf16[] = {
    &tb_k_bf16_ref,
#ifdef TB_ISA_REQ_AVX2 /* x86 build: its variants (the Arm ones: kernels/arm/) */
    &tb_k_bf16_avx2,
    &tb_k_bf16_avx512bf16,
#endif
    NULL,
};
