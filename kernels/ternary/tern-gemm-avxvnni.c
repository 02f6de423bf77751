/* tern-gemm-avxvnni.c - tb_tern_gemm_avxvnni, the AVX-VNNI blocked ternary
 * GEMM (tern-gemm-ymm-impl.h with one VEX vpdpbusd per step instead of
 * vpmaddubsw + vpmaddwd + vpaddd) of tq2_avxvnni. */
#define TERN_GEMM_NAME tb_tern_gemm_avxvnni
#include "tern-gemm-ymm-impl.h"
