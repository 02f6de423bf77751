/* probe-avx2.c - AVX2/FMA ceiling loops (compiled with -mavx2 -mfma). */
#include "tb-probe-kernels.h"

#include <immintrin.h>

float tb_bw_read_avx2(const float *a, size_t n)
{
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (size_t i = 0; i < n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}

void tb_bw_copy_avx2(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        _mm256_store_ps(dst + i, _mm256_load_ps(src + i));
        _mm256_store_ps(dst + i + 8, _mm256_load_ps(src + i + 8));
    }
}

void tb_bw_triad_avx2(float *a, const float *b, const float *c, float s, size_t n)
{
    __m256 vs = _mm256_set1_ps(s);
    for (size_t i = 0; i < n; i += 8)
        _mm256_store_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
}

float tb_peak_fma_avx2(uint64_t loops)
{
    __m256 acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm256_set1_ps((float)j);
    const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = _mm256_fmadd_ps(acc[j], m, a);
    __m256 s = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        s = _mm256_add_ps(s, acc[j]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[7];
}

/* acc + vpmaddwd(vpmaddubsw(u, s), one): one int8 step, 32 u8 x s8 MACs.
 * In asm because in C the product of two loop invariants is hoisted (the
 * loop would time vpaddd alone), and hiding the operands from the compiler
 * per step made it spill the accumulators; here the temporary lives only
 * inside the statement, so 12 chains + 3 constants + 1 temporary = 16 ymm. */
static inline __attribute__((always_inline)) __m256i i8_step(__m256i acc, __m256i u, __m256i s,
                                                            __m256i one)
{
    __m256i t;
    __asm__("{vpmaddubsw %[s], %[u], %[t]|vpmaddubsw %[t], %[u], %[s]}\n\t"
            "{vpmaddwd %[one], %[t], %[t]|vpmaddwd %[t], %[t], %[one]}\n\t"
            "{vpaddd %[t], %[acc], %[acc]|vpaddd %[acc], %[acc], %[t]}"
            : [acc] "+x"(acc), [t] "=&x"(t)
            : [u] "x"(u), [s] "x"(s), [one] "x"(one));
    return acc;
}

int32_t tb_peak_int8_avx2(uint64_t loops)
{
    __m256i acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm256_set1_epi32(j);
    const __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-2), one = _mm256_set1_epi16(1);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = i8_step(acc[j], u, s, one);
    __m256i t = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        t = _mm256_add_epi32(t, acc[j]);
    return _mm256_extract_epi32(t, 0);
}

/* acc16 + vpmaddubsw(u, s): the ternary ymm GEMM's step (codes {0,1,2} x
 * int8 activations, pairs summed in int16 lanes, widened rarely): 32 MACs in
 * 2 uops, against 3 for the int8 step above.  In asm for the reason given
 * at i8_step: 12 chains + 2 constants + 1 temporary = 15 ymm. */
static inline __attribute__((always_inline)) __m256i tern_step(__m256i acc, __m256i u, __m256i s)
{
    __m256i t;
    __asm__("{vpmaddubsw %[s], %[u], %[t]|vpmaddubsw %[t], %[u], %[s]}\n\t"
            "{vpaddw %[t], %[acc], %[acc]|vpaddw %[acc], %[acc], %[t]}"
            : [acc] "+x"(acc), [t] "=&x"(t)
            : [u] "x"(u), [s] "x"(s));
    return acc;
}

int32_t tb_peak_tern_avx2(uint64_t loops)
{
    __m256i acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm256_set1_epi16((short)j);
    const __m256i u = _mm256_set1_epi8(2), s = _mm256_set1_epi8(-3);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = tern_step(acc[j], u, s);
    int32_t t = 0; /* int16 lane 0 of each chain (wraps on long runs; only timing needs those) */
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        t += (int16_t)_mm256_extract_epi16(acc[j], 0);
    return t;
}
