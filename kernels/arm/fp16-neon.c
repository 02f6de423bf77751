/* fp16-neon.c - variant fp16_neon (AArch64 Advanced SIMD, Armv8.0): the
 * fp16 weights (layout of kernels/fp16/fp16-internal.h: panels of 16 rows,
 * one column = 16 halves = 32 bytes) widened by fcvtl (exact) and multiplied
 * in fp32 FMA, fp32 accumulation, activations used as they are.  Same
 * arithmetic as fp16_avx2, so the same bound vs fp16_ref (1e-10, fp32 vs
 * fp64 accumulation; kernels/README.md).  GEMV: one token, two accumulator
 * sets (even / odd columns, 8 FMA chains).  GEMM: up to 4 tokens share each
 * widened column (16 accumulators).  Threads split the panels (16-row bounds).
 * Native fp16 arithmetic (FMLA .8h) is not used: it would round the
 * activations and the sums to 11 bits, far outside this bound. */
#include <arm_neon.h>

#include "fp16/fp16-internal.h"

#define NJ 4
#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float *x;
    int64_t n;
    float *y;
} job;

INLINE void widen(const uint16_t *w, float32x4_t v[4])
{
    const float16x8_t lo = vreinterpretq_f16_u16(vld1q_u16(w));
    const float16x8_t hi = vreinterpretq_f16_u16(vld1q_u16(w + 8));
    v[0] = vcvt_f32_f16(vget_low_f16(lo));
    v[1] = vcvt_high_f32_f16(lo);
    v[2] = vcvt_f32_f16(vget_low_f16(hi));
    v[3] = vcvt_high_f32_f16(hi);
}

INLINE void store_rows(float *y, const float32x4_t a[4], int nr)
{
    if (nr == TB_F16_PANEL) {
        for (int i = 0; i < 4; i++)
            vst1q_f32(y + 4 * i, a[i]);
        return;
    }
    float t[TB_F16_PANEL];
    for (int i = 0; i < 4; i++)
        vst1q_f32(t + 4 * i, a[i]);
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

static void gemv_panel(const uint16_t *w, int64_t cols, const float *x, float *y, int nr)
{
    float32x4_t a[2][4];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 4; i++)
            a[s][i] = vdupq_n_f32(0);
    int64_t c = 0;
    for (; c + 2 <= cols; c += 2) {
        __builtin_prefetch(w + (c + 32) * TB_F16_PANEL);
        float32x4_t v0[4], v1[4];
        widen(w + c * TB_F16_PANEL, v0);
        widen(w + (c + 1) * TB_F16_PANEL, v1);
        for (int i = 0; i < 4; i++) {
            a[0][i] = vfmaq_n_f32(a[0][i], v0[i], x[c]);
            a[1][i] = vfmaq_n_f32(a[1][i], v1[i], x[c + 1]);
        }
    }
    for (; c < cols; c++) {
        float32x4_t v[4];
        widen(w + c * TB_F16_PANEL, v);
        for (int i = 0; i < 4; i++)
            a[0][i] = vfmaq_n_f32(a[0][i], v[i], x[c]);
    }
    for (int i = 0; i < 4; i++)
        a[0][i] = vaddq_f32(a[0][i], a[1][i]);
    store_rows(y, a[0], nr);
}

INLINE void gemm_panel(const int nj, const uint16_t *w, int64_t cols, const float *x,
                       float *y, int64_t rows, int nr)
{
    float32x4_t a[NJ][4];
    for (int j = 0; j < NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i] = vdupq_n_f32(0);
    for (int64_t c = 0; c < cols; c++) {
        float32x4_t v[4];
        widen(w + c * TB_F16_PANEL, v);
        for (int j = 0; j < nj; j++) {
            const float xv = x[j * cols + c];
            for (int i = 0; i < 4; i++)
                a[j][i] = vfmaq_n_f32(a[j][i], v[i], xv);
        }
    }
    for (int j = 0; j < nj; j++)
        store_rows(y + j * rows, a[j], nr);
}

/* Panels [p0, p1), a piece of tb_pool_run_shared. */
static void panels(void *arg, long p0, long p1)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * m->cols * TB_F16_PANEL;
        const int64_t r0 = p * TB_F16_PANEL;
        const int nr = m->rows - r0 < TB_F16_PANEL ? (int)(m->rows - r0) : TB_F16_PANEL;
        if (jb->n == 1) {
            gemv_panel(w, m->cols, jb->x, jb->y + r0, nr);
            continue;
        }
        for (int64_t j0 = 0; j0 < jb->n; j0 += NJ) {
            const float *x = jb->x + j0 * m->cols;
            float *y = jb->y + j0 * m->rows + r0;
            switch (jb->n - j0 < NJ ? (int)(jb->n - j0) : NJ) {
            case 1: gemm_panel(1, w, m->cols, x, y, m->rows, nr); break;
            case 2: gemm_panel(2, w, m->cols, x, y, m->rows, nr); break;
            case 3: gemm_panel(3, w, m->cols, x, y, m->rows, nr); break;
            default: gemm_panel(4, w, m->cols, x, y, m->rows, nr); break;
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    job jb = {tb_f16mat_of(km), x, n, y};
    tb_pool_run_shared(pool, nthreads, (long)jb.m->npanels,
                       tb_pool_chunk_units((long)jb.m->cols * TB_F16_PANEL * 2, 1), panels, &jb);
}

const tb_kernel tb_k_fp16_neon = {
    .name = "fp16_neon",
    .format = "fp16",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "fp16_ref",
    .max_nmse = 1e-10,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_fp16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = tb_fp16_scratch_none,
    .run = run,
    .ops = tb_fp16_ops,
};
