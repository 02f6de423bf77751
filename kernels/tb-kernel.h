/* tb-kernel.h - the matmul backend contract (kernels/ layer).
 *
 * A kernel variant is one `const tb_kernel` record: a weight format (fp16,
 * bf16, int8, tq2, tq1, tl) implemented for one ISA.  Variants are listed in
 * kernels/registry.c, one NULL-terminated list per format family.  Every
 * format has a scalar reference variant (isa_mask 0, name "<format>_ref")
 * that is the oracle for the others.
 *
 * Semantics of every variant (float in, float out, so formats are
 * interchangeable and honest end to end):
 *   y[j][r] = sum_c W[r][c] * x[j][c]   for r < rows, j < n, c < cols
 * with W quantized by the format's own recipe in prepare() (outside timing)
 * and x quantized (when the format uses int8 activations) inside run()
 * (inside timing, as a real layer would).  x is row-major n x cols, y is
 * row-major n x rows.  n == 1 is GEMV (decode), n > 1 is GEMM.
 *
 * Verification: a variant is compared with its ref on the same inputs.
 * max_nmse == 0 means bit-exact (memcmp of y); integer and ternary formats
 * are bit-exact because the int32 accumulators and the float epilogue are
 * computed identically.  Float formats state their bound.
 *
 * Thread-safety: prepare/free are not thread-safe; run() uses the pool it is
 * given and may be called again only after it returned.
 * This layer includes nothing of the project but its own headers.
 */
#ifndef TB_KERNEL_H
#define TB_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include "tb-counts.h"
#include "tb-isa.h"
#include "tb-isa-req.h" /* generated from cmake/isa-table.txt */
#include "tb-pool.h"


typedef enum tb_act_type {
    TB_ACT_F32 = 0, /* float activations used directly (fp16/bf16 formats) */
    TB_ACT_I8 = 1,  /* per-token absmax int8 activations, quantized in run() */
} tb_act_type;

/* Opaque prepared (quantized, packed) weight matrix. */
typedef struct tb_kmat tb_kmat;

/* Device variants (isa "cuda", kernels/cuda/): weights live on the GPU
 * from prepare() on (the upload is not timed; bytes() is device memory).
 * Their run() keeps the host contract for verification: it copies x to
 * the device, runs the very kernels the timing runs, and copies y back,
 * synchronously (it allocates, so it is never what is timed).  Timing
 * uses these instead: stage() copies x to the device once (not timed);
 * launch() runs `iters` times, all on the device, the activation
 * quantization (or conversion) and the product, with CUDA events around
 * the batch (*event_ns) and one synchronisation at its end. */
typedef struct tb_gpu_acts tb_gpu_acts;
typedef struct tb_kernel_gpu {
    int (*stage)(const tb_kmat *m, const float *x, int64_t n, tb_gpu_acts **out);
    void (*unstage)(tb_gpu_acts *a);
    int (*launch)(const tb_kmat *m, tb_gpu_acts *a, uint64_t iters, double *event_ns);
} tb_kernel_gpu;

typedef struct tb_kernel {
    const char *name;        /* unique, "<format>_<isa>", e.g. "tq2_avx512vnni" */
    const char *format;      /* "fp16", "bf16", "int8", "tq2", "tq1", "tl" */
    const char *isa;         /* suffix of the file it is built from: TB_ISA_FILE ("scalar", "avx2", ...) */
    uint32_t isa_mask;       /* TB_ISA_* bits it needs, at least TB_ISA_FILE_REQ; 0 = portable */
    const char *ref;         /* name of the reference variant it is checked against */
    double max_nmse;         /* 0 = bit-exact vs ref; else NMSE bound vs ref */
    double bits_per_weight;  /* storage cost incl. scales, per weight */
    tb_act_type act;

    /* Quantize and pack a rows x cols fp32 matrix (row-major).  Allocates.
     * Returns 0 or a negative errno. Not timed. */
    int (*prepare)(const float *w, int64_t rows, int64_t cols, tb_kmat **out);
    /* Free what prepare allocated (NULL allowed). */
    void (*free)(tb_kmat *m);
    /* An identical copy of a prepared matrix in fresh memory (cold-cache
     * timing cycles through several).  Allocates; 0 or a negative errno. */
    int (*clone)(const tb_kmat *m, tb_kmat **out);
    /* Bytes of memory the prepared matrix occupies (weights and scales);
     * when base is not NULL, *base and *base_len receive the address and
     * length of its (largest) weight array. */
    size_t (*bytes)(const tb_kmat *m, const void **base, size_t *base_len);
    /* Bytes of scratch run() needs for n columns (0 = none). */
    size_t (*scratch_bytes)(const tb_kmat *m, int64_t n);
    /* y = W x for n activation rows; timed: no malloc, no I/O.  scratch is
     * 64-byte aligned, scratch_bytes(m, n) long.  nthreads <= pool size. */
    void (*run)(const tb_kmat *m, const float *x, int64_t n, float *y,
                void *scratch, tb_pool *pool, int nthreads);
    /* Analytic counts (tb-counts.h) of one run() with these dimensions. */
    void (*ops)(int64_t rows, int64_t cols, int64_t n, tb_counts *out);
    /* Device variants only (NULL for CPU variants): see tb_kernel_gpu. */
    const tb_kernel_gpu *gpu;
    /* 1 when prepare() keeps the format's bits in an arrangement of its own
     * (tl_avx2), so the reference variant cannot read its matrices: whoever
     * checks it against the reference packs the weights a second time with
     * the reference's prepare().  0: the reference reads the same bytes. */
    int own_layout;
} tb_kernel;

/* Registry (kernels/registry.c). */
int tb_kernel_count(void);
const tb_kernel *tb_kernel_at(int i);
const tb_kernel *tb_kernel_find(const char *name);
/* Best usable CPU variant of a format under `allowed` ISA bits (NULL if
 * none); device variants are never "best" (they are chosen by name). */
const tb_kernel *tb_kernel_best(const char *format, uint32_t allowed);
/* 1 when every bit the variant needs is in `allowed`. */
static inline int tb_kernel_usable(const tb_kernel *k, uint32_t allowed)
{
    return (k->isa_mask & ~allowed) == 0;
}

#endif
