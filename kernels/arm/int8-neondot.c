/* int8-neondot.c - variant int8_neondot (AArch64 Advanced SIMD + dotprod).
 * Layout and quantization: kernels/int8/int8-internal.h; run(): the shared
 * driver int8-neon-driver.h.
 *
 * sdot multiplies signed by signed bytes, so the quantized activations are
 * used as they are (no +128 offset, no corr).  A 64-byte panel group step is
 * four q registers of 4 rows x 4 columns; `sdot acc.4s, w.16b, x.4b[l]`
 * adds to row lane i the dot of its 4 weights with the token's group l, so
 * one 16-byte load of a token's activations serves 4 groups.  Up to 4 tokens
 * share each weight load (16 accumulators); one token (GEMV) uses two sets
 * of accumulators (even and odd groups) so 8 sdot chains are in flight. */
#include <arm_neon.h>
#include <string.h>

#include "int8/int8-internal.h"

#define I8_NJ 4
#define INLINE static inline __attribute__((always_inline))

INLINE int8x16_t group_dup(const int8_t *x)
{
    int32_t g;
    memcpy(&g, x, 4);
    return vreinterpretq_s8_s32(vdupq_n_s32(g));
}

/* GEMV: one token, 8 accumulators. */
static void micro_1(const int8_t *w, int64_t kq, const int8_t *x, int32_t acc[16])
{
    int32x4_t a[2][4];
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < 4; i++)
            a[s][i] = vdupq_n_s32(0);
    int64_t q = 0;
    for (; q + 4 <= kq; q += 4) {
        const int8x16_t xv = vld1q_s8(x + q * 4);
        const int8_t *b = w + q * 64;
        __builtin_prefetch(b + 1024);
#define STEP(G, S)                                                                      \
    for (int i = 0; i < 4; i++)                                                         \
        a[S][i] = vdotq_laneq_s32(a[S][i], vld1q_s8(b + (G) * 64 + i * 16), xv, G);
        STEP(0, 0) STEP(1, 1) STEP(2, 0) STEP(3, 1)
#undef STEP
    }
    for (; q < kq; q++) {
        const int8x16_t xv = group_dup(x + q * 4);
        for (int i = 0; i < 4; i++)
            a[0][i] = vdotq_s32(a[0][i], vld1q_s8(w + q * 64 + i * 16), xv);
    }
    for (int i = 0; i < 4; i++)
        vst1q_s32(acc + 4 * i, vaddq_s32(a[0][i], a[1][i]));
}

/* GEMM tile: nj <= 4 tokens, 16 accumulators. */
INLINE void micro_n(const int nj, const int8_t *w, int64_t kq, const int8_t *x, int64_t ldx,
                    int32_t acc[I8_NJ][16])
{
    int32x4_t a[I8_NJ][4];
    for (int j = 0; j < I8_NJ; j++)
        for (int i = 0; i < 4; i++)
            a[j][i] = vdupq_n_s32(0);
    int64_t q = 0;
    for (; q + 4 <= kq; q += 4) {
        int8x16_t xv[I8_NJ];
        for (int j = 0; j < I8_NJ; j++)
            xv[j] = j < nj ? vld1q_s8(x + j * ldx + q * 4) : vdupq_n_s8(0);
        const int8_t *b = w + q * 64;
#define STEP(G)                                                                         \
    for (int i = 0; i < 4; i++) {                                                       \
        const int8x16_t wv = vld1q_s8(b + (G) * 64 + i * 16);                          \
        for (int j = 0; j < I8_NJ; j++)                                                 \
            if (j < nj)                                                                 \
                a[j][i] = vdotq_laneq_s32(a[j][i], wv, xv[j], G);                       \
    }
        STEP(0) STEP(1) STEP(2) STEP(3)
#undef STEP
    }
    for (; q < kq; q++)
        for (int i = 0; i < 4; i++) {
            const int8x16_t wv = vld1q_s8(w + q * 64 + i * 16);
            for (int j = 0; j < nj; j++)
                a[j][i] = vdotq_s32(a[j][i], wv, group_dup(x + j * ldx + q * 4));
        }
    for (int j = 0; j < nj; j++)
        for (int i = 0; i < 4; i++)
            vst1q_s32(acc[j] + 4 * i, a[j][i]);
}

static void i8_micro(int nj, const int8_t *w, int64_t kq, const int8_t *x, int64_t ldx,
                     int32_t acc[I8_NJ][16])
{
    switch (nj) {
    case 1: micro_1(w, kq, x, acc[0]); break;
    case 2: micro_n(2, w, kq, x, ldx, acc); break;
    case 3: micro_n(3, w, kq, x, ldx, acc); break;
    default: micro_n(4, w, kq, x, ldx, acc); break;
    }
}

#include "int8-neon-driver.h"

const tb_kernel tb_k_int8_neondot = {
    .name = "int8_neondot",
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
