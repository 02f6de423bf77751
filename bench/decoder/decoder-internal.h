/* decoder-internal.h - the decoder's state (struct tb_decoder), shared by
 * decoder-plan.c (kernel choice, byte plan), decoder-build.c (packing),
 * decoder-forward.c (prefill/decode, counts) and decoder-ref.c (the
 * scalar oracle, which reads the packed matrices and norms from here). */
#ifndef TB_DECODER_INTERNAL_H
#define TB_DECODER_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include "tb-decoder.h"
#include "ops/tb-ops.h"

/* The seven projections of a block, in the order they are packed. */
enum { TB_DW_Q, TB_DW_K, TB_DW_V, TB_DW_O, TB_DW_GATE, TB_DW_UP, TB_DW_DOWN, TB_DW__N };
/* Norm vectors of a block: offsets inside its slice of d->norms. */
enum { TB_DN_ATTN, TB_DN_FFN, TB_DN_ATTN_SUB, TB_DN_FFN_SUB, TB_DN__N };

/* Shape (rows x cols) of projection i under config c. */
static inline void tb_dec_proj_shape(const tb_model_config *c, int i, int64_t *rows, int64_t *cols)
{
    int64_t qd = c->heads * c->head_dim, kvd = c->kv_heads * c->head_dim;
    static const int r[TB_DW__N] = { 1, 2, 2, 0, 3, 3, 0 }, k[TB_DW__N] = { 0, 0, 0, 1, 0, 0, 3 };
    const int64_t dim[4] = { c->hidden, qd, kvd, c->ffn };
    *rows = dim[r[i]];
    *cols = dim[k[i]];
}

/* Hugging Face tensor names of projection i / norm i of block l. */
extern const char *const tb_dec_proj_names[TB_DW__N];
extern const char *const tb_dec_norm_names[TB_DN__N];

/* RoPE tables, rotate-half: row p, i < head_dim/2, angle p * theta^(-2i/hd),
 * evaluated in double and rounded once (the reference builds its own with
 * this same function, so both read identical tables). */
static inline void tb_dec_rope_fill(float *cosv, float *sinv, int64_t ctx, int64_t hd, double theta)
{
    int64_t half = hd / 2;
    for (int64_t p = 0; p < ctx; p++)
        for (int64_t i = 0; i < half; i++) {
            double a = (double)p * pow(theta, -2.0 * (double)i / (double)hd);
            cosv[p * half + i] = (float)cos(a);
            sinv[p * half + i] = (float)sin(a);
        }
}

/* 64-byte rounded size of every buffer (the plan counts the same). */
static inline size_t tb_dec_r64(double bytes)
{
    return ((size_t)bytes + 63) & ~(size_t)63;
}

/* What decoders share (tb_decoder_opts.share, .share_proj): an fp16
 * embedding and a packed head (kh set), or the packed projections of every
 * layer-stack copy (k set). */
struct tb_decoder_share {
    int refs;                 /* the caller's + one per decoder borrowing it */
    char model[64];
    int64_t vocab, hidden;
    int tied;
    const tb_kernel *kh;
    const tb_ops *ops;
    uint16_t *embed;
    tb_kmat *head;
    const tb_kernel *k;       /* projections: kernel, built layers, copies, [copy][layer][TB_DW__N] */
    int64_t layers;
    int ncopies;
    tb_kmat **w;
};

struct tb_decoder {
    tb_model_config cfg;      /* layers = built layers */
    int64_t full_layers;      /* the config's own depth */
    int64_t ctx, max_batch, max_prefill, nrows; /* nrows = max(max_prefill, max_batch) */
    int ncopies, cur, max_threads;
    const tb_kernel *k, *kh;
    const tb_ops *ops;
    tb_decoder_plan plan;
    int64_t qd, kvd, norm_stride; /* norm_stride: floats of one block's norms */

    tb_kmat **w;          /* [copy][layer][TB_DW__N] */
    tb_kmat *head;        /* vocab x hidden */
    uint16_t *embed;      /* [vocab][hidden] fp16 */
    struct tb_decoder_share *share; /* non-NULL: head and embed are borrowed from it */
    struct tb_decoder_share *wshare; /* non-NULL: the matrices of w are borrowed from it */
    float *norms;         /* [layer][norm_stride] then the final norm [hidden] */
    float *rope_cos, *rope_sin; /* [ctx][head_dim/2] */
    uint16_t *kv;         /* [layer][seq][K,V][ctx][kvd] fp16 */
    int64_t *pos;         /* [max_batch] tokens in each sequence's cache */

    /* scratch: nrows rows each */
    float *x, *h, *q, *kk, *vv, *att, *g, *u;
    int64_t *row_seq, *row_pos;
    float *scores;        /* [max_threads][ctx] */
    void *kscratch;       /* the kernels' run() scratch (shared: calls are sequential) */
    size_t kscratch_bytes;

    /* GPU mode (decoder-gpu.c): w and head are device matrices of cuda
     * variants, kv is NULL; wref/headref: the same weights packed by the
     * reference variants kref/khref on the host, read by decoder-ref.c.
     * On the CPU, kref (khref) is set only when the projection (head)
     * variant keeps its own layout (tb_kernel.own_layout): wref (headref)
     * is then the reference packing the oracle reads; else NULL. */
    struct tb_dec_gpu *gpu;
    const tb_kernel *kref, *khref;
    tb_kmat **wref;       /* [layer][TB_DW__N] */
    tb_kmat *headref;
};

/* decoder-gpu.c: the cuda head variant of a format (NULL if none usable);
 * the device plan (plan.device_bytes; one line in err when the GPU
 * decoder cannot take this model); the device decoder's creation after
 * the matrices are packed; one forward call of d->row_seq/row_pos rows;
 * release. */
const tb_kernel *tb_dec_gpu_head_for(const char *format, uint32_t allowed);
int tb_dec_gpu_plan(tb_decoder *d, char *err, int errlen);
int tb_dec_gpu_create(tb_decoder *d, char *err, int errlen);
int tb_dec_gpu_forward(tb_decoder *d, const int32_t *tokens, int64_t n, float *logits, int64_t nlogits);
void tb_dec_gpu_free(tb_decoder *d);

/* Offset (floats) of norm j inside block l's slice; the final norm is at
 * layers * norm_stride. */
static inline float *tb_dec_norm(const tb_decoder *d, int64_t l, int j)
{
    int64_t off[TB_DN__N] = { 0, d->cfg.hidden, 2 * d->cfg.hidden, 2 * d->cfg.hidden + d->qd };
    return d->norms + l * d->norm_stride + off[j];
}

static inline uint16_t *tb_dec_kv(const tb_decoder *d, int64_t l, int64_t seq, int which)
{
    return d->kv + ((size_t)((l * d->max_batch + seq) * 2 + which)) * (size_t)(d->ctx * d->kvd);
}

/* Resolve kernels and ops, fill d->plan and the sizes of d (decoder-plan.c). */
int tb_dec_resolve(const tb_model_config *cfg, const tb_decoder_opts *o, tb_decoder *d, char *err, int errlen);

#endif
