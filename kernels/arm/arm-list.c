/* arm-list.c - the one list of AArch64 variants (every format), linked
 * into kernels/registry.c's families in an AArch64 build.  Each record is
 * defined in its kernels/arm/<format>-<suffix>.c file. */
#include "tb-kernel.h"

extern const tb_kernel tb_k_int8_neon, tb_k_int8_neondot;
extern const tb_kernel tb_k_tq2_neon, tb_k_tq2_neondot;
extern const tb_kernel tb_k_tq1_neon, tb_k_tq1_neondot;
extern const tb_kernel tb_k_fp16_neon;
extern const tb_kernel tb_k_fp16_neonfp16, tb_k_bf16_neon, tb_k_bf16_neonbf16;
extern const tb_kernel tb_k_int8_neoni8mm, tb_k_tq2_neoni8mm, tb_k_tq1_neoni8mm, tb_k_tl_neon;

const tb_kernel *const tb_kernels_arm[] = {
    &tb_k_int8_neon,
    &tb_k_int8_neondot,
    &tb_k_tq2_neon,
    &tb_k_tq2_neondot,
    &tb_k_tq1_neon,
    &tb_k_tq1_neondot,
    &tb_k_fp16_neon,
    &tb_k_fp16_neonfp16,
    &tb_k_bf16_neon,
    &tb_k_bf16_neonbf16,
    &tb_k_int8_neoni8mm,
    &tb_k_tq2_neoni8mm,
    &tb_k_tq1_neoni8mm,
    &tb_k_tl_neon,
    NULL,
};
