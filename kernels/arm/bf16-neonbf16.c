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
 * odd steps apart), activations in one row (2 kp4 bf16).
 * GEMM (n > 1): BFMMLA, 2 rows x 4 columns of weights times 4 columns x 2
 * tokens per instruction.  Two pair steps of 4 rows (two 16-byte loads) zip
 * (zip1/zip2 .4s) into the row pairs' 2x4 operands; activations are packed
 * per token pair and 4 columns (16 bytes: token 2t's 4 bf16, then token
 * 2t+1's; an odd last token is paired with zeros).  Tile 16 rows x 4 tokens:
 * 16 accumulators of 2x2, 8 loads + 8 zips + 16 BFMMLA per 4 columns
 * (BFDOT by lane would take 32).  Threads split the panels. */
#include <arm_neon.h>

#include "bf16-neon-round.h"

#define NJ 4
#define INLINE static inline __attribute__((always_inline))

typedef struct job {
    const tb_f16mat *m;
    /* n == 1: one row of 2 kp4 bf16 (kp4 = kstep rounded up to 4);
     * n > 1: ceil(n / 2) token pairs of kp4 / 2 blocks of 8 bf16 (pack_pairs) */
    const uint16_t *xb;
    int64_t kp4, n;
    float *y;
} job;

static int64_t kp4_of(const tb_f16mat *m) { return (m->kstep + 3) / 4 * 4; }

static size_t scratch_bytes(const tb_kmat *km, int64_t n)
{
    const int64_t ne = (n + 1) / 2 * 2; /* tokens padded to pairs */
    return (size_t)ne * (size_t)(2 * kp4_of(tb_f16mat_of(km))) * sizeof(uint16_t);
}

/* Tokens j, j+1 (x1 == NULL: a zero token) rounded to bf16 and interleaved
 * by 4 columns: out[8 b + h] = token h/4's column 4 b + h % 4. */
static void pack_pair(const float *x0, const float *x1, int64_t cols, int64_t kp4, uint16_t *out)
{
    const int64_t nb = kp4 / 2; /* blocks of 4 columns */
    int64_t b = 0;
    for (; 4 * b + 4 <= cols; b++) {
        const uint16x4_t a = vmovn_u32(tb_bf16_round4_neon(vld1q_f32(x0 + 4 * b)));
        const uint16x4_t c = x1 ? vmovn_u32(tb_bf16_round4_neon(vld1q_f32(x1 + 4 * b))) : vdup_n_u16(0);
        vst1q_u16(out + 8 * b, vcombine_u16(a, c));
    }
    for (; b < nb; b++)
        for (int h = 0; h < 4; h++) {
            const int64_t c = 4 * b + h;
            out[8 * b + h] = c < cols ? tb_bf16_from_f32(x0[c]) : 0;
            out[8 * b + 4 + h] = c < cols && x1 ? tb_bf16_from_f32(x1[c]) : 0;
        }
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

/* GEMM tile: 16 rows (8 row pairs) x ntp token pairs (1 or 2); xp: the
 * token pairs' packed rows (kp4 * 4 bf16 each); nt valid tokens (1..4). */
INLINE void gemm_panel(const int ntp, const uint16_t *w, int64_t pairs, const uint16_t *xp,
                       int64_t kp4, float *y, int64_t rows, int nr, int nt)
{
    float32x4_t a[2][8];
    for (int t = 0; t < 2; t++)
        for (int r = 0; r < 8; r++)
            a[t][r] = vdupq_n_f32(0);
    const uint32x4_t zero = vdupq_n_u32(0);
    for (int64_t q = 0; q < pairs; q += 2) {
        bfloat16x8_t xv[2];
        for (int t = 0; t < ntp; t++)
            xv[t] = XV(xp + t * 4 * kp4 + 4 * q);
        const uint32_t *w0 = (const uint32_t *)(const void *)(w + q * 32);
        const int two = q + 1 < pairs; /* the next panel follows: never read past kstep */
        for (int g = 0; g < 4; g++) {
            const uint32x4_t s0 = vld1q_u32(w0 + 4 * g);
            const uint32x4_t s1 = two ? vld1q_u32(w0 + 16 + 4 * g) : zero;
            const bfloat16x8_t lo = vreinterpretq_bf16_u32(vzip1q_u32(s0, s1)); /* rows 4g, 4g+1 */
            const bfloat16x8_t hi = vreinterpretq_bf16_u32(vzip2q_u32(s0, s1)); /* rows 4g+2, 4g+3 */
            for (int t = 0; t < ntp; t++) {
                a[t][2 * g] = vbfmmlaq_f32(a[t][2 * g], lo, xv[t]);
                a[t][2 * g + 1] = vbfmmlaq_f32(a[t][2 * g + 1], hi, xv[t]);
            }
        }
    }
    /* a[t][r] = (row 2r, tokens 2t, 2t+1; row 2r+1, tokens 2t, 2t+1) */
    for (int t = 0; t < ntp; t++)
        for (int r = 0; r < 8; r++) {
            float v[4];
            vst1q_f32(v, a[t][r]);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    if (2 * r + i < nr && 2 * t + j < nt)
                        y[(2 * t + j) * rows + 2 * r + i] = v[2 * i + j];
        }
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
            gemv_panel(w, pairs, jb->xb, jb->y + r0, nr);
            continue;
        }
        for (int64_t j0 = 0; j0 < jb->n; j0 += NJ) {
            const uint16_t *xp = jb->xb + j0 * 2 * jb->kp4; /* pair j0 / 2 */
            float *y = jb->y + j0 * m->rows + r0;
            const int nt = jb->n - j0 < NJ ? (int)(jb->n - j0) : NJ;
            if (nt > 2)
                gemm_panel(2, w, pairs, xp, jb->kp4, y, m->rows, nr, nt);
            else
                gemm_panel(1, w, pairs, xp, jb->kp4, y, m->rows, nr, nt);
        }
    }
}

static void run(const tb_kmat *km, const float *x, int64_t n, float *y, void *scratch,
                tb_pool *pool, int nthreads)
{
    const tb_f16mat *m = tb_f16mat_of(km);
    const int64_t kp4 = kp4_of(m);
    uint16_t *xb = scratch;
    if (n == 1)
        tb_bf16_round_row_neon(x, m->cols, 2 * kp4, xb);
    else
        for (int64_t j = 0; j < n; j += 2)
            pack_pair(x + j * m->cols, j + 1 < n ? x + (j + 1) * m->cols : NULL, m->cols, kp4,
                      xb + j * 2 * kp4);
    job jb = {m, xb, kp4, n, y};
    tb_pool_run_shared(pool, nthreads, (long)m->npanels, tb_pool_chunk_units((long)m->kstep * 64, 1),
                       panels, &jb);
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
