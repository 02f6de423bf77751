/* int8-avx2.c - variant int8_avx2 (AVX2, no VNNI): the ymm kernels of
 * int8-avx2-impl.h with vpmaddubsw + vpmaddwd products.
 *
 * vpmaddubsw multiplies unsigned by signed bytes with int16 saturation, so
 * the activations are kept twice in the scratch: area A = xq (signed, used
 * only for its sign via vpsignb) and area B = |xq| (the unsigned operand).
 * |xq| * (wq * sign(xq)) <= 127 * 127, and a pair sums to <= 32258 < 32767:
 * never saturates, so the int32 sums (vpmaddwd with ones) are exact.
 *
 * GEMV (n == 1): each thread streams its panels once.  GEMM (n > 1): per K
 * block of KCQ groups (16 rows x KCQ x 4 B = 8 KiB, widened to int16 once)
 * a 16 x 4 vpmaddwd micro-kernel runs over every activation tile (int16
 * pairs); partial int32 sums live in y's memory between K blocks, the
 * float epilogue follows the last block (int8-avx2-impl.h). */
#include "int8-avx2-impl.h"

const tb_kernel tb_k_int8_avx2 = {
    .name = "int8_avx2",
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
