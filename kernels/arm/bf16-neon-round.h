/* bf16-neon-round.h - activations rounded to bfloat16 with plain Armv8.0
 * NEON integer operations, bit for bit as the scalar rule of bf16_ref
 * (tb_bf16_from_f32: round to nearest even, NaN kept as a quiet NaN), for
 * the AArch64 bf16 variants (bf16-neon.c, bf16-neonbf16.c).  Not bfcvt:
 * that instruction flushes denormals and follows FPCR, the reference does
 * neither.  Included by kernels/arm/ files only, after <arm_neon.h>. */
#ifndef TB_BF16_NEON_ROUND_H
#define TB_BF16_NEON_ROUND_H

#include <arm_neon.h>

#include "fp16/fp16-internal.h"

/* Four floats -> the high 16 bits of their bf16 roundings (as u32 lanes). */
static inline uint32x4_t tb_bf16_round4_neon(float32x4_t v)
{
    const uint32x4_t u = vreinterpretq_u32_f32(v);
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(1));
    const uint32x4_t r = vaddq_u32(u, vaddq_u32(vdupq_n_u32(0x7fff), odd));
    const uint32x4_t nan = vorrq_u32(u, vdupq_n_u32(0x400000));
    const uint32x4_t num = vceqq_f32(v, v); /* all ones unless NaN */
    return vshrq_n_u32(vbslq_u32(num, r, nan), 16);
}

/* x[0..cols) rounded to bf16 into out[0..kpad) as bf16 bit patterns,
 * zero-padded from cols to kpad. */
static inline void tb_bf16_round_row_neon(const float *x, int64_t cols, int64_t kpad, uint16_t *out)
{
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8) {
        const uint16x4_t a = vmovn_u32(tb_bf16_round4_neon(vld1q_f32(x + c)));
        const uint16x4_t b = vmovn_u32(tb_bf16_round4_neon(vld1q_f32(x + c + 4)));
        vst1q_u16(out + c, vcombine_u16(a, b));
    }
    for (; c < cols; c++)
        out[c] = tb_bf16_from_f32(x[c]);
    for (; c < kpad; c++)
        out[c] = 0;
}

#endif
