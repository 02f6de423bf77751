/* cuda-internal.h - shared by the host side of the CUDA variants
 * (kernels/cuda/cuda-*.c): the forwarding of the tb_kernel contract to the
 * plugin (tb-cuda-abi.h).  A device variant's tb_kmat is the plugin's
 * tb_gpu_mat (a cast pointer); nothing on the host dereferences it. */
#ifndef TB_CUDA_INTERNAL_H
#define TB_CUDA_INTERNAL_H

#include "tb-cuda-abi.h"
#include "tb-kernel.h"

/* Upload host-packed weights; -ENODEV when no plugin is live. */
int tb_cu_upload(const tb_gpu_weights *w, tb_kmat **out);
void tb_cu_free(tb_kmat *m);
int tb_cu_clone(const tb_kmat *m, tb_kmat **out);
size_t tb_cu_bytes(const tb_kmat *m, const void **base, size_t *base_len);
size_t tb_cu_scratch_none(const tb_kmat *m, int64_t n);
/* The verification adapter for kernel `kern`: stage x, launch once, fetch
 * y; on any failure y is all NaN (so verification fails, never passes). */
void tb_cu_run_kern(int kern, const tb_kmat *m, const float *x, int64_t n, float *y);

extern const tb_kernel_gpu tb_cu_gpu_f16_cublas, tb_cu_gpu_f16_gemv, tb_cu_gpu_i8, tb_cu_gpu_tq2;
extern const tb_kernel tb_k_fp16_cublas, tb_k_fp16_cuda, tb_k_int8_cuda, tb_k_tq2_cuda;

#endif
