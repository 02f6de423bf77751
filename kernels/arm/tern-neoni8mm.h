/* tern-neoni8mm.h - the GEMM driver of the AArch64 i8mm ternary variants
 * (tq2_neoni8mm, tq1_neoni8mm), defined in tern-gemm-neoni8mm.c: quantize
 * the tokens (the recipe's scalar rule), pack them into SMMLA token tiles,
 * split the rows between threads in 16-row blocks and run mm-neoni8mm.h's
 * K-blocked SMMLA core with the format's panel decoder (codes 0..2 in the
 * row-pair layout), epilogue y = (float)(acc - sum q_x) * f as the refs. */
#ifndef TB_TERN_NEONI8MM_H
#define TB_TERN_NEONI8MM_H

#include "ternary/tb-ternary.h"
#include "mm-neoni8mm.h"

/* Scratch: [n * xstride int8][n int32 sums][n float factors][tiles]; at
 * least what the GEMV variant gemv needs for n = 1. */
size_t tb_tern_scratch_bytes_neoni8mm(const tb_kmat *m, int64_t n);
/* GEMV (n == 1): gemv->run; GEMM: the SMMLA core, K blocks of kb steps
 * (a multiple of the format block / 8, <= TB_MM_KS_MAX). */
void tb_tern_run_neoni8mm(const tb_kernel *gemv, tb_mm_panel_fn panel, int64_t kb,
                          const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                          tb_pool *pool, int nthreads);

#endif
