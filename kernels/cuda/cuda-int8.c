/* cuda-int8.c - the int8 (W8A8) device variant's host side: weights
 * quantized per row by the CPU format's own quantizer
 * (tb_i8_quant_weights), stored row-major with rows padded with zeros to
 * 256 bytes (one GEMM K step), per-row scales; uploaded in prepare().
 * int8_cuda: per-token absmax activations quantized on the device by the
 * CPU recipe (kernels/cuda/cuda-lane.h), dp4a GEMV for n = 1, IMMA tensor
 * cores (wmma, int32 accumulation) for n > 1; epilogue
 * (float)acc * (sx * sw): bit-exact with int8_ref.  cuBLASLt's int8 GEMM is
 * not used: its epilogue cannot apply a per-token and a per-row scale in
 * the CPU's order, so it could not be bit-exact. */
#include <errno.h>
#include <stdlib.h>

#include "../int8/int8-internal.h"
#include "cuda-internal.h"

#define I8_STRIDE(cols) (((cols) + 255) / 256 * 256)

static int int8_cuda_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    if (rows <= 0 || cols <= 0)
        return -EINVAL;
    if (cols > TB_I8_MAX_COLS)
        return -E2BIG;
    const int64_t st = I8_STRIDE(cols);
    int8_t *q = calloc((size_t)rows * (size_t)st, 1);
    float *sw = malloc((size_t)rows * sizeof *sw);
    int rc = -ENOMEM;
    if (q && sw) {
        for (int64_t r = 0; r < rows; r++)
            sw[r] = tb_i8_quant_weights(w + r * cols, cols, q + r * st);
        tb_gpu_weights gw = {.kind = TB_GPU_W_I8, .rows = rows, .cols = cols, .stride = st, .w = q, .scale = sw};
        rc = tb_cu_upload(&gw, out);
    }
    free(q);
    free(sw);
    return rc;
}

static void run_i8(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch, tb_pool *pool,
                   int nthreads)
{
    tb_cu_run_kern(TB_GPU_K_I8, m, x, n, y);
}

const tb_kernel tb_k_int8_cuda = {
    .name = "int8_cuda", .format = "int8", .isa = "cuda", .isa_mask = TB_ISA_CUDA,
    .ref = "int8_ref", .max_nmse = 0, .bits_per_weight = 8, .act = TB_ACT_I8,
    .prepare = int8_cuda_prepare, .free = tb_cu_free, .clone = tb_cu_clone, .bytes = tb_cu_bytes,
    .scratch_bytes = tb_cu_scratch_none, .run = run_i8, .ops = tb_i8_ops,
    .gpu = &tb_cu_gpu_i8,
};
