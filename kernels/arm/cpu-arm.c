/* cpu-arm.c - AArch64 side of kernels/cpu-arch.h: features from the
 * kernel's hardware capability words, getauxval(AT_HWCAP / AT_HWCAP2)
 * (Linux arch/arm64 hwcap bits, the names /proc/cpuinfo prints), and the
 * yield hint.  Compiled without -march extensions: runs on every AArch64. */
#include "cpu-arch.h"
#include "tb-isa.h"

#include <sys/auxv.h>

/* Bit numbers of Linux's uapi asm/hwcap.h, spelled out so that an older
 * libc header cannot drop one silently. */
#define HWCAP_BIT_FP (1ul << 0)       /* fp */
#define HWCAP_BIT_ASIMD (1ul << 1)    /* asimd */
#define HWCAP_BIT_FPHP (1ul << 9)     /* fphp: scalar fp16 arithmetic */
#define HWCAP_BIT_ASIMDHP (1ul << 10) /* asimdhp: vector fp16 arithmetic */
#define HWCAP_BIT_ASIMDDP (1ul << 20) /* asimddp: sdot/udot */
#define HWCAP2_BIT_I8MM (1ul << 13)   /* i8mm: smmla/ummla/usmmla, usdot */
#define HWCAP2_BIT_BF16 (1ul << 14)   /* bf16: bfdot, bfmmla, bfmlal, bfcvt */

uint32_t tb_cpu_detect_isa(void)
{
    unsigned long hw = getauxval(AT_HWCAP), hw2 = getauxval(AT_HWCAP2);
    uint32_t m = 0;
    if (!(hw & HWCAP_BIT_FP) || !(hw & HWCAP_BIT_ASIMD))
        return 0;
    m |= TB_ISA_NEON;
    if (hw & HWCAP_BIT_ASIMDDP)
        m |= TB_ISA_NEONDOT;
    /* the i8mm files are built with +dotprod as well (cmake/isa-table.txt) */
    if ((m & TB_ISA_NEONDOT) && (hw2 & HWCAP2_BIT_I8MM))
        m |= TB_ISA_NEONI8MM;
    if ((hw & HWCAP_BIT_FPHP) && (hw & HWCAP_BIT_ASIMDHP))
        m |= TB_ISA_NEONFP16;
    if (hw2 & HWCAP2_BIT_BF16)
        m |= TB_ISA_NEONBF16;
    return m;
}

void tb_cpu_relax(void) { __asm__ volatile("yield" ::: "memory"); }
