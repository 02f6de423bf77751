// plugin-gemv.cu - warp-per-row GEMVs, 8 rows per 256-thread block; each
// lane streams 16-byte pieces of its row (cuda-lane.h gives the layout).
//   tq2: 2-bit codes decoded in registers (shift + mask), dp4a against the
//        int8 activations, sum c q_x - sum q_x, ternary epilogue.
//   int8: dp4a, epilogue (float)acc * (sx * sw).
//   fp16: halves widened in registers, fp32 FMA with fp32 activations, up to
//        4 tokens per weight load (n > 1 runs chunks of 4).
#include "plugin.cuh"
#include "../cuda-lane.h"

#define GT 256
#define ROWS_PER_BLOCK (GT / 32)

__device__ inline int32_t warp_sum_i(int32_t v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ inline float warp_sum_f(float v)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ inline void words(uint4 v, uint32_t w[4])
{
    w[0] = v.x;
    w[1] = v.y;
    w[2] = v.z;
    w[3] = v.w;
}

__global__ void __launch_bounds__(GT) k_tq2_gemv(const uint8_t *w, int64_t rows, int64_t rb, const int8_t *xq,
                                                  const float *fac, const int32_t *xsum, float *y)
{
    const int64_t r = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (r >= rows)
        return;
    const uint8_t *wr = w + r * rb;
    int32_t acc = 0;
    for (int64_t o = lane * TB_CU_LANE_BYTES; o < rb; o += TB_CU_STEP_BYTES) {
        uint32_t ww[4], xx[4][4];
        words(*(const uint4 *)(wr + o), ww);
        for (int k = 0; k < 4; k++)
            words(__ldg((const uint4 *)(xq + tb_cu_tq2_xoff(o, k))), xx[k]);
        acc = tb_cu_tq2_step(ww, xx, acc);
    }
    acc = warp_sum_i(acc);
    if (lane == 0)
        y[r] = tb_cu_t_out(acc - xsum[0], fac[0]);
}

__global__ void __launch_bounds__(GT) k_i8_gemv(const int8_t *w, int64_t rows, int64_t st, const float *sw,
                                                 const int8_t *xq, const float *sx, float *y)
{
    const int64_t r = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (r >= rows)
        return;
    const int8_t *wr = w + r * st;
    int32_t acc = 0;
    for (int64_t o = lane * TB_CU_LANE_BYTES; o < st; o += TB_CU_STEP_BYTES) {
        uint32_t ww[4], xx[4];
        words(*(const uint4 *)(wr + o), ww);
        words(__ldg((const uint4 *)(xq + o)), xx);
        acc = tb_cu_i8_step(ww, xx, acc);
    }
    acc = warp_sum_i(acc);
    if (lane == 0)
        y[r] = tb_cu_i8_out(acc, sx[0], sw[r]);
}

template <int NT>
__global__ void __launch_bounds__(GT) k_f16_gemv(const __half *w, int64_t rows, int64_t st, const float *x,
                                                  int64_t t0, float *y)
{
    const int64_t r = blockIdx.x * (int64_t)ROWS_PER_BLOCK + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (r >= rows)
        return;
    const __half *wr = w + r * st;
    float acc[NT];
    for (int j = 0; j < NT; j++)
        acc[j] = 0.0f;
    for (int64_t h = lane * 8; h < st; h += 256) {
        uint4 v = *(const uint4 *)(wr + h);
        const __half2 *hp = (const __half2 *)&v;
        float wf[8];
        for (int i = 0; i < 4; i++) {
            float2 f = __half22float2(hp[i]);
            wf[2 * i] = f.x;
            wf[2 * i + 1] = f.y;
        }
        for (int j = 0; j < NT; j++) {
            const float4 *xp = (const float4 *)(x + (t0 + j) * st + h);
            float4 a = __ldg(xp), b = __ldg(xp + 1);
            float s = acc[j];
            s = fmaf(wf[0], a.x, s);
            s = fmaf(wf[1], a.y, s);
            s = fmaf(wf[2], a.z, s);
            s = fmaf(wf[3], a.w, s);
            s = fmaf(wf[4], b.x, s);
            s = fmaf(wf[5], b.y, s);
            s = fmaf(wf[6], b.z, s);
            s = fmaf(wf[7], b.w, s);
            acc[j] = s;
        }
    }
    for (int j = 0; j < NT; j++) {
        float s = warp_sum_f(acc[j]);
        if (lane == 0)
            y[(t0 + j) * rows + r] = s;
    }
}

static unsigned row_blocks(int64_t rows) { return (unsigned)((rows + ROWS_PER_BLOCK - 1) / ROWS_PER_BLOCK); }

static int launched(const char *what)
{
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : tb_cu_fail(what, cudaGetErrorString(e));
}

int tb_cu_gemv_tq2(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    k_tq2_gemv<<<row_blocks(m->rows), GT, 0, tb_cu_stream>>>((const uint8_t *)m->w, m->rows, m->stride, a->xq, a->sx,
                                                             a->xsum, a->y);
    return launched("tq2 GEMV launch");
}

int tb_cu_gemv_i8(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    k_i8_gemv<<<row_blocks(m->rows), GT, 0, tb_cu_stream>>>((const int8_t *)m->w, m->rows, m->stride, m->scale, a->xq,
                                                            a->sx, a->y);
    return launched("int8 GEMV launch");
}

int tb_cu_gemv_f16(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    const __half *w = (const __half *)m->w;
    for (int64_t t0 = 0; t0 < a->n; t0 += 4) {
        const int64_t left = a->n - t0;
        const unsigned b = row_blocks(m->rows);
        if (left >= 4)
            k_f16_gemv<4><<<b, GT, 0, tb_cu_stream>>>(w, m->rows, m->stride, a->x, t0, a->y);
        else if (left == 3)
            k_f16_gemv<3><<<b, GT, 0, tb_cu_stream>>>(w, m->rows, m->stride, a->x, t0, a->y);
        else if (left == 2)
            k_f16_gemv<2><<<b, GT, 0, tb_cu_stream>>>(w, m->rows, m->stride, a->x, t0, a->y);
        else
            k_f16_gemv<1><<<b, GT, 0, tb_cu_stream>>>(w, m->rows, m->stride, a->x, t0, a->y);
        if (launched("fp16 GEMV launch") < 0)
            return -5;
    }
    return 0;
}
