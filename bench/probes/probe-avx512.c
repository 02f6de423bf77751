/* probe-avx512.c - AVX-512 ceiling loops (compiled with AVX-512 F/BW/DQ/VL). */
#include "tb-probe-kernels.h"

#include <immintrin.h>

float tb_bw_read_avx512(const float *a, size_t n)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 64) {
        s0 = _mm512_add_ps(s0, _mm512_load_ps(a + i));
        s1 = _mm512_add_ps(s1, _mm512_load_ps(a + i + 16));
        s2 = _mm512_add_ps(s2, _mm512_load_ps(a + i + 32));
        s3 = _mm512_add_ps(s3, _mm512_load_ps(a + i + 48));
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

void tb_bw_copy_avx512(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i += 32) {
        _mm512_store_ps(dst + i, _mm512_load_ps(src + i));
        _mm512_store_ps(dst + i + 16, _mm512_load_ps(src + i + 16));
    }
}

void tb_bw_triad_avx512(float *a, const float *b, const float *c, float s, size_t n)
{
    __m512 vs = _mm512_set1_ps(s);
    for (size_t i = 0; i < n; i += 16)
        _mm512_store_ps(a + i, _mm512_fmadd_ps(vs, _mm512_load_ps(c + i), _mm512_load_ps(b + i)));
}

float tb_peak_fma_avx512(uint64_t loops)
{
    __m512 acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm512_set1_ps((float)j);
    const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = _mm512_fmadd_ps(acc[j], m, a);
    __m512 s = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        s = _mm512_add_ps(s, acc[j]);
    return _mm512_reduce_add_ps(s);
}

/* acc + vpmaddwd(vpmaddubsw(u, s), one) on zmm: one int8 step, 64 u8 x s8
 * MACs (AVX-512 BW without VNNI).  In asm for the reason given in
 * probe-avx2.c: in C the product of the two loop invariants is hoisted. */
static inline __attribute__((always_inline)) __m512i i8_step512(__m512i acc, __m512i u, __m512i s,
                                                               __m512i one)
{
    __m512i t;
    __asm__("{vpmaddubsw %[s], %[u], %[t]|vpmaddubsw %[t], %[u], %[s]}\n\t"
            "{vpmaddwd %[one], %[t], %[t]|vpmaddwd %[t], %[t], %[one]}\n\t"
            "{vpaddd %[t], %[acc], %[acc]|vpaddd %[acc], %[acc], %[t]}"
            : [acc] "+v"(acc), [t] "=&v"(t)
            : [u] "v"(u), [s] "v"(s), [one] "v"(one));
    return acc;
}

int32_t tb_peak_int8_avx512(uint64_t loops)
{
    __m512i acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm512_set1_epi32(j);
    const __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2), one = _mm512_set1_epi16(1);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = i8_step512(acc[j], u, s, one);
    __m512i t = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        t = _mm512_add_epi32(t, acc[j]);
    return _mm_cvtsi128_si32(_mm512_castsi512_si128(t)); /* lane 0, like the AVX2 loop */
}
