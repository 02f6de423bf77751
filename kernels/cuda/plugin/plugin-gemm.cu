// plugin-gemm.cu - GEMMs (n > 1).
//   IMMA: a 64-row x 64-token block tile, 4 warps of 32 x 32 (2 x 2 wmma
//   16x16x16 int8 fragments, int32 accumulators: exact).  Per 256-column K
//   step the weights land in shared memory as signed int8 chunks of 16
//   columns (int8: copied; tq2: decoded from the packed bytes with
//   cuda-lane.h's tb_cu_tq2_chunk, so the tensor cores see q_w in
//   {-1, 0, 1}), the quantized activations likewise; the epilogue is the
//   CPU's (int8: (float)acc * (sx * sw), tq2: (float)acc * f).
//   cuBLAS: cublasGemmEx, fp16 weights x fp16 activations, fp32 compute.
#include <mma.h>

#include "plugin.cuh"
#include "../cuda-lane.h"

using namespace nvcuda;

#define BM 64
#define BN 64
#define NCH (TB_CU_KSTEP / 16) // 16-column chunks per K step
#define GT 128

template <bool TQ2>
__global__ void __launch_bounds__(GT) k_imma(const uint8_t *w, int64_t rows, int64_t wst, const int8_t *xq,
                                              int64_t kpad, int64_t n, const float *sx, const float *sw, float *y)
{
    __shared__ __align__(128) int8_t As[NCH * BM * 16];
    __shared__ __align__(128) int8_t Bs[NCH * BN * 16];
    const int64_t r0 = blockIdx.x * (int64_t)BM, t0 = blockIdx.y * (int64_t)BN;
    const int tid = threadIdx.x, warp = tid >> 5, wm = warp & 1, wn = warp >> 1;
    wmma::fragment<wmma::accumulator, 16, 16, 16, int> acc[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            wmma::fill_fragment(acc[i][j], 0);
    const int64_t steps = kpad / TB_CU_KSTEP;
    for (int64_t s = 0; s < steps; s++) {
        if (TQ2) { // 64 rows x 4 groups of 16 packed bytes (one 64-byte block per row)
            for (int g = tid; g < BM * 4; g += GT) {
                const int r = g >> 2, j = (g & 3) * 16;
                uint4 v = make_uint4(0, 0, 0, 0);
                if (r0 + r < rows)
                    v = *(const uint4 *)(w + (r0 + r) * wst + s * TB_CU_KSTEP / 4 + j);
                uint32_t ww[4] = {v.x, v.y, v.z, v.w}, out[4][4];
                tb_cu_tq2_chunk(ww, out);
                for (int k = 0; k < 4; k++)
                    *(uint4 *)(As + (tb_cu_tq2_chunk_index(j, k) * BM + r) * 16) =
                        make_uint4(out[k][0], out[k][1], out[k][2], out[k][3]);
            }
        } else { // 64 rows x 16 chunks of 16 bytes
            for (int g = tid; g < BM * NCH; g += GT) {
                const int r = g / NCH, kc = g % NCH;
                uint4 v = make_uint4(0, 0, 0, 0);
                if (r0 + r < rows)
                    v = *(const uint4 *)(w + (r0 + r) * wst + s * TB_CU_KSTEP + kc * 16);
                *(uint4 *)(As + (kc * BM + r) * 16) = v;
            }
        }
        for (int g = tid; g < BN * NCH; g += GT) {
            const int t = g / NCH, kc = g % NCH;
            uint4 v = make_uint4(0, 0, 0, 0);
            if (t0 + t < n)
                v = __ldg((const uint4 *)(xq + (t0 + t) * kpad + s * TB_CU_KSTEP + kc * 16));
            *(uint4 *)(Bs + (kc * BN + t) * 16) = v;
        }
        __syncthreads();
        for (int kc = 0; kc < NCH; kc++) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, signed char, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, signed char, wmma::col_major> fb[2];
            for (int i = 0; i < 2; i++)
                wmma::load_matrix_sync(fa[i], As + (kc * BM + wm * 32 + i * 16) * 16, 16);
            for (int j = 0; j < 2; j++)
                wmma::load_matrix_sync(fb[j], Bs + (kc * BN + wn * 32 + j * 16) * 16, 16);
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        __syncthreads();
    }
    // C (row m, token t) at Cs[t * BM + m]: As is exactly BM * BN ints
    int *Cs = (int *)(void *)As;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            wmma::store_matrix_sync(Cs + (wn * 32 + j * 16) * BM + wm * 32 + i * 16, acc[i][j], BM,
                                    wmma::mem_col_major);
    __syncthreads();
    for (int idx = tid; idx < BM * BN; idx += GT) {
        const int t = idx / BM, r = idx % BM;
        if (r0 + r < rows && t0 + t < n)
            y[(t0 + t) * rows + r0 + r] =
                TQ2 ? tb_cu_t_out(Cs[idx], sx[t0 + t]) : tb_cu_i8_out(Cs[idx], sx[t0 + t], sw[r0 + r]);
    }
}
static_assert(NCH * BM * 16 == BM * BN * 4, "the int32 tile reuses the weight tile's shared memory");

int tb_cu_gemm_imma(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    dim3 grid((unsigned)((m->rows + BM - 1) / BM), (unsigned)((a->n + BN - 1) / BN));
    if (m->kind == TB_GPU_W_TQ2)
        k_imma<true><<<grid, GT, 0, tb_cu_stream>>>((const uint8_t *)m->w, m->rows, m->stride, a->xq, a->kpad, a->n,
                                                    a->sx, NULL, a->y);
    else
        k_imma<false><<<grid, GT, 0, tb_cu_stream>>>((const uint8_t *)m->w, m->rows, m->stride, a->xq, a->kpad,
                                                     a->n, a->sx, m->scale, a->y);
    cudaError_t e = cudaGetLastError();
    return e == cudaSuccess ? 0 : tb_cu_fail("IMMA GEMM launch", cudaGetErrorString(e));
}

int tb_cu_gemm_cublas(const tb_gpu_mat *m, tb_gpu_acts *a)
{
    // y (n x rows, row-major) = column-major rows x n = W (cols x rows
    // column-major, transposed) times xh (stride x n column-major)
    const float one = 1.0f, zero = 0.0f;
    cublasStatus_t st = cublasGemmEx(tb_cu_blas, CUBLAS_OP_T, CUBLAS_OP_N, (int)m->rows, (int)a->n, (int)m->stride,
                                     &one, m->w, CUDA_R_16F, (int)m->stride, a->xh, CUDA_R_16F, (int)m->stride, &zero,
                                     a->y, CUDA_R_32F, (int)m->rows, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    return st == CUBLAS_STATUS_SUCCESS ? 0 : tb_cu_fail("cublasGemmEx", cublasGetStatusString(st));
}
