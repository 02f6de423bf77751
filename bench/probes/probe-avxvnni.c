/* probe-avxvnni.c - int8 AVX-VNNI ceiling loop (VEX-coded vpdpbusd on ymm:
 * 32 u8 x s8 multiply-adds into 8 int32 lanes per instruction), the peak
 * the AVX-VNNI matmul variants are judged against. */
#include "tb-probe-kernels.h"

#include <immintrin.h>

/* acc += vpdpbusd(u, s), VEX-coded.  In asm: GCC 12 compiles the intrinsic
 * loop with a register copy and a stack store per chain step. */
static inline __attribute__((always_inline)) __m256i vnni_step(__m256i acc, __m256i u, __m256i s)
{
    __asm__("{%{vex%} vpdpbusd %[s], %[u], %[acc]|%{vex%} vpdpbusd %[acc], %[u], %[s]}"
            : [acc] "+x"(acc)
            : [u] "x"(u), [s] "x"(s));
    return acc;
}

int32_t tb_peak_int8_avxvnni(uint64_t loops)
{
    __m256i acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm256_set1_epi32(j);
    const __m256i u = _mm256_set1_epi8(3), s = _mm256_set1_epi8(-2);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = vnni_step(acc[j], u, s);
    __m256i t = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        t = _mm256_add_epi32(t, acc[j]);
    return _mm256_extract_epi32(t, 0);
}
