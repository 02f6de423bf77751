/* cuda-tq2.c - the tq2 (ternary, 2 bits/weight) device variant's host
 * side: weights quantized and packed by the CPU format itself
 * (tb_tq2_prepare: one scale s_w, 64-byte blocks of 256 weights), and those
 * very bytes uploaded in prepare(): the GPU layout is the CPU layout
 * (kernels/cuda/cuda-lane.h says how the kernels read it).
 * tq2_cuda: activations quantized on the device by the ternary recipe; n = 1:
 * dp4a GEMV decoding the 2-bit codes in registers; n > 1: each 256-column
 * block decoded to signed int8 tiles in shared memory, then IMMA tensor
 * cores (wmma); epilogue (float)(sum q_w q_x) * (s_w / s_x): bit-exact with
 * tq2_ref. */
#include <errno.h>

#include "../ternary/tb-ternary.h"
#include "cuda-internal.h"

static int tq2_cuda_prepare(const float *w, int64_t rows, int64_t cols, tb_kmat **out)
{
    tb_kmat *cpu = NULL;
    int rc = tb_tq2_prepare(w, rows, cols, &cpu);
    if (rc < 0)
        return rc;
    tb_gpu_weights gw = {.kind = TB_GPU_W_TQ2, .rows = rows, .cols = cols, .stride = cpu->row_bytes,
                         .w = cpu->data, .wscale = cpu->wscale};
    rc = tb_cu_upload(&gw, out);
    tb_tern_free(cpu);
    return rc;
}

static void run_tq2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch, tb_pool *pool,
                    int nthreads)
{
    tb_cu_run_kern(TB_GPU_K_TQ2, m, x, n, y);
}

const tb_kernel tb_k_tq2_cuda = {
    .name = "tq2_cuda", .format = "tq2", .isa = "cuda", .isa_mask = TB_ISA_CUDA,
    .ref = "tq2_ref", .max_nmse = 0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tq2_cuda_prepare, .free = tb_cu_free, .clone = tb_cu_clone, .bytes = tb_cu_bytes,
    .scratch_bytes = tb_cu_scratch_none, .run = run_tq2, .ops = tb_tq2_ops,
    .gpu = &tb_cu_gpu_tq2,
};
