/* cuda-fp16.c - the fp16 device variants' host side: weights rounded to
 * binary16 (RNE, tb_fp16_from_f32: the CPU fp16 format's conversion) in
 * row-major rows padded to 8 halves, uploaded in prepare().
 *   fp16_cublas: activations converted to half on the device, cublasGemmEx
 *     (fp32 compute and output).  Bound vs fp16_ref: NMSE <= 1e-6; the
 *     activations' rounding to 11 bits dominates (~2^-22 / 12 ~ 2e-8 per
 *     term, independent across terms), fp32 accumulation adds ~K 2^-48.
 *   fp16_cuda: hand-written warp-per-row GEMV (up to 4 tokens per weight
 *     load for n > 1), fp32 activations, fp32 FMA accumulation in another
 *     order than the ref's double: NMSE <= 1e-10 as the CPU fp16 variants
 *     (~K 2^-48 / 6). */
#include <errno.h>
#include <stdlib.h>

#include "../fp16/fp16-internal.h"
#include "cuda-internal.h"

#define F16_STRIDE(cols) (((cols) + 7) / 8 * 8)

static int fp16_cuda_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    if (rows <= 0 || cols <= 0)
        return -EINVAL;
    const int64_t st = F16_STRIDE(cols);
    uint16_t *h = calloc((size_t)rows * (size_t)st, sizeof *h);
    if (!h)
        return -ENOMEM;
    for (int64_t r = 0; r < rows; r++)
        for (int64_t c = 0; c < cols; c++)
            h[r * st + c] = tb_fp16_from_f32(w[r * cols + c]);
    tb_gpu_weights gw = {.kind = TB_GPU_W_F16, .rows = rows, .cols = cols, .stride = st, .w = h};
    int rc = tb_cu_upload(&gw, out);
    free(h);
    return rc;
}

static void run_cublas(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch, tb_pool *pool,
                       int nthreads)
{
    tb_cu_run_kern(TB_GPU_K_F16_CUBLAS, m, x, n, y);
}

static void run_gemv(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch, tb_pool *pool,
                     int nthreads)
{
    tb_cu_run_kern(TB_GPU_K_F16_GEMV, m, x, n, y);
}

const tb_kernel tb_k_fp16_cublas = {
    .name = "fp16_cublas", .format = "fp16", .isa = "cuda", .isa_mask = TB_ISA_CUDA,
    .ref = "fp16_ref", .max_nmse = 1e-6, .bits_per_weight = 16, .act = TB_ACT_F32,
    .prepare = fp16_cuda_prepare, .free = tb_cu_free, .clone = tb_cu_clone, .bytes = tb_cu_bytes,
    .scratch_bytes = tb_cu_scratch_none, .run = run_cublas, .ops = tb_fp16_ops,
    .gpu = &tb_cu_gpu_f16_cublas,
};

const tb_kernel tb_k_fp16_cuda = {
    .name = "fp16_cuda", .format = "fp16", .isa = "cuda", .isa_mask = TB_ISA_CUDA,
    .ref = "fp16_ref", .max_nmse = 1e-10, .bits_per_weight = 16, .act = TB_ACT_F32,
    .prepare = fp16_cuda_prepare, .free = tb_cu_free, .clone = tb_cu_clone, .bytes = tb_cu_bytes,
    .scratch_bytes = tb_cu_scratch_none, .run = run_gemv, .ops = tb_fp16_ops,
    .gpu = &tb_cu_gpu_f16_gemv,
};
