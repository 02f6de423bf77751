/* tern-x86.h - static inline x86 helpers shared by the ternary ISA files:
 * per-token activation quantizers (bit-identical to tb_tern_quant_act_ref:
 * same max, same 127/max, one float multiply, round-to-nearest-even through
 * cvtps2dq under the default MXCSR), horizontal sums and a 16 x 16 int32
 * transpose (the VNNI GEMM's panel decoders).  Each function is
 * compiled with the flags of the including file; sections are guarded by
 * the ISA macros the compiler defines. */
#ifndef TB_TERN_X86_H
#define TB_TERN_X86_H

#include <immintrin.h>
#include <string.h>

#include "tb-ternary.h"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
static inline float tb_tern_quant_act_avx512(const float *x, int64_t cols, int64_t kpad,
                                             int8_t *q, int32_t *sum)
{
    __m512 vmax = _mm512_setzero_ps();
    int64_t c = 0;
    for (; c + 16 <= cols; c += 16)
        vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(x + c)));
    __mmask16 tail = (__mmask16)((1u << (cols - c)) - 1u);
    if (c < cols)
        vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail, x + c)));
    float s = tb_tern_act_scale(_mm512_reduce_max_ps(vmax));
    const __m512 vs = _mm512_set1_ps(s);
    const __m512i lo = _mm512_set1_epi32(-127), hi = _mm512_set1_epi32(127);
    __m512i vsum = _mm512_setzero_si512();
    for (c = 0; c + 16 <= cols; c += 16) {
        __m512i i = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + c), vs));
        i = _mm512_min_epi32(_mm512_max_epi32(i, lo), hi);
        vsum = _mm512_add_epi32(vsum, i);
        _mm_storeu_si128((__m128i *)(void *)(q + c), _mm512_cvtepi32_epi8(i));
    }
    if (c < cols) {
        __m512i i = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + c), vs));
        i = _mm512_min_epi32(_mm512_max_epi32(i, lo), hi);
        vsum = _mm512_add_epi32(vsum, i);
        _mm_mask_storeu_epi8(q + c, tail, _mm512_cvtepi32_epi8(i));
    }
    if (cols < kpad)
        memset(q + cols, 0, (size_t)(kpad - cols));
    *sum = _mm512_reduce_add_epi32(vsum);
    return s;
}

/* (sum a, sum b, sum c, sum d) of four int32 vectors. */
static inline __m128i tb_tern_hsum4_avx512(__m512i a, __m512i b, __m512i c, __m512i d)
{
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    __m512i v = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* 16 rows x 16 int32 -> 16 columns x 16 rows (o[q] lane i = r[i] lane q). */
static inline void tb_tern_transpose16_avx512(const __m512i r[16], __m512i o[16])
{
    __m512i s[4][4];
#pragma GCC unroll 4
    for (int g = 0; g < 4; g++) {
        __m512i u0 = _mm512_unpacklo_epi32(r[4 * g], r[4 * g + 1]);
        __m512i u1 = _mm512_unpackhi_epi32(r[4 * g], r[4 * g + 1]);
        __m512i u2 = _mm512_unpacklo_epi32(r[4 * g + 2], r[4 * g + 3]);
        __m512i u3 = _mm512_unpackhi_epi32(r[4 * g + 2], r[4 * g + 3]);
        s[g][0] = _mm512_unpacklo_epi64(u0, u2);
        s[g][1] = _mm512_unpackhi_epi64(u0, u2);
        s[g][2] = _mm512_unpacklo_epi64(u1, u3);
        s[g][3] = _mm512_unpackhi_epi64(u1, u3);
    }
    /* s[g][e] 128-bit lane L = rows 4g..4g+3 of column 4L + e */
#pragma GCC unroll 4
    for (int e = 0; e < 4; e++) {
        __m512i t0 = _mm512_shuffle_i32x4(s[0][e], s[1][e], 0x44);
        __m512i t1 = _mm512_shuffle_i32x4(s[0][e], s[1][e], 0xee);
        __m512i t2 = _mm512_shuffle_i32x4(s[2][e], s[3][e], 0x44);
        __m512i t3 = _mm512_shuffle_i32x4(s[2][e], s[3][e], 0xee);
        o[e] = _mm512_shuffle_i32x4(t0, t2, 0x88);
        o[4 + e] = _mm512_shuffle_i32x4(t0, t2, 0xdd);
        o[8 + e] = _mm512_shuffle_i32x4(t1, t3, 0x88);
        o[12 + e] = _mm512_shuffle_i32x4(t1, t3, 0xdd);
    }
}

/* y[i] = (float)(v[i] - asum) * fac for the first nr lanes. */
static inline void tb_tern_store4_avx512(float *y, __m128i v, int32_t asum, float fac, int nr)
{
    __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(_mm_sub_epi32(v, _mm_set1_epi32(asum))),
                          _mm_set1_ps(fac));
    if (nr == 4)
        _mm_storeu_ps(y, f);
    else
        _mm_mask_storeu_ps(y, (__mmask8)((1u << nr) - 1u), f);
}
#endif

#if defined(__AVX2__)
static inline float tb_tern_quant_act_avx2(const float *x, int64_t cols, int64_t kpad,
                                           int8_t *q, int32_t *sum)
{
    const __m256 absm = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 vmax = _mm256_setzero_ps();
    int64_t c = 0;
    for (; c + 8 <= cols; c += 8)
        vmax = _mm256_max_ps(vmax, _mm256_and_ps(_mm256_loadu_ps(x + c), absm));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    float amax = _mm_cvtss_f32(m4);
    for (int64_t k = c; k < cols; k++) {
        float a = fabsf(x[k]);
        if (a > amax)
            amax = a;
    }
    float s = tb_tern_act_scale(amax);
    const __m256 vs = _mm256_set1_ps(s);
    const __m256i lo = _mm256_set1_epi32(-127), hi = _mm256_set1_epi32(127);
    __m256i vsum = _mm256_setzero_si256();
    for (c = 0; c + 8 <= cols; c += 8) {
        __m256i i = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + c), vs));
        i = _mm256_min_epi32(_mm256_max_epi32(i, lo), hi);
        vsum = _mm256_add_epi32(vsum, i);
        __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i, i), _mm256_setzero_si256());
        int32_t w0 = _mm_cvtsi128_si32(_mm256_castsi256_si128(p));
        int32_t w1 = _mm_cvtsi128_si32(_mm256_extracti128_si256(p, 1));
        memcpy(q + c, &w0, 4);
        memcpy(q + c + 4, &w1, 4);
    }
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(vsum), _mm256_extracti128_si256(vsum, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    int32_t acc = _mm_cvtsi128_si32(s4);
    for (; c < cols; c++) {
        float v = nearbyintf(x[c] * s);
        int iv = v >= 127.0f ? 127 : v >= -127.0f ? (int)v : -127;
        q[c] = (int8_t)iv;
        acc += iv;
    }
    if (cols < kpad)
        memset(q + cols, 0, (size_t)(kpad - cols));
    *sum = acc;
    return s;
}

static inline int32_t tb_tern_hsum_avx2(__m256i v)
{
    __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4e));
    s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xb1));
    return _mm_cvtsi128_si32(s4);
}
#endif

#endif
