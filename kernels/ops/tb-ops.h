/* tb-ops.h - the decoder's non-matmul operations (kernels/ops/): RMSNorm,
 * rotary embedding, gated activations, residual add, fp16 KV-cache
 * conversion, attention of one query over the KV cache, argmax and
 * log-sum-exp.  Like the matmul formats, one `const tb_ops` record per ISA
 * (ops_ref portable, ops_avx2, ops_avx512, ops_neon, ...), chosen at run time by
 * tb_ops_best(tb_isa_allowed()).
 *
 * Every variant is BIT-EXACT with ops_ref on every input: reductions use
 * one fixed order (16 interleaved partial sums s[i % 16] accumulated in
 * index order, then combined pairwise: s[j] += s[j + 8], s[j] += s[j + 4],
 * s[j] += s[j + 2], s[j] += s[j + 1] for j below the half), exp is one
 * fixed polynomial evaluated with explicit fmaf in the same sequence, and
 * the files are compiled with -ffp-contract=off.  So the decoder's greedy
 * tokens do not depend on which ops variant ran.
 *
 * Threading: every function is single-threaded on the range it is given;
 * the decoder splits heads or rows over its tb_pool.  No function
 * allocates. */
#ifndef TB_OPS_H
#define TB_OPS_H

#include <stdint.h>

typedef struct tb_ops {
    const char *name;   /* "ops_ref", "ops_avx2", "ops_avx512", "ops_neon" */
    const char *isa;    /* TB_ISA_FILE of its file ("scalar", "avx2", ...) */
    uint32_t isa_mask;  /* TB_ISA_* bits it needs */

    /* y[i] = x[i] / sqrt(mean(x^2) + eps) * w[i], i < n.  y may alias x. */
    void (*rmsnorm)(float *y, const float *x, const float *w, int64_t n, float eps);
    /* Rotary embedding in place, rotate-half convention (Hugging Face
     * LLaMA): for each of nheads vectors of head_dim (even) floats and
     * i < head_dim/2, a = x[i], b = x[i + half]:
     *   x[i] = a*cos[i] - b*sin[i];  x[i + half] = b*cos[i] + a*sin[i]
     * cos/sin: the position's table row (head_dim/2 floats). */
    void (*rope)(float *x, int64_t nheads, int64_t head_dim, const float *cos, const float *sin);
    /* out[i] = silu(g[i]) * u[i] = g/(1+exp(-g)) * u   (SwiGLU) */
    void (*swiglu)(float *out, const float *g, const float *u, int64_t n);
    /* out[i] = max(g[i], 0)^2 * u[i]   (BitNet b1.58 2B4T's ReLU^2 GLU) */
    void (*relu2glu)(float *out, const float *g, const float *u, int64_t n);
    /* y[i] += x[i]  (residual) */
    void (*add)(float *y, const float *x, int64_t n);
    /* fp32 -> IEEE fp16, round to nearest even (as F16C vcvtps2ph mode 0),
     * and fp16 -> fp32 (exact). */
    void (*to_f16)(uint16_t *dst, const float *src, int64_t n);
    void (*from_f16)(float *dst, const uint16_t *src, int64_t n);
    /* Attention of one query position over positions t < T of a KV cache,
     * for query heads h in [h0, h1):
     *   s[t] = dot(q[h], k[t][h / g]) * scale,  g = nheads / nkv
     *   out[h] = sum_t softmax(s)[t] * v[t][h / g]
     * q, out: [nheads][head_dim] fp32; k, v: fp16 caches laid out
     * [t][nkv][head_dim] (row stride nkv*head_dim); scores: scratch of at
     * least T floats.  Causality is the caller's: it passes T = pos + 1. */
    void (*attend)(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t h0,
                   int64_t h1, int64_t nheads, int64_t nkv, int64_t head_dim, float scale, float *scores);
    /* Index of the first maximum of x[0..n). */
    int64_t (*argmax)(const float *x, int64_t n);
    /* log(sum_i exp(x[i])), computed stably (max subtracted); for perplexity. */
    double (*logsumexp)(const float *x, int64_t n);
} tb_ops;

/* Registry (kernels/ops/ops-registry.c). */
int tb_ops_count(void);
const tb_ops *tb_ops_at(int i);
const tb_ops *tb_ops_find(const char *name);
/* The variant needing the most ISA bits among those usable under
 * `allowed`; ops_ref at least. */
const tb_ops *tb_ops_best(uint32_t allowed);

#endif
