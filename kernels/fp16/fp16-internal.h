/* fp16-internal.h - shared by the float weight formats "fp16" and "bf16"
 * (kernels/fp16/): the packed layouts, portable scalar fp16/bf16 <-> fp32
 * conversion, and the prepare/free/ops functions every ISA variant of a
 * format shares (so all variants of a format read the very same bytes).
 * Included only by the files of kernels/fp16/ and by tests. */
#ifndef TB_FP16_INTERNAL_H
#define TB_FP16_INTERNAL_H

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "tb-kernel.h"

#define TB_F16_PANEL 16 /* output rows per panel (one zmm of fp32 lanes) */

/* Packed float weights (both formats).
 *
 * Rows are grouped in panels of 16 (the last panel zero-padded), so that a
 * vector lane is an output row and no horizontal sum is ever needed.
 *
 * fp16: inside a panel, column after column, each as the 16 rows' halves:
 *     w[(p * cols + c) * 16 + i] = fp16_rne(W[16p + i][c])
 *   one panel column = 32 bytes = one ymm of halves (vcvtph2ps -> one zmm);
 *   kstep = cols.  Size: npanels * cols * 32 bytes.
 *
 * bf16: columns taken in pairs (cols padded to even with zeros), one pair
 * of the 16 rows after another, the two halves of a row adjacent:
 *     w[((p * kstep + q) * 16 + i) * 2 + h] = bf16_rne(W[16p + i][2q + h])
 *   one panel pair-step = 64 bytes = one zmm, the vdpbf16ps weight operand;
 *   kstep = cols / 2 rounded up.  Size: npanels * kstep * 64 bytes.
 *
 * w is 64-byte aligned; a panel starts 64-byte aligned whenever cols is even
 * (fp16) and always (bf16). */
typedef struct tb_f16mat {
    int64_t rows, cols; /* logical shape */
    int64_t npanels;    /* ceil(rows / 16) */
    int64_t kstep;      /* steps along K per panel: cols (fp16), pairs (bf16) */
    uint16_t *w;
    size_t wbytes;      /* bytes allocated at w (64-byte multiple) */
} tb_f16mat;

static_assert(TB_F16_PANEL * sizeof(uint16_t) == 32, "an fp16 panel column is one ymm");
static_assert(TB_F16_PANEL * 2 * sizeof(uint16_t) == 64, "a bf16 panel pair-step is one zmm");

static inline const tb_f16mat *tb_f16mat_of(const tb_kmat *m) { return (const tb_f16mat *)m; }

/* ---- scalar conversions (portable C, no ISA flags) ---- */

static inline uint32_t tb_f32_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float tb_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* IEEE binary16 -> binary32, exact for every value (subnormals included);
 * NaN stays NaN with its payload and the quiet bit set (as vcvtph2ps). */
static inline float tb_fp16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    if (exp == 0x1f) /* inf / NaN */
        return tb_f32_from_bits(sign | 0x7f800000u | (man << 13) | (man ? 0x00400000u : 0));
    if (exp == 0) { /* zero / subnormal: man * 2^-24, exact in fp32 */
        float v = (float)man * 0x1p-24f;
        return tb_f32_from_bits(sign | tb_f32_bits(v));
    }
    return tb_f32_from_bits(sign | ((exp + 112u) << 23) | (man << 13));
}

/* binary32 -> binary16, round to nearest even (as vcvtps2ph imm 0):
 * overflow to inf, gradual underflow to subnormals, NaN stays quiet NaN. */
static inline uint16_t tb_fp16_from_f32(float f)
{
    uint32_t x = tb_f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) /* inf / NaN */
        return (uint16_t)(sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u | ((ax >> 13) & 0x3ffu) : 0));
    if (ax >= 0x477ff000u) /* >= 65520 rounds to inf */
        return (uint16_t)(sign | 0x7c00u);
    if (ax < 0x38800000u) { /* below 2^-14: subnormal half or zero */
        uint32_t e = ax >> 23;
        if (e < 102) /* < 2^-25: rounds to zero */
            return sign;
        uint32_t m = (ax & 0x7fffffu) | 0x800000u;
        uint32_t s = 126 - e; /* value = m * 2^(e-150) = (m >> s) * 2^-24 */
        uint32_t q = m >> s, rem = m & ((1u << s) - 1), half = 1u << (s - 1);
        if (rem > half || (rem == half && (q & 1)))
            q++;
        return (uint16_t)(sign | q);
    }
    uint32_t r = ax - (112u << 23); /* rebias 127 -> 15 */
    r += 0xfffu + ((r >> 13) & 1);  /* round to nearest even at bit 13 */
    return (uint16_t)(sign | (r >> 13));
}

/* bfloat16 -> binary32 (exact). */
static inline float tb_bf16_to_f32(uint16_t b) { return tb_f32_from_bits((uint32_t)b << 16); }

/* binary32 -> bfloat16, round to nearest even; NaN stays quiet NaN. */
static inline uint16_t tb_bf16_from_f32(float f)
{
    uint32_t x = tb_f32_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)
        return (uint16_t)((x >> 16) | 0x40u);
    x += 0x7fffu + ((x >> 16) & 1);
    return (uint16_t)(x >> 16);
}

/* ---- shared by every variant (fp16-ref.c) ---- */
int tb_fp16_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
int tb_bf16_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
void tb_f16mat_free(tb_kmat *m);
int tb_f16mat_clone(const tb_kmat *m, tb_kmat **out);
size_t tb_f16mat_bytes(const tb_kmat *m, const void **base, size_t *base_len);
size_t tb_fp16_scratch_none(const tb_kmat *m, int64_t n);
/* Scratch of the SIMD GEMM paths: packed activation tiles (see each file). */
size_t tb_fp16_scratch_tiles(const tb_kmat *m, int64_t n);
size_t tb_bf16_scratch_tiles(const tb_kmat *m, int64_t n);
void tb_fp16_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);
void tb_bf16_ops(int64_t rows, int64_t cols, int64_t n, tb_counts *out);

/* Activation tile width of the SIMD GEMM paths; scratch is sized for it. */
#define TB_F16_NJ_MAX 12

/* The AVX2 GEMM driver (fp16-avx2.c) shared by fp16_avx2 and bf16_avx2:
 * n > 1 tokens; bf16 != 0 reads the bf16 pair layout and rounds the
 * activations to bf16 (RNE) while packing them.  Scratch: tb_f16_scratch_avx2. */
void tb_f16_gemm_avx2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                      tb_pool *pool, int nthreads, int bf16);

/* Variant descriptors. */
extern const tb_kernel tb_k_fp16_ref, tb_k_fp16_avx2, tb_k_fp16_avx512;
extern const tb_kernel tb_k_bf16_ref, tb_k_bf16_avx2, tb_k_bf16_avx512bf16;

#endif
