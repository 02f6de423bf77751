/* int8-avxvnni.c - variant int8_avxvnni (AVX2 + AVX-VNNI, VEX vpdpbusd on
 * ymm; Intel client cores from Alder Lake on, which lack AVX-512): the ymm
 * kernels of int8-avx2-impl.h with vpdpbusd replacing vpmaddubsw + vpmaddwd
 * + vpaddd (the same operands: no correction term needed).
 *
 * Activations as for int8_avx2: area A = xq (its sign, applied to the weights
 * by vpsignb), area B = |xq| (the unsigned operand of vpdpbusd); the int32
 * sums are exact, so the variant is bit-exact with int8_ref.
 *
 * GEMV (n == 1): each thread streams its panels once.  GEMM (n > 1): area B
 * = xq + 128 against the signed weights, prepare's corr added at the end
 * (no vpsignb); per K block of KCQ groups (16 rows x KCQ x 4 B = 8 KiB) a
 * 16 x 6 micro-kernel runs over every activation tile; partial int32 sums
 * live in y's memory between K blocks, the float epilogue follows the last
 * block (int8-avx2-impl.h). */
#include "int8-avx2-impl.h"

const tb_kernel tb_k_int8_avxvnni = {
    .name = "int8_avxvnni",
    .format = "int8",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "int8_ref",
    .max_nmse = 0,
    .bits_per_weight = 8,
    .act = TB_ACT_I8,
    .prepare = tb_i8_prepare,
    .free = tb_i8_free,
    .clone = tb_i8_clone,
    .bytes = tb_i8_bytes,
    .scratch_bytes = tb_i8_scratch_bytes,
    .run = run,
    .ops = tb_i8_ops,
};
