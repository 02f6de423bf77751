/* cuda-lane.h - the arithmetic the CUDA kernels do per lane and per element,
 * written once for both compilers: nvcc builds it into the plugin's kernels
 * (__host__ __device__), gcc into tests/kernels/test-cuda-host.c, which
 * checks it on the CPU against the formats' scalar references (quantizers
 * bit for bit, tq2 decode against tb_tq2_unpack, whole GEMV dot products
 * summed over the 32 lanes of a warp exactly as the device does).
 *
 * Warp GEMV layout (int8 and tq2): lane l of a warp owning one row reads the
 * 16 bytes at offset o = 16 l + 512 i (i = 0, 1, ...) of the row.
 *   int8: those bytes are columns o..o+15, matched by xq[o..o+15].
 *   tq2:  byte o + t (t < 16) of block b = o / 64 holds the codes of columns
 *         256 b + 64 k + (o % 64) + t in bits 2k..2k+1 (the CPU layout,
 *         kernels/ternary/tb-ternary.h), so for each k the 4 words of the
 *         16 bytes give 16 codes matched by xq at tb_cu_tq2_xoff(o, k).
 * dp4a of the codes (0..2, unsigned bytes) with int8 activations, then
 * sum c q_x - sum q_x = sum q_w q_x: the integer the CPU ref computes.
 * GEMM tiles: a 256-column K step is 16 chunks of 16 columns; chunk kc of
 * row r is 16 int8 (the signed weights q_w) at tile[(kc * BM + r) * 16]:
 * tb_cu_tq2_chunk decodes one 16-byte group into its 4 chunks. */
#ifndef TB_CUDA_LANE_H
#define TB_CUDA_LANE_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define TB_HD __host__ __device__ static inline
#else
#define TB_HD static inline
#endif

#define TB_CU_WARP 32
#define TB_CU_LANE_BYTES 16                          /* bytes one lane loads per step */
#define TB_CU_STEP_BYTES (TB_CU_WARP * TB_CU_LANE_BYTES) /* 512 bytes per warp step */
#define TB_CU_KSTEP 256                              /* GEMM K step = one tq2 block */

/* dp4a: c + sum of the 4 signed byte products of a and b. */
TB_HD int32_t tb_cu_dp4a(uint32_t a, uint32_t b, int32_t c)
{
#if defined(__CUDA_ARCH__)
    return __dp4a((int)a, (int)b, c);
#else
    for (int i = 0; i < 4; i++)
        c += (int32_t)(int8_t)(uint8_t)(a >> (8 * i)) * (int32_t)(int8_t)(uint8_t)(b >> (8 * i));
    return c;
#endif
}

/* ---- activation quantization (one element; amax taken over the token) ---- */

/* int8 recipe (kernels/int8/int8-internal.h): inv = 127 / a, xq = clamp(rint(x * inv)). */
TB_HD float tb_cu_i8_inv(float amax) { return amax > 0.0f ? 127.0f / amax : 0.0f; }
TB_HD float tb_cu_i8_sx(float amax) { return amax > 0.0f ? amax / 127.0f : 0.0f; }
TB_HD int8_t tb_cu_i8_q(float x, float inv)
{
    float r = rintf(x * inv);
    if (r > 127.0f)
        r = 127.0f;
    if (r < -127.0f)
        r = -127.0f;
    return (int8_t)r;
}
/* Epilogue y = (float)acc * (sx * sw). */
TB_HD float tb_cu_i8_out(int32_t acc, float sx, float sw) { return (float)acc * (sx * sw); }

/* Ternary recipe (kernels/ternary/tb-ternary.h): s = 127 / a, q = clamp(rint(x s)),
 * NaN -> -127 as the CPU quantizers; factor f = s_w / s. */
TB_HD float tb_cu_t_scale(float amax) { return amax > 0.0f ? 127.0f / amax : 0.0f; }
TB_HD float tb_cu_t_factor(float s, float sw) { return s > 0.0f ? sw / s : 0.0f; }
TB_HD int8_t tb_cu_t_q(float x, float s)
{
    float v = rintf(x * s);
    int iv = v >= 127.0f ? 127 : v >= -127.0f ? (int)v : -127;
    return (int8_t)iv;
}
TB_HD float tb_cu_t_out(int32_t acc_minus_sum, float f) { return (float)acc_minus_sum * f; }

/* ---- tq2 ---- */

/* Column offset (in the padded activation row) of byte o's codes at shift k. */
TB_HD int64_t tb_cu_tq2_xoff(int64_t o, int k)
{
    return (o / 64) * 256 + 64 * k + (o % 64);
}
/* The 4 codes of word w at shift k, one per byte (0..2). */
TB_HD uint32_t tb_cu_tq2_codes(uint32_t w, int k) { return (w >> (2 * k)) & 0x03030303u; }
/* Codes to signed weights per byte (c - 1: 0xff, 0, 1) without borrows. */
TB_HD uint32_t tb_cu_tq2_signed(uint32_t codes) { return ((codes | 0x80808080u) - 0x01010101u) ^ 0x80808080u; }

/* One lane step of the tq2 GEMV: w = 16 packed bytes at row offset o,
 * x[k] = the 16 activation bytes at tb_cu_tq2_xoff(o, k); returns
 * acc + sum codes * q_x. */
TB_HD int32_t tb_cu_tq2_step(const uint32_t w[4], const uint32_t x[4][4], int32_t acc)
{
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++)
            acc = tb_cu_dp4a(tb_cu_tq2_codes(w[i], k), x[k][i], acc);
    return acc;
}

/* One 16-byte packed group -> 4 chunks of 16 signed weights: chunk k
 * (columns 64 k + o % 64 .. +15 of the block) into out[k][0..3]. */
TB_HD void tb_cu_tq2_chunk(const uint32_t w[4], uint32_t out[4][4])
{
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 4; i++)
            out[k][i] = tb_cu_tq2_signed(tb_cu_tq2_codes(w[i], k));
}
/* Chunk index (0..15) within the 256-column K step of chunk k of the
 * 16-byte group at byte offset j (0, 16, 32, 48) of the block. */
TB_HD int tb_cu_tq2_chunk_index(int j, int k) { return 4 * k + j / 16; }

/* One lane step of the int8 GEMV: 16 weight bytes against 16 activation bytes. */
TB_HD int32_t tb_cu_i8_step(const uint32_t w[4], const uint32_t x[4], int32_t acc)
{
    for (int i = 0; i < 4; i++)
        acc = tb_cu_dp4a(w[i], x[i], acc);
    return acc;
}

#endif
