/* int8-neon.c - variant int8_neon (AArch64 Advanced SIMD, Armv8.0: no
 * dotprod).  Layout and quantization: kernels/int8/int8-internal.h; run():
 * the shared driver int8-neon-driver.h.
 *
 * A 16-byte weight vector is 4 rows x 4 columns; the token's 4-byte group is
 * repeated across a vector.  smull multiplies the low 8 bytes (rows 0, 1 of
 * the 4) into int16, smlal adds the next group's products: |p| <= 2 * 127 *
 * 127 = 32258, never beyond int16, so the sums stay exact; sadalp folds the
 * pairs into int32 lanes (two per row), and a final addp gives one lane per
 * row.  Two tokens share each weight load (16 accumulators). */
#include <arm_neon.h>
#include <string.h>

#include "int8/int8-internal.h"

#define I8_NJ 2
#define INLINE static inline __attribute__((always_inline))

INLINE int8x16_t group_dup(const int8_t *x)
{
    int32_t g;
    memcpy(&g, x, 4);
    return vreinterpretq_s8_s32(vdupq_n_s32(g));
}

INLINE void micro(const int nj, const int8_t *w, int64_t kq, const int8_t *x, int64_t ldx,
                  int32_t acc[I8_NJ][16])
{
    /* a[j][i][0]: rows 4i, 4i+1 (two lanes each); a[j][i][1]: rows 4i+2, 4i+3 */
    int32x4_t a[I8_NJ][4][2];
    for (int j = 0; j < I8_NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i][0] = a[j][i][1] = vdupq_n_s32(0);
    int64_t q = 0;
    for (; q + 2 <= kq; q += 2) {
        const int8_t *b = w + q * 64;
        __builtin_prefetch(b + 1024);
        int8x16_t x0[I8_NJ], x1[I8_NJ];
        for (int j = 0; j < nj; j++) {
            x0[j] = group_dup(x + j * ldx + q * 4);
            x1[j] = group_dup(x + j * ldx + q * 4 + 4);
        }
        for (int i = 0; i < 4; i++) {
            const int8x16_t w0 = vld1q_s8(b + i * 16), w1 = vld1q_s8(b + 64 + i * 16);
            for (int j = 0; j < nj; j++) {
                int16x8_t lo = vmull_s8(vget_low_s8(w0), vget_low_s8(x0[j]));
                int16x8_t hi = vmull_high_s8(w0, x0[j]);
                lo = vmlal_s8(lo, vget_low_s8(w1), vget_low_s8(x1[j]));
                hi = vmlal_high_s8(hi, w1, x1[j]);
                a[j][i][0] = vpadalq_s16(a[j][i][0], lo);
                a[j][i][1] = vpadalq_s16(a[j][i][1], hi);
            }
        }
    }
    for (; q < kq; q++)
        for (int i = 0; i < 4; i++) {
            const int8x16_t w0 = vld1q_s8(w + q * 64 + i * 16);
            for (int j = 0; j < nj; j++) {
                const int8x16_t xv = group_dup(x + j * ldx + q * 4);
                a[j][i][0] = vpadalq_s16(a[j][i][0], vmull_s8(vget_low_s8(w0), vget_low_s8(xv)));
                a[j][i][1] = vpadalq_s16(a[j][i][1], vmull_high_s8(w0, xv));
            }
        }
    for (int j = 0; j < nj; j++)
        for (int i = 0; i < 4; i++)
            vst1q_s32(acc[j] + 4 * i, vpaddq_s32(a[j][i][0], a[j][i][1]));
}

static void i8_micro(int nj, const int8_t *w, int64_t kq, const int8_t *x, int64_t ldx,
                     int32_t acc[I8_NJ][16])
{
    if (nj == 1)
        micro(1, w, kq, x, ldx, acc);
    else
        micro(2, w, kq, x, ldx, acc);
}

#include "int8-neon-driver.h"

const tb_kernel tb_k_int8_neon = {
    .name = "int8_neon",
    .format = "int8",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "int8_ref",
    .max_nmse = 0,
    .bits_per_weight = 8,
    .act = TB_ACT_I8,
    .prepare = tb_i8_prepare,
    .free = tb_i8_free,
    .clone = tb_i8_clone,
    .bytes = tb_i8_bytes,
    .scratch_bytes = tb_i8_scratch_bytes,
    .run = i8_run,
    .ops = tb_i8_ops,
};
