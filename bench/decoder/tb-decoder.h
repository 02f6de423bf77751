/* tb-decoder.h - a LLaMA / BitNet b1.58 decoder on any matmul backend
 * (bench/decoder/): the library the `e2e` workload and `tritbench ppl`
 * call.
 *
 * Architecture (no biases):
 *   x = embed[token]                                  fp16 table -> fp32
 *   per block:  h = RMSNorm(x) ; q,k,v = Wq h, Wk h, Wv h   (GQA: kv_heads)
 *               RoPE(q, k) rotate-half, theta from the config
 *               k, v -> fp16 KV cache ; a = attention(q, cache[0..pos])
 *               [a = RMSNorm_sub(a)] ; x += Wo a
 *               h = RMSNorm(x) ; g = silu(Wg h) * Wu h   (or relu(.)^2)
 *               [g = RMSNorm_sub(g)] ; x += Wd g
 *   logits = Whead RMSNorm(x)
 * Every projection runs through one tb_kernel (kernels/tb-kernel.h) of the
 * chosen format; int8/ternary formats quantize activations per token inside
 * run().  The head is a matmul of its own format (fp16 by default); with
 * tied embeddings it is the embedding matrix packed in that format.  The
 * non-matmul ops are kernels/ops/tb-ops.h, best variant under the ISA mask.
 * Decode of B sequences is one GEMM per projection (n = B); prefill of n
 * tokens likewise (n > 1) with causal attention.
 *
 * Memory: tb_decoder_plan() gives every byte build() will allocate, by
 * component, before anything is allocated (a shared embedding and head,
 * below, are still counted: the plan is what one decoder alone needs).  build() packs one matrix at a
 * time (one fp32 matrix buffer, freed before it returns).  prefill/decode
 * never allocate.  With copies > 1 the layer stack is cloned and each
 * forward call (a decode step or a prefill) uses the next copy, so the
 * projections stream from memory as in the matmul workload's cold mode.
 *
 * Thread-safety: one decoder is driven by one thread at a time; the work is
 * spread over the tb_pool passed to each call (nthreads <= pool size and
 * <= opts.max_threads). */
#ifndef TB_DECODER_H
#define TB_DECODER_H

#include <stdint.h>
#include "tb-counts.h"
#include "tb-kernel.h"
#include "tb-model.h"
#include "tb-pool.h"

typedef struct tb_decoder_opts {
    const char *format;      /* projections: "fp16", "bf16", "int8", "tq2", "tq1", "tl" */
    const char *kernel;      /* variant name (e.g. "tq2_avx2"), NULL = best of format under isa_allowed */
    const char *head_format; /* output head; NULL = "fp16" */
    const char *head_kernel; /* head variant, NULL = best of head_format under isa_allowed */
    uint32_t isa_allowed;    /* ISA bits for the best-variant choices (kernels and ops); 0 = tb_isa_allowed() */
    int64_t layers;          /* blocks to build: 0 = all of the config, else the first K */
    int64_t ctx;             /* KV-cache capacity per sequence, tokens; 0 = config max_ctx */
    int64_t max_batch;       /* sequences (KV caches), >= 1; 0 = 1 */
    int64_t max_prefill;     /* most tokens in one prefill call; 0 = 1 */
    int copies;              /* copies of the layer stack (>= 1; 0 = 1) */
    int max_threads;         /* most threads a call may use; 0 = 64 */
    /* The fp16 embedding table and the packed head do not depend on the
     * projection format: decoders of one model and one weight source can
     * share them.  NULL: this decoder builds its own.  Else, when *share
     * holds a set built for the same config, head kernel and ops, the
     * decoder borrows it (nothing filled or packed); when *share is NULL,
     * build() makes one and stores it there, the caller then holding a
     * reference (tb_decoder_share_release).  The caller keeps one *share
     * per weight source (seed or checkpoint).  Not in GPU mode.  Reference
     * counts are not atomic: build and free decoders from one thread. */
    struct tb_decoder_share **share;
    /* The same for the packed projections (every copy of the layer stack):
     * borrowed when *share_proj was made for the same config, kernel and
     * layer count with at least as many copies (this decoder cycles over
     * the first `copies` of them; the share's other copies stay resident
     * as long as it lives, memory this decoder's plan does not count),
     * else made and stored when *share_proj is NULL.  For decoders of one
     * model and format that differ only in capacity (context, batch,
     * prefill) or copies (a hot case after a cold one). */
    struct tb_decoder_share **share_proj;
} tb_decoder_opts;

/* Bytes by component, as build() will allocate them (resident), and the
 * transient fp32 matrix buffer build() needs on top while packing. */
typedef struct tb_decoder_plan {
    double proj_bytes;        /* one copy of the built layers' projections (packed) */
    double proj_all_bytes;    /* all copies */
    double embed_bytes;       /* fp16 table vocab x hidden */
    double head_bytes;        /* packed head (counted even when tied: it is a second copy) */
    double norm_bytes;        /* RMSNorm weights and RoPE tables */
    double kv_bytes;          /* fp16 K and V: layers x max_batch x ctx x kv_heads x head_dim x 2 x 2 B */
    double scratch_bytes;     /* activations, kernel scratch, attention scores */
    double total_bytes;       /* resident after build: the sum of the above (proj_all, not proj) */
    double build_temp_bytes;  /* fp32 buffer of the largest matrix, freed at the end of build */
    double peak_bytes;        /* total + build_temp: what must fit */
    double step_weight_bytes; /* weights one decode step (batch 1) reads: one copy's projections,
                               * the head, norms, one embedding row */
    double full_proj_bytes;   /* projections of all config layers (one copy): for --layers extrapolation */
    double ref_bytes;         /* the reference packing of the projections (head) when their variant keeps
                               * a layout of its own (tb_kernel.own_layout), for the oracle; in total */
    double device_bytes;      /* GPU mode: bytes on the device (projections, head, embedding, norms, RoPE,
                               * KV cache, activations); 0 on the CPU.  The host then holds no KV cache
                               * but the reference packing of every matrix (for the oracle) */
} tb_decoder_plan;

typedef struct tb_decoder tb_decoder;

/* Resolve kernels and compute the plan; allocates nothing that outlives
 * the call (it prepares a tiny probe matrix per distinct width to ask the
 * kernels their exact scratch).  0, or -EINVAL / -ENOENT with one line in
 * err (bad config, unknown format or variant, variant not usable here). */
int tb_decoder_plan_bytes(const tb_model_config *cfg, const tb_decoder_opts *o, tb_decoder_plan *out, char *err,
                          int errlen);

/* Build: plan, then fill and pack every tensor from `src` one at a time.
 * 0, or a negative errno with one line in err (the source's error, or
 * -ENOMEM naming the component). */
int tb_decoder_build(const tb_model_config *cfg, const tb_decoder_opts *o, const tb_wsrc *src, tb_decoder **out,
                     char *err, int errlen);
void tb_decoder_free(tb_decoder *d);
/* Drop the caller's reference to a shared embedding and head (NULL: no-op);
 * freed when no decoder borrows it any more. */
void tb_decoder_share_release(struct tb_decoder_share *s);

/* Forget every sequence (positions to 0); the KV cache is overwritten. */
void tb_decoder_reset(tb_decoder *d);
/* Position (tokens already in the cache) of sequence `seq`. */
int64_t tb_decoder_pos(const tb_decoder *d, int64_t seq);

/* Feed n tokens (1 <= n <= max_prefill) to sequence seq at its current
 * position, causal attention, one GEMM per projection.  When logits is not
 * NULL it receives the logits of the last nlogits tokens (0 <= nlogits <=
 * n), row-major nlogits x vocab; the head runs on those rows only.
 * 0, or -EINVAL (bad token, seq, n, or the context would overflow: nothing
 * is then computed). */
int tb_decoder_prefill(tb_decoder *d, int64_t seq, const int32_t *tokens, int64_t n, float *logits,
                       int64_t nlogits, tb_pool *pool, int nthreads);
/* One decode step of B sequences 0..B-1 (1 <= B <= max_batch), sequence b
 * fed tokens[b] at its own position: one GEMM (n = B) per projection.
 * logits (NULL = skip the head): B x vocab.  0 or -EINVAL as above (GPU
 * mode: also -EIO, the plugin's last_error says why). */
int tb_decoder_decode(tb_decoder *d, const int32_t *tokens, int64_t B, float *logits, tb_pool *pool,
                      int nthreads);

/* Only the matmuls of one decode step of B rows (every projection of every
 * layer and the head into logits when not NULL), on whatever the scratch
 * activations hold, cycling copies as decode does: the "sum of the
 * model's GEMVs" a decode step is compared with.  0 or -EINVAL. */
int tb_decoder_matmuls_only(tb_decoder *d, int64_t B, float *logits, tb_pool *pool, int nthreads);

/* Analytic counts (tb-counts.h) of one decode step of B sequences each at
 * position pos (attending to pos + 1 positions), head included; and of a
 * prefill of n tokens starting at position pos0 with nlogits head rows.
 * Projections and head: the kernels' ops(); attention, norms, RoPE, GLU,
 * residuals: fp32 operations; KV-cache reads and writes count as
 * activation bytes, embedding rows as weight bytes. */
void tb_decoder_counts_decode(const tb_decoder *d, int64_t B, int64_t pos, tb_counts *out);
void tb_decoder_counts_prefill(const tb_decoder *d, int64_t n, int64_t pos0, int64_t nlogits, tb_counts *out);

/* GPU mode (bench/decoder/decoder-gpu.c): when the projection kernel is a
 * cuda variant (opts.kernel "tq2_cuda", ...) the whole forward pass runs
 * on the device in the CUDA plugin; the head is then the head format's
 * "<format>_cuda" variant unless head_kernel names another cuda variant.
 * prefill/decode behave as on the CPU (pool and threads are checked but
 * unused), each call synchronising with the device before it returns;
 * tb_decoder_matmuls_only returns -ENOTSUP. */
int tb_decoder_on_gpu(const tb_decoder *d);
/* CUDA-event time of the last forward call (ns), 0 on the CPU. */
double tb_decoder_gpu_event_ns(const tb_decoder *d);
/* The device's free and total memory now (cudaMemGetInfo); 0, or
 * -ENOENT / -EIO with why (no live device, plugin without the decoder). */
int tb_decoder_gpu_mem(double *free_bytes, double *total_bytes, char *why, int len);

/* What was built. */
const tb_decoder_plan *tb_decoder_get_plan(const tb_decoder *d);
const tb_model_config *tb_decoder_config(const tb_decoder *d); /* layers = built layers */
const tb_kernel *tb_decoder_kernel(const tb_decoder *d);
const tb_kernel *tb_decoder_head_kernel(const tb_decoder *d);
const char *tb_decoder_ops_name(const tb_decoder *d);
/* Bytes actually allocated by build (sum of kernels' bytes() and buffers),
 * by the same components as the plan. */
void tb_decoder_allocated(const tb_decoder *d, tb_decoder_plan *out);

/* The scalar reference decoder (decoder-ref.c): one token at a time, one
 * thread, the decoder's own packed matrices through the format's
 * "<format>_ref" variant and ops_ref; its own KV cache of ctx tokens (one
 * sequence).  The oracle of the tests. */
typedef struct tb_decoder_ref tb_decoder_ref;
int tb_decoder_ref_create(const tb_decoder *d, int64_t ctx, tb_decoder_ref **out);
/* Feed one token at the next position; logits (vocab floats, may be NULL).
 * 0 or -EINVAL (bad token, context full). */
int tb_decoder_ref_step(tb_decoder_ref *r, int32_t token, float *logits);
void tb_decoder_ref_free(tb_decoder_ref *r);

#endif
