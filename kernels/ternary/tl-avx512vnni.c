/* tl-avx512vnni.c - tl kernels for AVX-512 VNNI + VBMI (tl_avx512vnni);
 * the VBMI part, the panel decoder, is tl-panels-avx512vbmi.c.
 * GEMV and small-n GEMM (n < TL_VNNI_MIN_N): tl's own lookup-table kernel,
 * the very impl of tl_avx512 (tb_tl_impl_avx512, tl-avx512.c).
 * GEMM (n >= TL_VNNI_MIN_N): the table build is per token while a decode of
 * the weights to codes is per matrix, so for many tokens the 16-bit words are
 * decoded to codes and multiplied by the shared VNNI engine
 * (tern-gemm-avx512vnni.c, the int8 micro-kernel) over panels from
 * tb_tl_panels_avx512vbmi.  Bit-exact vs tl_ref: both compute the exact integer
 * sum q_w * q_x (here sum codes * q_x - sum q_x) and the same float multiply. */
#include "tern-x86.h"

/* Smallest n for the decode + VNNI GEMM (below it the tables are cheaper). */
#define TL_VNNI_MIN_N 16

static void tl_gemm_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                               const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t nb = (m->kpad + TB_TL_VNNI_KC - 1) / TB_TL_VNNI_KC;
    const int64_t kc = tb_tern_round_up((m->kpad + nb - 1) / nb, 36);
    tb_tern_gemm_avx512vnni(m, tb_tl_panels_avx512vbmi, kc, xq, asum, fac, n, y, r0, r1);
}

static float tl_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx512(x, cols, kpad, q, sum);
}

static size_t tl_scratch_avx512vnni(const tb_kmat *m, int64_t n)
{
    return n >= TL_VNNI_MIN_N ? tb_tern_scratch_bytes_tiled(m, n) : tb_tl_scratch_bytes(m, n);
}

static void tl_run_avx512vnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                              void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tl_quant, NULL, tl_gemm_avx512vnni, 1, NULL};
    if (n >= TL_VNNI_MIN_N)
        tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
    else
        tb_tl_run(&tb_tl_impl_avx512, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tl_avx512vnni = {
    .name = "tl_avx512vnni", .format = "tl", .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ | TB_ISA_REQ_AVX512VBMI, /* + tb_tl_panels_avx512vbmi */
    .ref = "tl_ref", .max_nmse = 0.0, .bits_per_weight = 16.0 / 9.0, .act = TB_ACT_I8,
    .prepare = tb_tl_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tl_scratch_avx512vnni,
    .run = tl_run_avx512vnni, .ops = tb_tl_ops,
};
