// plugin.cuh - internal to the CUDA plugin (libtritbench-cuda.so): the
// device-side records of a matrix and of staged activations, the shared
// state (device, stream, cuBLAS handle, last error) and the kernels'
// launchers, one file each: plugin-core.cu (ABI table, memory, launch,
// copy probe), plugin-dec.cu (the device-resident decoder), plugin-quant.cu (activation quantization), plugin-gemv.cu
// (warp-per-row GEMVs), plugin-gemm.cu (IMMA GEMM, cuBLAS).
#ifndef TB_PLUGIN_CUH
#define TB_PLUGIN_CUH

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdint.h>

extern "C" {
#include "../tb-cuda-abi.h"
}

struct tb_gpu_mat {
    int kind;               // tb_gpu_wkind
    int64_t rows, cols, stride;
    void *w;                // rows * stride elements
    size_t wbytes;
    float *scale;           // I8: rows
    float wscale;           // TQ2
};

struct tb_gpu_acts {
    int kind;
    int64_t rows, cols, n;
    int64_t xs;             // floats per staged x row (F16: the weight stride, else cols)
    int64_t kpad;           // int8 bytes per quantized row (I8: stride, TQ2: 4 * stride)
    float *x;               // n * xs, zero-padded
    int8_t *xq;             // n * kpad
    __half *xh;             // F16: n * stride
    float *sx;              // I8: sx per token; TQ2: epilogue factor per token
    int32_t *xsum;          // TQ2: sum q_x per token
    float *y;               // n * rows
};

extern cudaStream_t tb_cu_stream;
extern cublasHandle_t tb_cu_blas;
int tb_cu_fail(const char *what, const char *detail); // records the error, returns -EIO

// Launchers (asynchronous on tb_cu_stream); 0 or -EIO.
// One product of kernel `kern` (activation prep + multiply), as launch() times it.
int tb_cu_product(int kern, const tb_gpu_mat *m, tb_gpu_acts *a);
// The weight kind kernel `kern` takes (tb_gpu_wkind), -1 for an unknown kernel.
int tb_cu_kind_of(int kern);
int tb_cu_quant(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_to_half(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_gemv_f16(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_gemv_i8(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_gemv_tq2(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_gemm_imma(const tb_gpu_mat *m, tb_gpu_acts *a);
int tb_cu_gemm_cublas(const tb_gpu_mat *m, tb_gpu_acts *a);

// Block-wide reductions over 256 threads (8 warps); every thread gets the result.
__device__ inline float tb_cu_block_max(float v, float *sh)
{
    for (int o = 16; o > 0; o >>= 1)
        v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    if ((threadIdx.x & 31) == 0)
        sh[threadIdx.x >> 5] = v;
    __syncthreads();
    v = sh[0];
    for (int i = 1; i < (int)(blockDim.x >> 5); i++)
        v = fmaxf(v, sh[i]);
    __syncthreads();
    return v;
}

__device__ inline int32_t tb_cu_block_sum(int32_t v, int32_t *sh)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    if ((threadIdx.x & 31) == 0)
        sh[threadIdx.x >> 5] = v;
    __syncthreads();
    v = 0;
    for (int i = 0; i < (int)(blockDim.x >> 5); i++)
        v += sh[i];
    __syncthreads();
    return v;
}

#endif
