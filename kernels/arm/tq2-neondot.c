/* tq2-neondot.c - variant tq2_neondot (AArch64 Advanced SIMD + dotprod).
 * Per 64-byte block and 16-byte quarter: 4 code vectors by shift + AND
 * (codes 0..2 are valid signed bytes), each multiplied with its 16
 * activations by sdot into int32 lanes (exact); two accumulators per row
 * (even / odd k) keep 8 sdot chains in flight over 4 rows.  Row loop,
 * epilogue and threads: tern-neon-rows.h and tb_tern_run. */
#include <arm_neon.h>

#include "ternary/tb-ternary.h"

typedef struct { int32x4_t v[2]; } TERN_ACC;
#define INLINE static inline __attribute__((always_inline))

INLINE TERN_ACC tern_acc_zero(void) { return (TERN_ACC){{vdupq_n_s32(0), vdupq_n_s32(0)}}; }
INLINE int32_t tern_acc_sum(TERN_ACC a) { return vaddvq_s32(vaddq_s32(a.v[0], a.v[1])); }

INLINE void tern_block(const int R, const uint8_t *w, int64_t rb, const int8_t *ab, TERN_ACC *acc)
{
    const uint8x16_t m3 = vdupq_n_u8(3);
    for (int c = 0; c < 4; c++) {
        const int8x16_t x0 = vld1q_s8(ab + 16 * c), x1 = vld1q_s8(ab + 64 + 16 * c);
        const int8x16_t x2 = vld1q_s8(ab + 128 + 16 * c), x3 = vld1q_s8(ab + 192 + 16 * c);
        for (int r = 0; r < R; r++) {
            const uint8x16_t v = vld1q_u8(w + r * rb + 16 * c);
            const int8x16_t c0 = vreinterpretq_s8_u8(vandq_u8(v, m3));
            const int8x16_t c1 = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 2), m3));
            const int8x16_t c2 = vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), m3));
            const int8x16_t c3 = vreinterpretq_s8_u8(vshrq_n_u8(v, 6));
            acc[r].v[0] = vdotq_s32(acc[r].v[0], c0, x0);
            acc[r].v[1] = vdotq_s32(acc[r].v[1], c1, x1);
            acc[r].v[0] = vdotq_s32(acc[r].v[0], c2, x2);
            acc[r].v[1] = vdotq_s32(acc[r].v[1], c3, x3);
        }
    }
}

#define TERN_BLOCK_COLS TB_TQ2_BLOCK
#define TERN_BLOCK_BYTES TB_TQ2_BLOCK_BYTES
#include "tern-neon-rows.h"

const tb_kernel tb_k_tq2_neondot = {
    .name = "tq2_neondot", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tern_run, .ops = tb_tq2_ops,
};
