// plugin-core.cu - the plugin's ABI table (tb_cuda_plugin_get): device
// selection and description, device memory for weights and staged
// activations, launch (iters x [activation prep + product] between two
// CUDA events, one synchronisation at the end) and the device-to-device
// copy bandwidth probe.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin.cuh"

cudaStream_t tb_cu_stream;
cublasHandle_t tb_cu_blas;
static char g_err[256];
static cudaEvent_t g_e0, g_e1;
static void *g_copy_src, *g_copy_dst;
static size_t g_copy_bytes;

int tb_cu_fail(const char *what, const char *detail)
{
    snprintf(g_err, sizeof g_err, "%s: %s", what, detail ? detail : "failed");
    return -EIO;
}

#define CK(call)                                                          \
    do {                                                                  \
        cudaError_t e_ = (call);                                          \
        if (e_ != cudaSuccess)                                            \
            return tb_cu_fail(#call, cudaGetErrorString(e_));             \
    } while (0)

static int p_init(char *desc, size_t dlen, char *why, size_t wlen)
{
    int count = 0, rt = 0, drv = 0;
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess || count < 1) {
        snprintf(why, wlen, "cudaGetDeviceCount: %s", e != cudaSuccess ? cudaGetErrorString(e) : "0 devices");
        return -ENODEV;
    }
    cudaDeviceProp p;
    if ((e = cudaSetDevice(0)) != cudaSuccess || (e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess ||
        (e = cudaStreamCreateWithFlags(&tb_cu_stream, cudaStreamNonBlocking)) != cudaSuccess ||
        (e = cudaEventCreate(&g_e0)) != cudaSuccess || (e = cudaEventCreate(&g_e1)) != cudaSuccess) {
        snprintf(why, wlen, "device 0: %s", cudaGetErrorString(e));
        return -ENODEV;
    }
    if (p.major < 8) {
        snprintf(why, wlen, "device 0 (%s) is sm_%d%d; the plugin is built for sm_80 and sm_90", p.name, p.major,
                 p.minor);
        return -ENODEV;
    }
    cublasStatus_t bs = cublasCreate(&tb_cu_blas);
    if (bs != CUBLAS_STATUS_SUCCESS || cublasSetStream(tb_cu_blas, tb_cu_stream) != CUBLAS_STATUS_SUCCESS) {
        snprintf(why, wlen, "cublasCreate: %s", cublasGetStatusString(bs));
        return -ENODEV;
    }
    cudaRuntimeGetVersion(&rt);
    cudaDriverGetVersion(&drv);
    snprintf(desc, dlen, "%s, sm_%d%d, %.1f GiB, %d SMs, L2 %d MiB, runtime %d.%d, driver API %d.%d", p.name, p.major,
             p.minor, (double)p.totalGlobalMem / 1073741824.0, p.multiProcessorCount, p.l2CacheSize >> 20,
             rt / 1000, rt % 1000 / 10, drv / 1000, drv % 1000 / 10);
    return 0;
}

static size_t elem(int kind) { return kind == TB_GPU_W_F16 ? 2 : 1; }

static int p_upload(const tb_gpu_weights *w, tb_gpu_mat **out)
{
    if (w->kind < TB_GPU_W_F16 || w->kind > TB_GPU_W_TQ2 || w->rows < 1 || w->cols < 1 || w->stride < 1 ||
        (w->kind == TB_GPU_W_F16 && w->stride % 8) || (w->kind == TB_GPU_W_I8 && w->stride % 256) ||
        (w->kind == TB_GPU_W_TQ2 && w->stride % 64))
        return -EINVAL;
    tb_gpu_mat *m = (tb_gpu_mat *)calloc(1, sizeof *m);
    if (!m)
        return -ENOMEM;
    m->kind = w->kind;
    m->rows = w->rows;
    m->cols = w->cols;
    m->stride = w->stride;
    m->wscale = w->wscale;
    m->wbytes = (size_t)w->rows * (size_t)w->stride * elem(w->kind);
    cudaError_t e = cudaMalloc(&m->w, m->wbytes);
    if (e == cudaSuccess)
        e = cudaMemcpy(m->w, w->w, m->wbytes, cudaMemcpyHostToDevice);
    if (e == cudaSuccess && w->kind == TB_GPU_W_I8) {
        e = cudaMalloc((void **)&m->scale, (size_t)w->rows * sizeof(float));
        if (e == cudaSuccess)
            e = cudaMemcpy(m->scale, w->scale, (size_t)w->rows * sizeof(float), cudaMemcpyHostToDevice);
    }
    if (e != cudaSuccess) {
        cudaFree(m->w);
        cudaFree(m->scale);
        free(m);
        tb_cu_fail("upload", cudaGetErrorString(e));
        return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
    }
    *out = m;
    return 0;
}

static void p_free(tb_gpu_mat *m)
{
    if (!m)
        return;
    cudaFree(m->w);
    cudaFree(m->scale);
    free(m);
}

static int p_clone(const tb_gpu_mat *m, tb_gpu_mat **out)
{
    tb_gpu_mat *c = (tb_gpu_mat *)calloc(1, sizeof *c);
    if (!c)
        return -ENOMEM;
    *c = *m;
    c->w = NULL;
    c->scale = NULL;
    cudaError_t e = cudaMalloc(&c->w, m->wbytes);
    if (e == cudaSuccess)
        e = cudaMemcpy(c->w, m->w, m->wbytes, cudaMemcpyDeviceToDevice);
    if (e == cudaSuccess && m->scale) {
        e = cudaMalloc((void **)&c->scale, (size_t)m->rows * sizeof(float));
        if (e == cudaSuccess)
            e = cudaMemcpy(c->scale, m->scale, (size_t)m->rows * sizeof(float), cudaMemcpyDeviceToDevice);
    }
    if (e != cudaSuccess) {
        p_free(c);
        tb_cu_fail("clone", cudaGetErrorString(e));
        return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
    }
    *out = c;
    return 0;
}

static void p_shape(const tb_gpu_mat *m, int64_t *rows, int64_t *cols)
{
    *rows = m->rows;
    *cols = m->cols;
}

static size_t p_bytes(const tb_gpu_mat *m, const void **base, size_t *len)
{
    if (base)
        *base = m->w;
    if (len)
        *len = m->wbytes;
    return m->wbytes + (m->scale ? (size_t)m->rows * sizeof(float) : 0);
}

static void p_unstage(tb_gpu_acts *a)
{
    if (!a)
        return;
    cudaFree(a->x);
    cudaFree(a->xq);
    cudaFree(a->xh);
    cudaFree(a->sx);
    cudaFree(a->xsum);
    cudaFree(a->y);
    free(a);
}

static int p_stage(const tb_gpu_mat *m, const float *x, int64_t n, tb_gpu_acts **out)
{
    if (n < 1)
        return -EINVAL;
    tb_gpu_acts *a = (tb_gpu_acts *)calloc(1, sizeof *a);
    if (!a)
        return -ENOMEM;
    a->kind = m->kind;
    a->rows = m->rows;
    a->cols = m->cols;
    a->n = n;
    a->xs = m->kind == TB_GPU_W_F16 ? m->stride : m->cols;
    a->kpad = m->kind == TB_GPU_W_I8 ? m->stride : m->kind == TB_GPU_W_TQ2 ? 4 * m->stride : 0;
    const size_t un = (size_t)n;
    cudaError_t e = cudaMalloc((void **)&a->x, un * (size_t)a->xs * 4);
    if (e == cudaSuccess)
        e = cudaMalloc((void **)&a->y, un * (size_t)a->rows * 4);
    if (e == cudaSuccess && a->kpad) {
        e = cudaMalloc((void **)&a->xq, un * (size_t)a->kpad);
        if (e == cudaSuccess)
            e = cudaMalloc((void **)&a->sx, un * 4);
        if (e == cudaSuccess)
            e = cudaMalloc((void **)&a->xsum, un * 4);
    }
    if (e == cudaSuccess && m->kind == TB_GPU_W_F16)
        e = cudaMalloc((void **)&a->xh, un * (size_t)a->xs * 2);
    if (e == cudaSuccess)
        e = cudaMemset(a->x, 0, un * (size_t)a->xs * 4);
    if (e == cudaSuccess)
        e = cudaMemcpy2D(a->x, (size_t)a->xs * 4, x, (size_t)a->cols * 4, (size_t)a->cols * 4, un,
                         cudaMemcpyHostToDevice);
    if (e != cudaSuccess) {
        p_unstage(a);
        tb_cu_fail("stage", cudaGetErrorString(e));
        return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
    }
    *out = a;
    return 0;
}

int tb_cu_product(int kern, const tb_gpu_mat *m, tb_gpu_acts *a)
{
    int rc;
    switch (kern) {
    case TB_GPU_K_F16_CUBLAS:
        return (rc = tb_cu_to_half(m, a)) < 0 ? rc : tb_cu_gemm_cublas(m, a);
    case TB_GPU_K_F16_GEMV:
        return tb_cu_gemv_f16(m, a);
    case TB_GPU_K_I8:
        if ((rc = tb_cu_quant(m, a)) < 0)
            return rc;
        return a->n == 1 ? tb_cu_gemv_i8(m, a) : tb_cu_gemm_imma(m, a);
    case TB_GPU_K_TQ2:
        if ((rc = tb_cu_quant(m, a)) < 0)
            return rc;
        return a->n == 1 ? tb_cu_gemv_tq2(m, a) : tb_cu_gemm_imma(m, a);
    }
    return -EINVAL;
}

int tb_cu_kind_of(int kern)
{
    return kern == TB_GPU_K_F16_CUBLAS || kern == TB_GPU_K_F16_GEMV ? TB_GPU_W_F16
           : kern == TB_GPU_K_I8                                    ? TB_GPU_W_I8
           : kern == TB_GPU_K_TQ2                                   ? TB_GPU_W_TQ2
                                                                    : -1;
}

static int p_launch(int kern, const tb_gpu_mat *m, tb_gpu_acts *a, uint64_t iters, double *event_ns)
{
    if (tb_cu_kind_of(kern) != m->kind || a->kind != m->kind || a->rows != m->rows || a->cols != m->cols)
        return -EINVAL;
    CK(cudaEventRecord(g_e0, tb_cu_stream));
    for (uint64_t i = 0; i < iters; i++) {
        int rc = tb_cu_product(kern, m, a);
        if (rc < 0)
            return rc;
    }
    CK(cudaEventRecord(g_e1, tb_cu_stream));
    CK(cudaEventSynchronize(g_e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, g_e0, g_e1));
    *event_ns = (double)ms * 1e6;
    return 0;
}

static int p_fetch(const tb_gpu_acts *a, float *y)
{
    CK(cudaMemcpy(y, a->y, (size_t)a->n * (size_t)a->rows * 4, cudaMemcpyDeviceToHost));
    return 0;
}

static int p_copy(size_t bytes, uint64_t iters, double *event_ns)
{
    if (bytes != g_copy_bytes) {
        cudaFree(g_copy_src);
        cudaFree(g_copy_dst);
        g_copy_src = g_copy_dst = NULL;
        g_copy_bytes = 0;
        if (!bytes)
            return 0;
        cudaError_t e = cudaMalloc(&g_copy_src, bytes);
        if (e == cudaSuccess)
            e = cudaMalloc(&g_copy_dst, bytes);
        if (e == cudaSuccess)
            e = cudaMemset(g_copy_src, 1, bytes);
        if (e != cudaSuccess) {
            cudaFree(g_copy_src);
            cudaFree(g_copy_dst);
            g_copy_src = g_copy_dst = NULL;
            tb_cu_fail("copy probe buffers", cudaGetErrorString(e));
            return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
        }
        g_copy_bytes = bytes;
    }
    CK(cudaEventRecord(g_e0, tb_cu_stream));
    for (uint64_t i = 0; i < iters; i++)
        CK(cudaMemcpyAsync(g_copy_dst, g_copy_src, bytes, cudaMemcpyDeviceToDevice, tb_cu_stream));
    CK(cudaEventRecord(g_e1, tb_cu_stream));
    CK(cudaEventSynchronize(g_e1));
    float ms = 0;
    CK(cudaEventElapsedTime(&ms, g_e0, g_e1));
    *event_ns = (double)ms * 1e6;
    return 0;
}

static const char *p_last_error(void) { return g_err; }

static const tb_cuda_plugin plugin = {
    TB_CUDA_ABI, p_init,  p_upload, p_free,  p_clone, p_shape, p_bytes,
    p_stage,     p_unstage, p_launch, p_fetch, p_copy,  p_last_error,
};

extern "C" __attribute__((visibility("default"))) const tb_cuda_plugin *tb_cuda_plugin_get(int abi)
{
    return abi == TB_CUDA_ABI ? &plugin : NULL;
}
