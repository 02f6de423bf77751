/* probe-avx512vnni.c - int8 VNNI ceiling loop (vpdpbusd: 64 u8 x s8
 * multiply-adds into 16 int32 lanes per instruction). */
#include "tb-probe-kernels.h"

#include <immintrin.h>

int32_t tb_peak_int8_avx512vnni(uint64_t loops)
{
    __m512i acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = _mm512_set1_epi32(j);
    const __m512i u = _mm512_set1_epi8(3), s = _mm512_set1_epi8(-2);
    for (uint64_t i = 0; i < loops; i++)
#pragma GCC unroll 16 /* the chains must live in registers, not in memory */
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            acc[j] = _mm512_dpbusd_epi32(acc[j], u, s);
    __m512i t = acc[0];
#pragma GCC unroll 16
    for (int j = 1; j < TB_PEAK_CHAINS; j++)
        t = _mm512_add_epi32(t, acc[j]);
    return _mm512_reduce_add_epi32(t);
}
