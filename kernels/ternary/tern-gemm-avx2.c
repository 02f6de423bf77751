/* tern-gemm-avx2.c - tb_tern_gemm_avx2, the AVX2 blocked ternary GEMM of
 * tq2_avx2 and tq1_avx2 (engine and design: tern-gemm-ymm-impl.h). */
#define TERN_GEMM_NAME tb_tern_gemm_avx2
#include "tern-gemm-ymm-impl.h"
