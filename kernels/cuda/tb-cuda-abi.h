/* tb-cuda-abi.h - the interface between tritbench and its CUDA plugin
 * (libtritbench-cuda.so, built from kernels/cuda/plugin/ by nvcc and loaded
 * with dlopen by kernels/cuda/gpu-loader.c; the main binary never links the
 * CUDA runtime).  Plain C, included by both sides; TB_CUDA_ABI changes with
 * any change here, and the loader refuses a plugin of another version.
 *
 * Division of work: the host side (kernels/cuda/cuda-*.c) quantizes and
 * packs weights with the CPU formats' own code (so GPU and CPU weights are
 * the same bytes) and hands them to upload(); the plugin owns everything on
 * the device.  Activations are staged on the device once (stage(), not
 * timed); launch() then runs `iters` times what a layer does per call:
 * quantize (or convert) the device-resident fp32 activations and multiply,
 * all on the device, with CUDA events around the whole batch and one
 * synchronisation at its end.  fetch() copies y back (verification only).
 *
 * Thread-safety: one caller at a time (the runner drives one case). */
#ifndef TB_CUDA_ABI_H
#define TB_CUDA_ABI_H

#include <stddef.h>
#include <stdint.h>

#define TB_CUDA_ABI 1
#define TB_CUDA_ENTRY "tb_cuda_plugin_get" /* const tb_cuda_plugin *(int abi) */

/* Weight storage kinds the plugin accepts. */
typedef enum tb_gpu_wkind {
    TB_GPU_W_F16 = 1, /* row-major binary16, rows of `stride` halves (>= cols, % 8 == 0, zero-padded) */
    TB_GPU_W_I8 = 2,  /* row-major int8, rows of `stride` bytes (% 256 == 0, zero-padded), scale[rows] */
    TB_GPU_W_TQ2 = 3, /* the CPU tq2 layout as is: rows of `stride` bytes (64-byte blocks), one wscale */
} tb_gpu_wkind;

/* Kernels launch() can run on a matrix of the matching kind. */
typedef enum tb_gpu_kern {
    TB_GPU_K_F16_CUBLAS = 1, /* x -> half on the device, cublasGemmEx (fp16 x fp16, fp32 out and compute) */
    TB_GPU_K_F16_GEMV = 2,   /* hand-written: fp16 weights, fp32 activations, fp32 accumulation */
    TB_GPU_K_I8 = 3,         /* per-token absmax int8; n == 1: dp4a GEMV; n > 1: IMMA (wmma) GEMM */
    TB_GPU_K_TQ2 = 4,        /* ternary recipe; n == 1: dp4a GEMV decoding in registers; n > 1: decode to int8 tiles + IMMA */
} tb_gpu_kern;

typedef struct tb_gpu_weights {
    int kind;             /* tb_gpu_wkind */
    int64_t rows, cols;
    int64_t stride;       /* elements (F16) or bytes (I8, TQ2) per stored row */
    const void *w;        /* rows * stride elements */
    const float *scale;   /* I8: per-row weight scale sw[rows]; else NULL */
    float wscale;         /* TQ2: s_w */
} tb_gpu_weights;

typedef struct tb_gpu_mat tb_gpu_mat;   /* device-resident weights (plugin-owned) */
typedef struct tb_gpu_acts tb_gpu_acts; /* device-resident x, its quantized form, y (plugin-owned) */

typedef struct tb_cuda_plugin {
    int abi; /* TB_CUDA_ABI */
    /* Select device 0, create the stream and the cuBLAS handle.  0, or a
     * negative errno with why.  desc: "NVIDIA H200, sm_90, 139.8 GiB, ...". */
    int (*init)(char *desc, size_t desc_len, char *why, size_t why_len);
    int (*upload)(const tb_gpu_weights *w, tb_gpu_mat **out);
    void (*free)(tb_gpu_mat *m);
    int (*clone)(const tb_gpu_mat *m, tb_gpu_mat **out);
    void (*shape)(const tb_gpu_mat *m, int64_t *rows, int64_t *cols);
    /* Device bytes of the matrix; *base and *len: its weight array (device address). */
    size_t (*bytes)(const tb_gpu_mat *m, const void **base, size_t *len);
    /* Device buffers for n tokens of m's shape, x (n x cols, host) copied in. */
    int (*stage)(const tb_gpu_mat *m, const float *x, int64_t n, tb_gpu_acts **out);
    void (*unstage)(tb_gpu_acts *a);
    /* iters x (activation quantization + product) on the device; returns 0
     * or a negative errno; *event_ns: CUDA-event time of the whole batch. */
    int (*launch)(int kern, const tb_gpu_mat *m, tb_gpu_acts *a, uint64_t iters, double *event_ns);
    /* y (n x rows) to the host; synchronous. */
    int (*fetch)(const tb_gpu_acts *a, float *y);
    /* Device-to-device copy of `bytes`, `iters` times, CUDA events around:
     * *event_ns for the batch.  Buffers persist until bytes changes or 0. */
    int (*copy)(size_t bytes, uint64_t iters, double *event_ns);
    /* The last CUDA/cuBLAS error as text ("" if none). */
    const char *(*last_error)(void);
} tb_cuda_plugin;

/* ---- the device-resident decoder (plugin-dec.cu), a second table ----
 * Versioned on its own (TB_CUDA_DEC_ABI) behind its own entry point, so
 * the matmul table above is unchanged and a plugin built before the
 * decoder still loads for the matmul suite; tritbench asks for this table
 * only when a decoder is to run on the GPU, and says in one line when the
 * plugin lacks it or has another version (kernels/cuda/gpu-loader.c).
 *
 * The host packs and uploads every projection with upload() above (the
 * cuda variants' prepare), then create() uploads the embedding table
 * (fp16), the norm weights and the RoPE tables and allocates the fp16 KV
 * cache [layer][seq][K,V][ctx][kvd] and the activations of max_rows rows.
 * forward() runs n rows (row r: token, sequence, position) through every
 * layer on the device (kernels/cuda/cuda-ops-lane.h gives the non-matmul
 * arithmetic, bit-exact with ops_ref), each projection by the matmul
 * kernels of `kern` (the product launch() times), and copies the logits
 * of the last nlogits rows to the host; it synchronises once at its end
 * and returns the CUDA-event time between its first and last launch. */
#define TB_CUDA_DEC_ABI 1
#define TB_CUDA_DEC_ENTRY "tb_cuda_dec_get" /* const tb_cuda_dec_api *(int abi) */

typedef struct tb_gpu_dec_cfg {
    int64_t hidden, ffn, heads, kv_heads, head_dim, vocab, layers;
    int64_t ctx, max_batch, max_rows; /* KV capacity per sequence, sequences, rows per forward */
    float eps;
    int relu2, subln;      /* ReLU^2 GLU (else SiLU); sub-norms before o and down */
    int kern, head_kern;   /* tb_gpu_kern of the projections and of the head */
    int64_t norm_stride;   /* floats of one block's norms: attn, ffn[, attn_sub (qd), ffn_sub (ffn)] */
} tb_gpu_dec_cfg;

typedef struct tb_gpu_dec tb_gpu_dec;

typedef struct tb_cuda_dec_api {
    int abi; /* TB_CUDA_DEC_ABI */
    /* Device memory now free and in total (cudaMemGetInfo). */
    int (*mem_info)(size_t *free_bytes, size_t *total_bytes);
    /* Device bytes create() allocates for c (KV cache, activations, tables). */
    double (*bytes)(const tb_gpu_dec_cfg *c);
    /* embed: vocab x hidden fp16; norms: layers x norm_stride then hidden
     * floats; rope_cos/sin: ctx x head_dim/2.  0, -EINVAL (shape the
     * kernels cannot take: widths not multiples of 8, ctx above
     * 8192, head_dim above 256), -ENOMEM or -EIO. */
    int (*create)(const tb_gpu_dec_cfg *c, const uint16_t *embed, const float *norms, const float *rope_cos,
                  const float *rope_sin, tb_gpu_dec **out);
    void (*free)(tb_gpu_dec *d);
    /* w: layers x 7 matrices (q, k, v, o, gate, up, down), head: vocab x
     * hidden.  tokens, seq, pos: n each (host).  logits: nlogits x vocab
     * (host), NULL or nlogits 0 = no head.  0, -EINVAL or -EIO. */
    int (*forward)(tb_gpu_dec *d, const tb_gpu_mat *const *w, const tb_gpu_mat *head, const int32_t *tokens,
                   const int32_t *seq, const int32_t *pos, int64_t n, int64_t nlogits, float *logits,
                   double *event_ns);
} tb_cuda_dec_api;

#endif
