/* probe-scalar.c - baseline x86-64 (SSE2) ceiling loops; the fallback on
 * CPUs without AVX2. */
#include "tb-probe-kernels.h"

float tb_bw_read_scalar(const float *a, size_t n)
{
    float s[8] = {0};
    for (size_t i = 0; i < n; i += 8)
        for (int j = 0; j < 8; j++)
            s[j] += a[i + j];
    return s[0] + s[1] + s[2] + s[3] + s[4] + s[5] + s[6] + s[7];
}

void tb_bw_copy_scalar(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

void tb_bw_triad_scalar(float *a, const float *b, const float *c, float s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + s * c[i];
}

float tb_peak_fma_scalar(uint64_t loops)
{
    float acc[TB_PEAK_CHAINS];
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        acc[j] = (float)j;
    const float m = 0.999999f, a = 1e-7f;
    for (uint64_t i = 0; i < loops; i++) {
#pragma GCC unroll 16 /* chains in registers; the empty asm keeps each scalar (no SLP rewrite) */
        for (int j = 0; j < TB_PEAK_CHAINS; j++) {
            acc[j] = acc[j] * m + a;
            __asm__("" : "+x"(acc[j]));
        }
    }
    float s = 0;
#pragma GCC unroll 16
    for (int j = 0; j < TB_PEAK_CHAINS; j++)
        s += acc[j];
    return s;
}
