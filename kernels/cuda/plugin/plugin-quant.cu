// plugin-quant.cu - activation preparation on the device, inside the timed
// launch as a layer would do it: per-token absmax int8 quantization by the
// CPU recipes (the element rule is kernels/cuda/cuda-lane.h; max and the
// integer sum are exact in any order), and fp32 -> fp16 for cuBLAS.
#include "plugin.cuh"
#include "../cuda-lane.h"

#define QT 256

__global__ void __launch_bounds__(QT) k_quant(const float *x, int64_t xs, int64_t cols, int64_t kpad, int8_t *xq,
                                               float *sx, int32_t *xsum, float wscale, int tern)
{
    __shared__ float shf[QT / 32];
    __shared__ int32_t shi[QT / 32];
    const int64_t t = blockIdx.x;
    const float *xr = x + t * xs;
    int8_t *q = xq + t * kpad;
    float a = 0.0f;
    for (int64_t c = threadIdx.x; c < cols; c += QT)
        a = fmaxf(a, fabsf(xr[c]));
    a = tb_cu_block_max(a, shf);
    if (tern) {
        const float s = tb_cu_t_scale(a);
        int32_t sum = 0;
        for (int64_t c = threadIdx.x; c < kpad; c += QT) {
            int8_t v = c < cols ? tb_cu_t_q(xr[c], s) : 0;
            q[c] = v;
            sum += v;
        }
        sum = tb_cu_block_sum(sum, shi);
        if (threadIdx.x == 0) {
            sx[t] = tb_cu_t_factor(s, wscale);
            xsum[t] = sum;
        }
    } else {
        const float inv = tb_cu_i8_inv(a);
        for (int64_t c = threadIdx.x; c < kpad; c += QT)
            q[c] = c < cols ? tb_cu_i8_q(xr[c], inv) : 0;
        if (threadIdx.x == 0)
            sx[t] = tb_cu_i8_sx(a);
    }
}

__global__ void k_to_half(const float *x, int64_t count, __half *h)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count; i += (int64_t)gridDim.x * blockDim.x)
        h[i] = __float2half_rn(x[i]);
}

int tb_cu_quant(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    k_quant<<<(unsigned)a->n, QT, 0, tb_cu_stream>>>(a->x, a->xs, a->cols, a->kpad, a->xq, a->sx, a->xsum, m->wscale,
                                                     m->kind == TB_GPU_W_TQ2);
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : tb_cu_fail("quantize launch", cudaGetErrorString(e));
}

int tb_cu_to_half(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    // x is staged with the weight stride (zero-padded), so the halves are too
    const int64_t count = a->n * a->xs;
    int64_t blocks = (count + 255) / 256;
    k_to_half<<<(unsigned)(blocks < 4096 ? blocks : 4096), 256, 0, tb_cu_stream>>>(a->x, count, a->xh);
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : tb_cu_fail("to-half launch", cudaGetErrorString(e));
}
