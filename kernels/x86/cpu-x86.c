/* cpu-x86.c - x86-64 side of kernels/cpu-arch.h: CPUID/XGETBV feature
 * detection (OS state saving included) and the pause hint.  Compiled
 * without ISA flags, so it runs on every x86-64. */
#include "cpu-arch.h"
#include "tb-isa.h"

#include <cpuid.h>

static uint64_t xgetbv0(void)
{
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

uint32_t tb_cpu_detect_isa(void)
{
    unsigned a, b, c, d, max;
    uint32_t m = 0;
    if (!__get_cpuid(0, &max, &b, &c, &d))
        return 0;
    __cpuid(1, a, b, c, d);
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx)
        return 0;
    uint64_t xcr0 = xgetbv0();
    int ymm_ok = (xcr0 & 0x6) == 0x6;         /* XCR0 bits 1,2: SSE, AVX state */
    int zmm_ok = ymm_ok && (xcr0 & 0xe0) == 0xe0; /* bits 5-7: opmask, ZMM */
    if (max < 7 || !ymm_ok)
        return 0;
    __cpuid_count(7, 0, a, b, c, d);
    unsigned b7 = b, c7 = c;
    /* EBX bit 5: AVX2; bit 8: BMI2 (the avx2 files are built with -mbmi2) */
    if (((b7 >> 5) & 1) && ((b7 >> 8) & 1) && fma && f16c)
        m |= TB_ISA_AVX2;
    /* EBX bits 16 F, 17 DQ, 30 BW, 31 VL */
    if (zmm_ok && (m & TB_ISA_AVX2) && ((b7 >> 16) & 1) && ((b7 >> 17) & 1) && ((b7 >> 30) & 1) &&
        ((b7 >> 31) & 1))
        m |= TB_ISA_AVX512;
    if ((m & TB_ISA_AVX512) && ((c7 >> 11) & 1)) /* ECX bit 11: AVX512_VNNI */
        m |= TB_ISA_AVX512VNNI;
    if ((m & TB_ISA_AVX512) && ((c7 >> 1) & 1)) /* ECX bit 1: AVX512_VBMI */
        m |= TB_ISA_AVX512VBMI;
    if ((m & TB_ISA_AVX512) && ((d >> 23) & 1)) /* EDX bit 23: AVX512_FP16 */
        m |= TB_ISA_AVX512FP16;
    __cpuid_count(7, 1, a, b, c, d);
    if ((m & TB_ISA_AVX512) && ((a >> 5) & 1)) /* leaf 7.1 EAX bit 5: AVX512_BF16 */
        m |= TB_ISA_AVX512BF16;
    if ((m & TB_ISA_AVX2) && ((a >> 4) & 1)) /* leaf 7.1 EAX bit 4: AVX_VNNI */
        m |= TB_ISA_AVXVNNI;
    return m;
}

void tb_cpu_relax(void) { __builtin_ia32_pause(); }
