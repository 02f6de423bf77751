/* tq1-neon.c - variant tq1_neon (AArch64 Advanced SIMD, Armv8.0: no
 * dotprod).  Per 64-byte block and 16-byte quarter: the 5 base-3 digits of
 * each byte t (t_0 = byte, t_{i+1} = 3 t_i mod 256, digit (3 t_i) >> 8,
 * as tq1_ref) come from two unsigned compares, t >= 86 and t >= 171, whose
 * all-ones lanes (-1 each) add to MINUS the digit; smlal multiplies them
 * with their activations into int16 lanes: |digit * x| <= 2 * 127 = 254 and
 * a lane sums 4 quarters x 5 digits = 20 products per block (<= 5080), so
 * int16 is exact; sadalp widens the block's sums into int32, and the row's
 * sum is negated at the end.  4 rows share the activation loads.  Row loop,
 * epilogue and threads: tern-neon-rows.h and tb_tern_run. */
#include <arm_neon.h>

#include "ternary/tb-ternary.h"

typedef struct { int32x4_t v; } TERN_ACC; /* minus the dot */
#define INLINE static inline __attribute__((always_inline))

INLINE TERN_ACC tern_acc_zero(void) { return (TERN_ACC){vdupq_n_s32(0)}; }
INLINE int32_t tern_acc_sum(TERN_ACC a) { return -vaddvq_s32(a.v); }

/* -digit of every byte of t, as signed bytes 0, -1, -2 */
INLINE int8x16_t neg_digit(uint8x16_t t)
{
    return vreinterpretq_s8_u8(vaddq_u8(vcgeq_u8(t, vdupq_n_u8(86)), vcgeq_u8(t, vdupq_n_u8(171))));
}

INLINE uint8x16_t times3(uint8x16_t t) { return vaddq_u8(vaddq_u8(t, t), t); }

INLINE void tern_block(const int R, const uint8_t *w, int64_t rb, const int8_t *ab, TERN_ACC *acc)
{
    int16x8_t lo[4], hi[4];
    for (int r = 0; r < R; r++)
        lo[r] = hi[r] = vdupq_n_s16(0);
    for (int c = 0; c < 4; c++) {
        int8x16_t x[5];
        for (int i = 0; i < 5; i++)
            x[i] = vld1q_s8(ab + 64 * i + 16 * c);
        for (int r = 0; r < R; r++) {
            uint8x16_t t = vld1q_u8(w + r * rb + 16 * c);
            for (int i = 0; i < 5; i++) {
                const int8x16_t d = neg_digit(t);
                lo[r] = vmlal_s8(lo[r], vget_low_s8(d), vget_low_s8(x[i]));
                hi[r] = vmlal_high_s8(hi[r], d, x[i]);
                t = times3(t);
            }
        }
    }
    for (int r = 0; r < R; r++)
        acc[r].v = vpadalq_s16(vpadalq_s16(acc[r].v, lo[r]), hi[r]);
}

#define TERN_BLOCK_COLS TB_TQ1_BLOCK
#define TERN_BLOCK_BYTES TB_TQ1_BLOCK_BYTES
#include "tern-neon-rows.h"

const tb_kernel tb_k_tq1_neon = {
    .name = "tq1_neon", .format = "tq1", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone,
    .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tern_run, .ops = tb_tq1_ops,
};
