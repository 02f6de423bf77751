/* bf16-neonbf16.c - variant bf16_neonbf16 (AArch64 with FEAT_BF16, HWCAP2
 * bf16: Armv8.2-A optional, 8.6-A mandatory, e.g. Neoverse V1/N2, Graviton 3):
 * BFDOT by lane (vbfdotq_laneq_f32) straight on the bf16 layout of
 * kernels/fp16/fp16-internal.h.  A 16-byte load of a pair step holds 4 rows x
 * (column 2q, 2q+1), which is BFDOT's pair-per-lane operand; one 16-byte
 * activation load holds 4 pair steps, picked by lane, so nothing is widened.
 *
 * Activations are rounded to bf16 (RNE, NaN kept quiet: bit for bit as
 * bf16_ref, bf16-neon-round.h; not bfcvt) inside run(), timed, into the
 * scratch, zero-padded to a multiple of 4 pair steps.  Accuracy vs bf16_ref:
 * the same bf16 operands and exact products; BFDOT adds each pair and the
 * accumulator with fp32-width roundings (and flushes fp32 denormals, which
 * only products below 2^-126 reach), so the error is that of an fp32
 * accumulation: NMSE ~ K 2^-48, bound 1e-9 as bf16_avx512bf16 (vdpbf16ps,
 * the same pairwise operation).
 *
 * GEMV: per 4 pair steps 16 weight loads and 16 BFDOT into 8 chains (even /
 * odd steps apart).  GEMM: up to 4 tokens share each weight load (16
 * accumulators).  Threads split the panels.  BFMMLA (2x4 by 4x2 tiles) would
 * need the pair steps re-zipped per row pair; not done. */
#include <arm_neon.h>

#include "bf16-neon-round.h"

#define NJ 4
#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    const uint16_t *xb; /* n rows of 2 * kp4 bf16 (kp4 = kstep rounded up to 4) */
    int64_t kp4, n;
    float *y;
} job;

static int64_t kp4_of(const tb_f16mat *m) { return (m->kstep + 3) / 4 * 4; }

static size_t scratch_bytes(const tb_kmat *km, int64_t n)
{
    return (size_t)n * (size_t)(2 * kp4_of(tb_f16mat_of(km))) * sizeof(uint16_t);
}

#define WV(q, i) vreinterpretq_bf16_u16(vld1q_u16(w + (q) * 32 + 8 * (i)))
#define XV(p) vreinterpretq_bf16_u16(vld1q_u16(p))

INLINE void store_rows(float *y, const float32x4_t a[4], int nr)
{
    float t[TB_F16_PANEL];
    for (int i = 0; i < 4; i++)
        vst1q_f32(t + 4 * i, a[i]);
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

static void gemv_panel(const uint16_t *w, int64_t pairs, const uint16_t *xb, float *y, int nr)
{
    float32x4_t a0[4], a1[4];
    for (int i = 0; i < 4; i++)
        a0[i] = a1[i] = vdupq_n_f32(0);
#define GEMV_STEP(acc, q, l)                                         \
    do {                                                             \
        for (int i = 0; i < 4; i++)                                  \
            acc[i] = vbfdotq_laneq_f32(acc[i], WV(q, i), xv, l);     \
    } while (0)
    int64_t q0 = 0;
    for (; q0 + 4 <= pairs; q0 += 4) {
        __builtin_prefetch(w + (q0 + 32) * 32);
        __builtin_prefetch(w + (q0 + 34) * 32);
        const bfloat16x8_t xv = XV(xb + 2 * q0);
        GEMV_STEP(a0, q0, 0);
        GEMV_STEP(a1, q0 + 1, 1);
        GEMV_STEP(a0, q0 + 2, 2);
        GEMV_STEP(a1, q0 + 3, 3);
    }
    if (q0 < pairs) { /* 1..3 steps left; xb is padded to 4 */
        const bfloat16x8_t xv = XV(xb + 2 * q0);
        GEMV_STEP(a0, q0, 0);
        if (q0 + 1 < pairs)
            GEMV_STEP(a1, q0 + 1, 1);
        if (q0 + 2 < pairs)
            GEMV_STEP(a0, q0 + 2, 2);
    }
#undef GEMV_STEP
    for (int i = 0; i < 4; i++)
        a0[i] = vaddq_f32(a0[i], a1[i]);
    store_rows(y, a0, nr);
}

INLINE void gemm_panel(const int nj, const uint16_t *w, int64_t pairs, const uint16_t *xb,
                       int64_t kp4, float *y, int64_t rows, int nr)
{
    float32x4_t a[NJ][4];
    for (int j = 0; j < NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i] = vdupq_n_f32(0);
#define GEMM_STEP(q, l)                                                      \
    do {                                                                     \
        const bfloat16x8_t w0 = WV(q, 0), w1 = WV(q, 1), w2 = WV(q, 2), w3 = WV(q, 3); \
        for (int j = 0; j < nj; j++) {                                       \
            a[j][0] = vbfdotq_laneq_f32(a[j][0], w0, xv[j], l);              \
            a[j][1] = vbfdotq_laneq_f32(a[j][1], w1, xv[j], l);              \
            a[j][2] = vbfdotq_laneq_f32(a[j][2], w2, xv[j], l);              \
            a[j][3] = vbfdotq_laneq_f32(a[j][3], w3, xv[j], l);              \
        }                                                                    \
    } while (0)
    for (int64_t q0 = 0; q0 < pairs; q0 += 4) {
        bfloat16x8_t xv[NJ];
        for (int j = 0; j < nj; j++)
            xv[j] = XV(xb + j * 2 * kp4 + 2 * q0);
        GEMM_STEP(q0, 0);
        if (q0 + 4 <= pairs) {
            GEMM_STEP(q0 + 1, 1);
            GEMM_STEP(q0 + 2, 2);
            GEMM_STEP(q0 + 3, 3);
        } else {
            if (q0 + 1 < pairs)
                GEMM_STEP(q0 + 1, 1);
            if (q0 + 2 < pairs)
                GEMM_STEP(q0 + 2, 2);
        }
    }
#undef GEMM_STEP
    for (int j = 0; j < nj; j++)
        store_rows(y + j * rows, a[j], nr);
}

static void worker(void *arg, int tid, int nthreads)
{
    const job *jb = arg;
    const tb_f16mat *m = jb->m;
    const int64_t pairs = m->kstep;
    long p0, p1;
    tb_pool_split((long)m->npanels, 1, tid, nthreads, &p0, &p1);
    for (int64_t p = p0; p < p1; p++) {
        const uint16_t *w = m->w + p * pairs * 32;
        const int64_t r0 = p * TB_F16_PANEL;
        const int nr = m->rows - r0 < TB_F16_PANEL ? (int)(m->rows - r0) : TB_F16_PANEL;
        if (jb->n == 1) {
            gemv_panel(w, pairs, jb->xb, jb->y + r0, nr);
            continue;
        }
        for (int64_t j0 = 0; j0 < jb->n; j0 += NJ) {
            const uint16_t *xb = jb->xb + j0 * 2 * jb->kp4;
            float *y = jb->y + j0 * m->rows + r0;
            switch (jb->n - j0 < NJ ? (int)(jb->n - j0) : NJ) {
            case 1: gemm_panel(1, w, pairs, xb, jb->kp4, y, m->rows, nr); break;
            case 2: gemm_panel(2, w, pairs, xb, jb->kp4, y, m->rows, nr); break;
            case 3: gemm_panel(3, w, pairs, xb, jb->kp4, y, m->rows, nr); break;
            default: gemm_panel(4, w, pairs, xb, jb->kp4, y, m->rows, nr); break;
            }
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    const int64_t kp4 = kp4_of(m);
    uint16_t *xb = scratch;
    for (int64_t j = 0; j < n; j++)
        tb_bf16_round_row_neon(x + j * m->cols, m->cols, 2 * kp4, xb + j * 2 * kp4);
    job jb = {m, xb, kp4, n, y};
    tb_pool_run(pool, nthreads, worker, &jb);
}

const tb_kernel tb_k_bf16_neonbf16 = {
    .name = "bf16_neonbf16",
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
