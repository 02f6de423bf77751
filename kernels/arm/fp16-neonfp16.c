/* fp16-neonfp16.c - variant fp16_neonfp16 (AArch64 with half-precision
 * arithmetic, FEAT_FP16: Armv8.2-A optional, e.g. Cortex-A76, Neoverse N1):
 * the fp16 weights (layout of kernels/fp16/fp16-internal.h: panels of 16
 * rows, one column = 16 halves = two float16x8) multiplied by native FMLA
 * .8h (vfmaq_laneq_f16) with no widening of the weights.
 *
 * Accuracy.  Half-precision sums lose bits quickly (11-bit significand), so
 * each fp16 accumulator sums only TB_NFP16_CHAIN = 8 products, then the
 * block is widened (fcvtl, exact) and added to fp32 accumulators.  The
 * error vs fp16_ref therefore does not grow with K: per product it is the
 * activation's rounding to fp16 (relative u = 2^-11) plus, per chain of L
 * products, L roundings of partial sums of ~sqrt(k) products each; with
 * uniform rounding errors (variance u^2/3) the NMSE (normalised by the
 * products' energy, as tests/kernels/test-kernels-verify.c does) is about
 * (u^2/3) (1 + (L+1)/2) = 4.4e-7 for L = 8 (1.4e-6 for L = 32 and 5e-4
 * for whole rows of K = 13824, which is why the chains are short).
 * Measured under qemu over the verification's 205 shapes: median 2.2e-7,
 * 1.8e-7 .. 2.6e-7 at K = 2051 .. 13824 (flat in K), the largest 1.3e-6 for
 * a single output (1 x 129, n = 1: one squared error, heavy-tailed); with 4
 * other seeds the medians were 2.3e-7 and the largest 1.4e-6.  Bound
 * `max_nmse` 4e-6: ~10x the estimate, room for single-output shapes, still
 * 100x below what fp16 sums over whole rows give.
 *
 * Range.  The activations of each token are scaled by a power of two (exact)
 * so that max |x s| lies in [128, 256) before rounding to fp16, and y is
 * multiplied by 1/s in fp32: fp16's range then holds any activation scale,
 * and a chain of 8 products overflows only if some |w| > 32 (fp16 max 65504
 * / (8 * 256)); LLM weight matrices stay far below that.  Such an overflow
 * shows as inf/NaN in y, never as a silently wrong finite value.
 *
 * GEMV: per 16-column block, two accumulator sets (even / odd columns, 4
 * FMLA chains of 8), widened into four float32x4.  GEMM: up to 4 tokens share
 * each column's weight vectors; per 8-column block 8 chains (4 tokens x 2
 * row halves).  Threads split the panels.  Activations are scaled and
 * rounded to fp16 inside run() (timed) into the scratch. */
#include <arm_neon.h>
#include <math.h>

#include "fp16/fp16-internal.h"

#define NJ 4
#define TB_NFP16_CHAIN 8 /* products per fp16 accumulator before widening */
#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float16_t *xh; /* n rows of cols halves: x * s rounded to fp16 */
    const float *inv_s;  /* per token 1 / s */
    int64_t n;
    float *y;
} job;

static size_t inv_bytes(int64_t n) { return ((size_t)n * sizeof(float) + 63) / 64 * 64; }

static size_t scratch_bytes(const tb_kmat *km, int64_t n)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    return inv_bytes(n) + (size_t)n * (size_t)m->cols * sizeof(float16_t);
}

/* One token: s = 2^(8 - e) with max |x| = f 2^e, f in [0.5, 1), the exponent
 * clamped so that s and 1/s are normal floats; s = 1 when max |x| is 0 or
 * not finite (the result is then what the reference gives: 0, inf or NaN). */
static void round_token(const float *x, int64_t cols, float16_t *xh, float *inv_s)
{
    float32x4_t mx = vdupq_n_f32(0);
    int64_t c = 0;
    for (; c + 4 <= cols; c += 4)
        mx = vmaxq_f32(mx, vabsq_f32(vld1q_f32(x + c)));
    float m = vmaxvq_f32(mx);
    for (; c < cols; c++) /* fmax/fmaxv propagate NaN; fmaxf would drop it */
        m = x[c] != x[c] || m != m ? NAN : fmaxf(m, fabsf(x[c]));
    int sh = 0;
    if (m > 0 && isfinite(m)) {
        int e;
        (void)frexpf(m, &e);
        sh = 8 - e;
        sh = sh < -96 ? -96 : sh > 96 ? 96 : sh;
    }
    const float s = ldexpf(1.0f, sh);
    *inv_s = ldexpf(1.0f, -sh);
    const float32x4_t sv = vdupq_n_f32(s);
    for (c = 0; c + 8 <= cols; c += 8) {
        const float32x4_t a = vmulq_f32(vld1q_f32(x + c), sv);
        const float32x4_t b = vmulq_f32(vld1q_f32(x + c + 4), sv);
        vst1q_f16(xh + c, vcombine_f16(vcvt_f16_f32(a), vcvt_f16_f32(b)));
    }
    for (; c < cols; c++)
        xh[c] = (float16_t)(x[c] * s);
}

INLINE void add_wide(float32x4_t a[4], float16x8_t lo, float16x8_t hi)
{
    a[0] = vaddq_f32(a[0], vcvt_f32_f16(vget_low_f16(lo)));
    a[1] = vaddq_f32(a[1], vcvt_high_f32_f16(lo));
    a[2] = vaddq_f32(a[2], vcvt_f32_f16(vget_low_f16(hi)));
    a[3] = vaddq_f32(a[3], vcvt_high_f32_f16(hi));
}

INLINE void store_rows(float *y, const float32x4_t a[4], float inv_s, int nr)
{
    float t[TB_F16_PANEL];
    for (int i = 0; i < 4; i++)
        vst1q_f32(t + 4 * i, vmulq_n_f32(a[i], inv_s));
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

#define WLO(c) vld1q_f16((const float16_t *)(const void *)(w + (c) * TB_F16_PANEL))
#define WHI(c) vld1q_f16((const float16_t *)(const void *)(w + (c) * TB_F16_PANEL + 8))

/* GEMV step: columns c0 + 2k (set 0) and c0 + 2k + 1 (set 1), activations
 * in lanes l, l + 1 of xv. */
#define GEMV_PAIR(off, xv, l)                                              \
    do {                                                                   \
        h00 = vfmaq_laneq_f16(h00, WLO(c0 + (off)), xv, l);               \
        h01 = vfmaq_laneq_f16(h01, WHI(c0 + (off)), xv, l);               \
        h10 = vfmaq_laneq_f16(h10, WLO(c0 + (off) + 1), xv, (l) + 1);     \
        h11 = vfmaq_laneq_f16(h11, WHI(c0 + (off) + 1), xv, (l) + 1);     \
    } while (0)

static void gemv_panel(const uint16_t *w, int64_t cols, const float16_t *xh, float inv_s,
                       float *y, int nr)
{
    float32x4_t a[4];
    for (int i = 0; i < 4; i++)
        a[i] = vdupq_n_f32(0);
    int64_t c0 = 0;
    /* full blocks of 2 * TB_NFP16_CHAIN = 16 columns */
    for (; c0 + 16 <= cols; c0 += 16) {
        __builtin_prefetch(w + (c0 + 48) * TB_F16_PANEL);
        __builtin_prefetch(w + (c0 + 56) * TB_F16_PANEL);
        const float16x8_t x0 = vld1q_f16(xh + c0), x1 = vld1q_f16(xh + c0 + 8);
        float16x8_t h00 = vdupq_n_f16(0), h01 = h00, h10 = h00, h11 = h00;
        GEMV_PAIR(0, x0, 0);
        GEMV_PAIR(2, x0, 2);
        GEMV_PAIR(4, x0, 4);
        GEMV_PAIR(6, x0, 6);
        GEMV_PAIR(8, x1, 0);
        GEMV_PAIR(10, x1, 2);
        GEMV_PAIR(12, x1, 4);
        GEMV_PAIR(14, x1, 6);
        add_wide(a, h00, h01);
        add_wide(a, h10, h11);
    }
    /* the last < 16 columns: one set, chains of at most 8 */
    while (c0 < cols) {
        const int64_t ce = cols - c0 < TB_NFP16_CHAIN ? cols : c0 + TB_NFP16_CHAIN;
        float16x8_t lo = vdupq_n_f16(0), hi = lo;
        for (int64_t c = c0; c < ce; c++) {
            lo = vfmaq_n_f16(lo, WLO(c), xh[c]);
            hi = vfmaq_n_f16(hi, WHI(c), xh[c]);
        }
        add_wide(a, lo, hi);
        c0 = ce;
    }
    store_rows(y, a, inv_s, nr);
}

/* GEMM: nj tokens (x rows xh + j * cols), 8-column blocks. */
INLINE void gemm_panel(const int nj, const uint16_t *w, int64_t cols, const float16_t *xh,
                       const float *inv_s, float *y, int64_t rows, int nr)
{
    float32x4_t a[NJ][4];
    for (int j = 0; j < NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i] = vdupq_n_f32(0);
    int64_t c0 = 0;
    for (; c0 + TB_NFP16_CHAIN <= cols; c0 += TB_NFP16_CHAIN) {
        __builtin_prefetch(w + (c0 + 32) * TB_F16_PANEL);
        float16x8_t xv[NJ], lo[NJ], hi[NJ];
        for (int j = 0; j < nj; j++) {
            xv[j] = vld1q_f16(xh + j * cols + c0);
            lo[j] = hi[j] = vdupq_n_f16(0);
        }
#define GEMM_COL(l)                                                   \
    do {                                                              \
        const float16x8_t wl = WLO(c0 + (l)), wh = WHI(c0 + (l));     \
        for (int j = 0; j < nj; j++) {                                \
            lo[j] = vfmaq_laneq_f16(lo[j], wl, xv[j], l);             \
            hi[j] = vfmaq_laneq_f16(hi[j], wh, xv[j], l);             \
        }                                                             \
    } while (0)
        GEMM_COL(0);
        GEMM_COL(1);
        GEMM_COL(2);
        GEMM_COL(3);
        GEMM_COL(4);
        GEMM_COL(5);
        GEMM_COL(6);
        GEMM_COL(7);
#undef GEMM_COL
        for (int j = 0; j < nj; j++)
            add_wide(a[j], lo[j], hi[j]);
    }
    if (c0 < cols) { /* < 8 columns left: one more short chain */
        float16x8_t lo[NJ], hi[NJ];
        for (int j = 0; j < nj; j++)
            lo[j] = hi[j] = vdupq_n_f16(0);
        for (int64_t c = c0; c < cols; c++) {
            const float16x8_t wl = WLO(c), wh = WHI(c);
            for (int j = 0; j < nj; j++) {
                lo[j] = vfmaq_n_f16(lo[j], wl, xh[j * cols + c]);
                hi[j] = vfmaq_n_f16(hi[j], wh, xh[j * cols + c]);
            }
        }
        for (int j = 0; j < nj; j++)
            add_wide(a[j], lo[j], hi[j]);
    }
    for (int j = 0; j < nj; j++)
        store_rows(y + j * rows, a[j], inv_s[j], nr);
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
            gemv_panel(w, m->cols, jb->xh, jb->inv_s[0], jb->y + r0, nr);
            continue;
        }
        for (int64_t j0 = 0; j0 < jb->n; j0 += NJ) {
            const float16_t *xh = jb->xh + j0 * m->cols;
            const float *is = jb->inv_s + j0;
            float *y = jb->y + j0 * m->rows + r0;
            switch (jb->n - j0 < NJ ? (int)(jb->n - j0) : NJ) {
            case 1: gemm_panel(1, w, m->cols, xh, is, y, m->rows, nr); break;
            case 2: gemm_panel(2, w, m->cols, xh, is, y, m->rows, nr); break;
            case 3: gemm_panel(3, w, m->cols, xh, is, y, m->rows, nr); break;
            default: gemm_panel(4, w, m->cols, xh, is, y, m->rows, nr); break;
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    float *inv_s = scratch;
    float16_t *xh = (float16_t *)(void *)((char *)scratch + inv_bytes(n));
    for (int64_t j = 0; j < n; j++)
        round_token(x + j * m->cols, m->cols, xh + j * m->cols, inv_s + j);
    job jb = {m, xh, inv_s, n, y};
    tb_pool_run_shared(pool, nthreads, (long)m->npanels,
                       tb_pool_chunk_units((long)m->cols * TB_F16_PANEL * 2, 1), panels, &jb);
}

const tb_kernel tb_k_fp16_neonfp16 = {
    .name = "fp16_neonfp16",
    .format = "fp16",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "fp16_ref",
    .max_nmse = 4e-6,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_fp16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = scratch_bytes,
    .run = run,
    .ops = tb_fp16_ops,
};
