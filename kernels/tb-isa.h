/* tb-isa.h - instruction-set feature bits for run-time kernel dispatch.
 * tb_isa_detect() asks the CPU (CPUID/XGETBV on x86-64, kernels/x86/;
 * getauxval(AT_HWCAP, AT_HWCAP2) on AArch64, kernels/arm/) and is compiled
 * without any ISA flag, so it is safe on every CPU of its architecture.  One cap, set by the CLI (--isa or the
 * TRITBENCH_ISA variable) through tb_isa_set_cap, forces a lower variant for
 * A/B comparisons on one machine; every dispatch or usability decision uses
 * tb_isa_allowed() = detect & cap.  kernels/ reads no environment variable. */
#ifndef TB_ISA_H
#define TB_ISA_H

#include <stdint.h>

enum {
    TB_ISA_AVX2       = 1u << 0, /* AVX2 + FMA + F16C + BMI2 */
    TB_ISA_AVX512     = 1u << 1, /* AVX-512 F, BW, DQ, VL */
    TB_ISA_AVX512VNNI = 1u << 2, /* AVX-512 VNNI (vpdpbusd) */
    TB_ISA_AVX512BF16 = 1u << 3, /* AVX-512 BF16 (vdpbf16ps) */
    TB_ISA_AVXVNNI    = 1u << 4, /* VEX-coded AVX-VNNI */
    TB_ISA_AVX512VBMI = 1u << 5, /* AVX-512 VBMI (vpermb) */
    TB_ISA_AVX512FP16 = 1u << 6, /* AVX-512 FP16 */
    TB_ISA_CUDA       = 1u << 7, /* a CUDA device through the plugin (tb-gpu.h), not a CPU feature */
    /* AArch64 (bits 16.., so x86 can grow): HWCAP names in parentheses */
    TB_ISA_NEON       = 1u << 16, /* Advanced SIMD (asimd): every AArch64 CPU */
    TB_ISA_NEONDOT    = 1u << 17, /* dot product sdot/udot (asimddp) */
    TB_ISA_NEONI8MM   = 1u << 18, /* int8 matrix multiply smmla, usdot (i8mm) */
    TB_ISA_NEONFP16   = 1u << 19, /* half-precision arithmetic (fphp + asimdhp) */
    TB_ISA_NEONBF16   = 1u << 20, /* bfloat16 bfdot/bfmmla/bfcvt (bf16, HWCAP2) */
};

/* Features of this CPU (and OS state saving), cached after the first call;
 * not capped. */
uint32_t tb_isa_detect(void);
/* Set the cap (a tb_isa_parse mask; all bits by default).  Call it before
 * any dispatch, from one thread. */
void tb_isa_set_cap(uint32_t mask);
uint32_t tb_isa_cap(void);
/* What dispatch may use: (tb_isa_detect() | tb_gpu_bits()) & the cap.
 * The CPU levels of tb_isa_parse keep TB_ISA_CUDA: --isa caps the CPU. */
uint32_t tb_isa_allowed(void);
/* Parse a level name ("scalar", "avx2", "avxvnni", "avx512", "avx512vnni",
 * "avx512bf16"; "neon", "neondot", "neoni8mm"; "native") into the mask of
 * features it allows; returns -1 for an unknown name.  Levels of the other
 * architecture parse too (they allow only scalar code there). */
int tb_isa_parse(const char *name, uint32_t *mask);
/* The bits code from a *-<suffix>.c file needs (cmake/isa-table.txt);
 * "scalar" (plain files) gives 0, "cuda" (the plugin's records) TB_ISA_CUDA.  -1 for a suffix not in the table. */
int tb_isa_suffix_req(const char *suffix, uint32_t *mask);
/* Space-separated names of the bits in mask, e.g. "avx2 avx512 avx512vnni". */
const char *tb_isa_names(uint32_t mask, char *buf, int len);

#endif
