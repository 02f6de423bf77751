/* tq2-neoni8mm.c - variant tq2_neoni8mm (AArch64 Advanced SIMD + dotprod +
 * i8mm).  GEMV (n = 1): tq2_neondot's run(), unchanged.  GEMM (n > 1): per
 * 16-row block and K block of 1024 columns (4 tq2 blocks), the rows' codes
 * are decoded once into the SMMLA panel of mm-neoni8mm.h (16 KiB, L1) and
 * multiplied by every token tile (driver: tern-gemm-neoni8mm.c).
 * Decoding a row pair: per 16-byte quarter c of a 64-byte block, shift + AND
 * give, for k = 0..3, the 16 codes of columns 64k + 16c .. +15 of each row in
 * natural order; zip1/zip2 of their 64-bit halves are the two row-pair
 * operands of steps (64k + 16c) / 8 and the next. */
#include "tern-neoni8mm.h"

extern const tb_kernel tb_k_tq2_neondot;

#define TQ2_STEPS (TB_TQ2_BLOCK / TB_MM_STEP) /* 32 steps per block */
#define TQ2_KB (4 * TQ2_STEPS)                /* 1024 columns per K block */
_Static_assert(TQ2_KB <= TB_MM_KS_MAX, "tq2: K block exceeds the panel");

static void tq2_panel(const void *mat, int64_t row, int nr, int64_t s0, int64_t ns, int8_t *panel)
{
    const tb_kmat *m = mat;
    const uint8x16_t m3 = vdupq_n_u8(3);
    const int64_t b0 = s0 / TQ2_STEPS, b1 = (s0 + ns) / TQ2_STEPS;
    for (int i = 0; i < TB_MM_ROWS / 2; i++) {
        const int has0 = 2 * i < nr, has1 = 2 * i + 1 < nr;
        const uint8_t *w0 = has0 ? m->data + (row + 2 * i) * m->row_bytes : NULL;
        const uint8_t *w1 = has1 ? w0 + m->row_bytes : NULL;
        for (int64_t b = b0; b < b1; b++) {
            int8_t *d = panel + ((b - b0) * TQ2_STEPS) * 128 + 16 * i;
            for (int c = 0; c < 4; c++) {
                const uint8x16_t v0 = has0 ? vld1q_u8(w0 + b * 64 + 16 * c) : vdupq_n_u8(0);
                const uint8x16_t v1 = has1 ? vld1q_u8(w1 + b * 64 + 16 * c) : vdupq_n_u8(0);
                for (int k = 0; k < 4; k++) {
                    const int sh = 2 * k;
                    const int64x2_t c0 = vreinterpretq_s64_u8(
                        vandq_u8(vshlq_u8(v0, vdupq_n_s8((int8_t)-sh)), m3));
                    const int64x2_t c1 = vreinterpretq_s64_u8(
                        vandq_u8(vshlq_u8(v1, vdupq_n_s8((int8_t)-sh)), m3));
                    const int64_t s = 8 * k + 2 * c;
                    vst1q_s8(d + s * 128, vreinterpretq_s8_s64(vzip1q_s64(c0, c1)));
                    vst1q_s8(d + (s + 1) * 128, vreinterpretq_s8_s64(vzip2q_s64(c0, c1)));
                }
            }
        }
    }
}

static void tq2_run(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                    tb_pool *pool, int nthreads)
{
    tb_tern_run_neoni8mm(&tb_k_tq2_neondot, tq2_panel, TQ2_KB, m, x, n, y, scratch, pool,
                         nthreads);
}

const tb_kernel tb_k_tq2_neoni8mm = {
    .name = "tq2_neoni8mm", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes_neoni8mm,
    .run = tq2_run, .ops = tb_tq2_ops,
};
