/* tq2-neon.c - variant tq2_neon (AArch64 Advanced SIMD, Armv8.0: no
 * dotprod).  Per 64-byte block and 16-byte quarter: 4 code vectors by shift
 * + AND, multiplied with their activations by smull/smlal into int16 lanes:
 * |code * x| <= 2 * 127 = 254 and a lane sums 16 products per block (<=
 * 4064), so int16 is exact; sadalp widens the block's sums into int32.
 * Row loop, epilogue and threads: tern-neon-rows.h and tb_tern_run. */
#include <arm_neon.h>

#include "ternary/tb-ternary.h"

typedef struct { int32x4_t v; } TERN_ACC;
#define INLINE static inline __attribute__((always_inline))

INLINE TERN_ACC tern_acc_zero(void) { return (TERN_ACC){vdupq_n_s32(0)}; }
INLINE int32_t tern_acc_sum(TERN_ACC a) { return vaddvq_s32(a.v); }

INLINE int16x8_t mul_add(int16x8_t *hi, int16x8_t lo, int8x16_t c, int8x16_t x)
{
    *hi = vmlal_high_s8(*hi, c, x);
    return vmlal_s8(lo, vget_low_s8(c), vget_low_s8(x));
}

INLINE void tern_block(const int R, const uint8_t *w, int64_t rb, const int8_t *ab, TERN_ACC *acc)
{
    const uint8x16_t m3 = vdupq_n_u8(3);
    int16x8_t lo[4], hi[4];
    for (int r = 0; r < R; r++)
        lo[r] = hi[r] = vdupq_n_s16(0);
    for (int c = 0; c < 4; c++) {
        const int8x16_t x0 = vld1q_s8(ab + 16 * c), x1 = vld1q_s8(ab + 64 + 16 * c);
        const int8x16_t x2 = vld1q_s8(ab + 128 + 16 * c), x3 = vld1q_s8(ab + 192 + 16 * c);
        for (int r = 0; r < R; r++) {
            const uint8x16_t v = vld1q_u8(w + r * rb + 16 * c);
            lo[r] = mul_add(&hi[r], lo[r], vreinterpretq_s8_u8(vandq_u8(v, m3)), x0);
            lo[r] = mul_add(&hi[r], lo[r], vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 2), m3)), x1);
            lo[r] = mul_add(&hi[r], lo[r], vreinterpretq_s8_u8(vandq_u8(vshrq_n_u8(v, 4), m3)), x2);
            lo[r] = mul_add(&hi[r], lo[r], vreinterpretq_s8_u8(vshrq_n_u8(v, 6)), x3);
        }
    }
    for (int r = 0; r < R; r++)
        acc[r].v = vpadalq_s16(vpadalq_s16(acc[r].v, lo[r]), hi[r]);
}

#define TERN_BLOCK_COLS TB_TQ2_BLOCK
#define TERN_BLOCK_BYTES TB_TQ2_BLOCK_BYTES
#include "tern-neon-rows.h"

const tb_kernel tb_k_tq2_neon = {
    .name = "tq2_neon", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tern_run, .ops = tb_tq2_ops,
};
