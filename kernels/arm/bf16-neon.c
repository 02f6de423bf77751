/* bf16-neon.c - variant bf16_neon (AArch64 Advanced SIMD, Armv8.0: every
 * AArch64 CPU): bf16 weights (layout of kernels/fp16/fp16-internal.h: panels
 * of 16 rows, pair steps of two columns, one u32 per row) widened to fp32 by
 * a 16-bit shift (even column) and a mask (odd column), both exact, and
 * multiplied in fp32 FMA (FMLA .4s), fp32 accumulation.
 *
 * Activations are rounded to bf16 (RNE, NaN kept quiet: bit for bit as
 * bf16_ref, bf16-neon-round.h) inside run(), timed, into the scratch as fp32
 * (zero-padded to an even count).  Same arithmetic as bf16_avx2: the same
 * bf16 operands, exact products, fp32 vs fp64 accumulation: NMSE ~ K 2^-48
 * / 6, bound 1e-9 as bf16_avx2 and bf16_avx512bf16.
 *
 * GEMV: per pair step four 16-byte loads (16 rows), 8 FMA chains (even and
 * odd columns apart).  GEMM: up to 4 tokens share each widened pair step
 * (16 accumulators).  Threads split the panels. */
#include <arm_neon.h>

#include "bf16-neon-round.h"

#define NJ 4
#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const float *xr; /* n rows of 2 * kstep floats: x rounded to bf16 */
    int64_t n;
    float *y;
} job;

static size_t scratch_bytes(const tb_kmat *km, int64_t n)
{
    return (size_t)n * (size_t)(2 * tb_f16mat_of(km)->kstep) * sizeof(float);
}

static void round_token(const float *x, int64_t cols, int64_t kpad, float *out)
{
    int64_t c = 0;
    for (; c + 4 <= cols; c += 4)
        vst1q_f32(out + c, vreinterpretq_f32_u32(vshlq_n_u32(tb_bf16_round4_neon(vld1q_f32(x + c)), 16)));
    for (; c < cols; c++)
        out[c] = tb_bf16_to_f32(tb_bf16_from_f32(x[c]));
    for (; c < kpad; c++)
        out[c] = 0.0f;
}

/* One pair step of 16 rows widened: e[i] the even column, o[i] the odd. */
INLINE void widen(const uint16_t *wq, float32x4_t e[4], float32x4_t o[4])
{
    const uint32x4_t hi16 = vdupq_n_u32(0xffff0000u);
    for (int i = 0; i < 4; i++) {
        const uint32x4_t v = vld1q_u32((const uint32_t *)(const void *)(wq + 8 * i));
        e[i] = vreinterpretq_f32_u32(vshlq_n_u32(v, 16));
        o[i] = vreinterpretq_f32_u32(vandq_u32(v, hi16));
    }
}

INLINE void store_rows(float *y, const float32x4_t a[4], int nr)
{
    float t[TB_F16_PANEL];
    for (int i = 0; i < 4; i++)
        vst1q_f32(t + 4 * i, a[i]);
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

static void gemv_panel(const uint16_t *w, int64_t pairs, const float *x, float *y, int nr)
{
    float32x4_t ae[4], ao[4];
    for (int i = 0; i < 4; i++)
        ae[i] = ao[i] = vdupq_n_f32(0);
    for (int64_t q = 0; q < pairs; q++) {
        const uint16_t *wq = w + q * 32;
        __builtin_prefetch(wq + 32 * 32);
        float32x4_t e[4], o[4];
        widen(wq, e, o);
        for (int i = 0; i < 4; i++) {
            ae[i] = vfmaq_n_f32(ae[i], e[i], x[2 * q]);
            ao[i] = vfmaq_n_f32(ao[i], o[i], x[2 * q + 1]);
        }
    }
    for (int i = 0; i < 4; i++)
        ae[i] = vaddq_f32(ae[i], ao[i]);
    store_rows(y, ae, nr);
}

INLINE void gemm_panel(const int nj, const uint16_t *w, int64_t pairs, const float *x, float *y,
                       int64_t rows, int nr)
{
    float32x4_t a[NJ][4];
    for (int j = 0; j < NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i] = vdupq_n_f32(0);
    for (int64_t q = 0; q < pairs; q++) {
        float32x4_t e[4], o[4];
        widen(w + q * 32, e, o);
        for (int j = 0; j < nj; j++) {
            const float xe = x[j * 2 * pairs + 2 * q], xo = x[j * 2 * pairs + 2 * q + 1];
            for (int i = 0; i < 4; i++)
                a[j][i] = vfmaq_n_f32(vfmaq_n_f32(a[j][i], e[i], xe), o[i], xo);
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
    const int64_t pairs = m->kstep;
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * pairs * 32;
        const int64_t r0 = p * TB_F16_PANEL;
        const int nr = m->rows - r0 < TB_F16_PANEL ? (int)(m->rows - r0) : TB_F16_PANEL;
        if (jb->n == 1) {
            gemv_panel(w, pairs, jb->xr, jb->y + r0, nr);
            continue;
        }
        for (int64_t j0 = 0; j0 < jb->n; j0 += NJ) {
            const float *x = jb->xr + j0 * 2 * pairs;
            float *y = jb->y + j0 * m->rows + r0;
            switch (jb->n - j0 < NJ ? (int)(jb->n - j0) : NJ) {
            case 1: gemm_panel(1, w, pairs, x, y, m->rows, nr); break;
            case 2: gemm_panel(2, w, pairs, x, y, m->rows, nr); break;
            case 3: gemm_panel(3, w, pairs, x, y, m->rows, nr); break;
            default: gemm_panel(4, w, pairs, x, y, m->rows, nr); break;
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    const int64_t kpad = 2 * m->kstep;
    float *xr = scratch;
    for (int64_t j = 0; j < n; j++)
        round_token(x + j * m->cols, m->cols, kpad, xr + j * kpad);
    job jb = {m, xr, n, y};
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kstep * 64, 1),
                       panels, &jb);
}

const tb_kernel tb_k_bf16_neon = {
    .name = "bf16_neon",
    .format = "bf16",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "bf16_ref",
    .max_nmse = 1e-9,
    .bits_per_weight = 16,
    .act = TB_ACT_F32,
    .prepare = tb_bf16_prepare,
    .free = tb_f16mat_free,
    .clone = tb_f16mat_clone,
    .bytes = tb_f16mat_bytes,
    .scratch_bytes = scratch_bytes,
    .run = run,
    .ops = tb_bf16_ops,
};
