/* tern-gemm-avxvnni.c - tb_tern_gemm_avxvnni, the AVX-VNNI blocked ternary
 * GEMM of tq2_avxvnni and tq1_avxvnni (tern-gemm-ymm-impl.h with one VEX
 * vpdpbusd per step instead of AVX2's vpmaddubsw + int16 vpaddw). */
#define TERN_GEMM_NAME tb_tern_gemm_avxvnni
#include "tern-gemm-ymm-impl.h"
