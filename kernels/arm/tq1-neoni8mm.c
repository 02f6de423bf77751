/* tq1-neoni8mm.c - variant tq1_neoni8mm (AArch64 Advanced SIMD + dotprod +
 * i8mm).  GEMV (n = 1): tq1_neondot's run(), unchanged.  GEMM (n > 1): per
 * 16-row block and K block of 960 columns (3 tq1 blocks), the rows' codes
 * are decoded once into the SMMLA panel of mm-neoni8mm.h (15 KiB, L1) and
 * multiplied by every token tile (driver: tern-gemm-neoni8mm.c).
 * Decoding a row pair: per 16-byte quarter c of a 64-byte block, the 5
 * base-3 digits (t_{i+1} = 3 t_i mod 256, digit (3 t_i) >> 8 = [t >= 86] +
 * [t >= 171], as tq1_neondot) are the 16 codes of columns 64i + 16c .. +15
 * of each row in natural order; zip1/zip2 of their 64-bit halves are the
 * row-pair operands of steps (64i + 16c) / 8 and the next. */
#include "tern-neoni8mm.h"

extern const tb_kernel tb_k_tq1_neondot;

#define TQ1_STEPS (TB_TQ1_BLOCK / TB_MM_STEP) /* 40 steps per block */
#define TQ1_KB (3 * TQ1_STEPS)                /* 960 columns per K block */
_Static_assert(TQ1_KB <= TB_MM_KS_MAX, "tq1: K block exceeds the panel");

/* the digit (0..2) of every byte of t */
static inline int64x2_t digit(uint8x16_t t)
{
    const uint8x16_t neg = vaddq_u8(vcgeq_u8(t, vdupq_n_u8(86)), vcgeq_u8(t, vdupq_n_u8(171)));
    return vreinterpretq_s64_s8(vnegq_s8(vreinterpretq_s8_u8(neg)));
}

static inline uint8x16_t times3(uint8x16_t t) { return vaddq_u8(vaddq_u8(t, t), t); }

static void tq1_panel(const void *mat, int64_t row, int nr, int64_t s0, int64_t ns, int8_t *panel)
{
    const tb_kmat *m = mat;
    const int64_t b0 = s0 / TQ1_STEPS, b1 = (s0 + ns) / TQ1_STEPS;
    for (int i = 0; i < TB_MM_ROWS / 2; i++) {
        const int has0 = 2 * i < nr, has1 = 2 * i + 1 < nr;
        const uint8_t *w0 = has0 ? m->data + (row + 2 * i) * m->row_bytes : NULL;
        const uint8_t *w1 = has1 ? w0 + m->row_bytes : NULL;
        for (int64_t b = b0; b < b1; b++) {
            int8_t *d = panel + ((b - b0) * TQ1_STEPS) * 128 + 16 * i;
            for (int c = 0; c < 4; c++) {
                uint8x16_t t0 = has0 ? vld1q_u8(w0 + b * 64 + 16 * c) : vdupq_n_u8(0);
                uint8x16_t t1 = has1 ? vld1q_u8(w1 + b * 64 + 16 * c) : vdupq_n_u8(0);
                for (int k = 0; k < 5; k++) {
                    const int64x2_t c0 = digit(t0), c1 = digit(t1);
                    const int64_t s = 8 * k + 2 * c;
                    vst1q_s8(d + s * 128, vreinterpretq_s8_s64(vzip1q_s64(c0, c1)));
                    vst1q_s8(d + (s + 1) * 128, vreinterpretq_s8_s64(vzip2q_s64(c0, c1)));
                    t0 = times3(t0);
                    t1 = times3(t1);
                }
            }
        }
    }
}

static void tq1_run(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                    tb_pool *pool, int nthreads)
{
    tb_tern_run_neoni8mm(&tb_k_tq1_neondot, tq1_panel, TQ1_KB, m, x, n, y, scratch, pool,
                         nthreads);
}

const tb_kernel tb_k_tq1_neoni8mm = {
    .name = "tq1_neoni8mm", .format = "tq1", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes_neoni8mm,
    .run = tq1_run, .ops = tb_tq1_ops,
};
