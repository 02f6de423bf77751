/* cuda-records.c - owns the forwarding of the tb_kernel contract to the
 * CUDA plugin for every device variant (upload, free, clone, bytes, the
 * verification adapter, stage/launch for timing) and the family list
 * tb_kernels_cuda.  The per-format host preparation (the CPU formats' own
 * quantizers) is in cuda-fp16.c, cuda-int8.c, cuda-tq2.c. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cuda-internal.h"
#include "tb-gpu.h"

static tb_gpu_mat *gm(const tb_kmat *m) { return (tb_gpu_mat *)(void *)m; }

int tb_cu_upload(const tb_gpu_weights *w, tb_kmat **out)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    if (!p)
        return -ENODEV;
    tb_gpu_mat *g = NULL;
    int rc = p->upload(w, &g);
    if (rc < 0)
        return rc;
    *out = (tb_kmat *)(void *)g;
    return 0;
}

void tb_cu_free(tb_kmat *m)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    if (m && p)
        p->free(gm(m));
}

int tb_cu_clone(const tb_kmat *m, tb_kmat **out)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    if (!p)
        return -ENODEV;
    tb_gpu_mat *g = NULL;
    int rc = p->clone(gm(m), &g);
    if (rc < 0)
        return rc;
    *out = (tb_kmat *)(void *)g;
    return 0;
}

size_t tb_cu_bytes(const tb_kmat *m, const void **base, size_t *base_len)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    return p ? p->bytes(gm(m), base, base_len) : 0;
}

size_t tb_cu_scratch_none(const tb_kmat *m, int64_t n) { return 0; }

static int cu_stage(const tb_kmat *m, const float *x, int64_t n, tb_gpu_acts **out)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    return p ? p->stage(gm(m), x, n, out) : -ENODEV;
}

static void cu_unstage(tb_gpu_acts *a)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    if (a && p)
        p->unstage(a);
}

static int cu_launch(int kern, const tb_kmat *m, tb_gpu_acts *a, uint64_t iters, double *event_ns)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    double ns = 0;
    int rc = p ? p->launch(kern, gm(m), a, iters, &ns) : -ENODEV;
    if (rc == 0)
        tb_gpu_event_ns_add(ns);
    if (event_ns)
        *event_ns = ns;
    return rc;
}

void tb_cu_run_kern(int kern, const tb_kmat *m, const float *x, int64_t n, float *y)
{
    const tb_cuda_plugin *p = tb_gpu_plugin();
    tb_gpu_acts *a = NULL;
    int rc = -ENODEV;
    if (p && (rc = p->stage(gm(m), x, n, &a)) == 0 && (rc = cu_launch(kern, m, a, 1, NULL)) == 0)
        rc = p->fetch(a, y);
    if (a)
        p->unstage(a);
    if (rc < 0) {
        int64_t rows = 0, cols = 0;
        if (p)
            p->shape(gm(m), &rows, &cols);
        for (int64_t i = 0; i < n * rows; i++)
            y[i] = NAN;
    }
}

#define CU_LAUNCH(name, kern)                                                                   \
    static int name(const tb_kmat *m, tb_gpu_acts *a, uint64_t iters, double *event_ns)        \
    {                                                                                           \
        return cu_launch(kern, m, a, iters, event_ns);                                          \
    }
CU_LAUNCH(launch_f16_cublas, TB_GPU_K_F16_CUBLAS)
CU_LAUNCH(launch_f16_gemv, TB_GPU_K_F16_GEMV)
CU_LAUNCH(launch_i8, TB_GPU_K_I8)
CU_LAUNCH(launch_tq2, TB_GPU_K_TQ2)
#undef CU_LAUNCH

const tb_kernel_gpu tb_cu_gpu_f16_cublas = {cu_stage, cu_unstage, launch_f16_cublas};
const tb_kernel_gpu tb_cu_gpu_f16_gemv = {cu_stage, cu_unstage, launch_f16_gemv};
const tb_kernel_gpu tb_cu_gpu_i8 = {cu_stage, cu_unstage, launch_i8};
const tb_kernel_gpu tb_cu_gpu_tq2 = {cu_stage, cu_unstage, launch_tq2};

const tb_kernel *const tb_kernels_cuda[] = {
    &tb_k_fp16_cublas, &tb_k_fp16_cuda, &tb_k_int8_cuda, &tb_k_tq2_cuda, NULL,
};
