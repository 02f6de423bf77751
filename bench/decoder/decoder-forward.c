/* decoder-forward.c - the decoder's forward pass (prefill and batched
 * decode share it: n rows, row r of sequence row_seq[r] at position
 * row_pos[r]) and its analytic counts.  Projections are one kernel run()
 * each over all n rows (GEMV when n = 1, GEMM otherwise); the non-matmul
 * ops run on the same pool: RMSNorm and RoPE split by rows, the GLU and
 * residual adds by elements, attention by heads.  A small op (under
 * TB_DEC_MIN_WORK elements per thread) runs on the calling thread alone:
 * waking a worker costs more than it saves.  No allocation here. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "decoder-internal.h"

#define TB_DEC_MIN_WORK 16384

static void dec_run(tb_pool *pool, int nt, double work, tb_pool_fn fn, void *arg)
{
    int want = (int)(work / TB_DEC_MIN_WORK);
    if (want < nt)
        nt = want < 1 ? 1 : want;
    if (nt == 1)
        fn(arg, 0, 1);
    else
        tb_pool_run(pool, nt, fn, arg);
}

static void dec_mm(const tb_decoder *d, const tb_kernel *k, const tb_kmat *m, const float *x, int64_t n, float *y,
                   tb_pool *pool, int nt)
{
    k->run(m, x, n, y, d->kscratch, pool, nt);
}

/* rows [0, n): x += add (when add), then y = RMSNorm(x) * w; width floats a row */
typedef struct norm_job {
    const tb_ops *ops;
    float *y, *x;
    const float *add, *w;
    int64_t n, width;
    float eps;
} norm_job;

static void norm_fn(void *arg, int tid, int nt)
{
    const norm_job *j = arg;
    long b, e;
    tb_pool_split((long)j->n, 1, tid, nt, &b, &e);
    for (long r = b; r < e; r++) {
        float *x = j->x + r * j->width;
        if (j->add)
            j->ops->add(x, j->add + r * j->width, j->width);
        j->ops->rmsnorm(j->y + r * j->width, x, j->w, j->width, j->eps);
    }
}

static void dec_norm(const tb_decoder *d, float *y, float *x, const float *add, const float *w, int64_t n,
                     int64_t width, tb_pool *pool, int nt)
{
    norm_job j = { d->ops, y, x, add, w, n, width, (float)d->cfg.norm_eps };
    dec_run(pool, nt, (double)(n * width), norm_fn, &j);
}

/* elements [0, len): g = act(g, u) */
typedef struct glu_job {
    const tb_ops *ops;
    float *g;
    const float *u;
    int64_t len;
    int relu2;
} glu_job;

static void glu_fn(void *arg, int tid, int nt)
{
    const glu_job *j = arg;
    long b, e;
    tb_pool_split((long)j->len, 16, tid, nt, &b, &e);
    if (e > b)
        (j->relu2 ? j->ops->relu2glu : j->ops->swiglu)(j->g + b, j->g + b, j->u + b, e - b);
}

/* rows: RoPE on q and k at the row's position, k and v into the cache */
typedef struct rope_job {
    const tb_decoder *d;
    int64_t l, n;
} rope_job;

static void rope_fn(void *arg, int tid, int nt)
{
    const rope_job *j = arg;
    const tb_decoder *d = j->d;
    int64_t hd = d->cfg.head_dim, half = hd / 2;
    long b, e;
    tb_pool_split((long)j->n, 1, tid, nt, &b, &e);
    for (long r = b; r < e; r++) {
        int64_t p = d->row_pos[r], s = d->row_seq[r];
        const float *cs = d->rope_cos + p * half, *sn = d->rope_sin + p * half;
        d->ops->rope(d->q + r * d->qd, d->cfg.heads, hd, cs, sn);
        d->ops->rope(d->kk + r * d->kvd, d->cfg.kv_heads, hd, cs, sn);
        d->ops->to_f16(tb_dec_kv(d, j->l, s, 0) + p * d->kvd, d->kk + r * d->kvd, d->kvd);
        d->ops->to_f16(tb_dec_kv(d, j->l, s, 1) + p * d->kvd, d->vv + r * d->kvd, d->kvd);
    }
}

/* attention of every row over its sequence's cache: heads split over the
 * threads (every thread all rows) when there are enough, else (row, head)
 * pairs */
typedef struct attn_job {
    const tb_decoder *d;
    int64_t l, n;
} attn_job;

static void attn_fn(void *arg, int tid, int nt)
{
    const attn_job *j = arg;
    const tb_decoder *d = j->d;
    const tb_model_config *c = &d->cfg;
    float scale = 1.0f / sqrtf((float)c->head_dim);
    float *scores = d->scores + (size_t)tid * (size_t)d->ctx;
    long b, e;
    if (c->heads >= nt) {
        tb_pool_split((long)c->heads, 1, tid, nt, &b, &e);
        for (int64_t r = 0; r < j->n && e > b; r++)
            d->ops->attend(d->att + r * d->qd, d->q + r * d->qd, tb_dec_kv(d, j->l, d->row_seq[r], 0),
                           tb_dec_kv(d, j->l, d->row_seq[r], 1), d->row_pos[r] + 1, b, e, c->heads, c->kv_heads,
                           c->head_dim, scale, scores);
        return;
    }
    tb_pool_split((long)(j->n * c->heads), 1, tid, nt, &b, &e);
    for (long i = b; i < e; i++) {
        int64_t r = i / c->heads, h = i % c->heads;
        d->ops->attend(d->att + r * d->qd, d->q + r * d->qd, tb_dec_kv(d, j->l, d->row_seq[r], 0),
                       tb_dec_kv(d, j->l, d->row_seq[r], 1), d->row_pos[r] + 1, h, h + 1, c->heads, c->kv_heads,
                       c->head_dim, scale, scores);
    }
}

/* The forward pass of n rows whose row_seq/row_pos are set; logits of the
 * last nlogits rows when logits != NULL. */
static int forward(tb_decoder *d, const int32_t *tokens, int64_t n, float *logits, int64_t nlogits, tb_pool *pool,
                   int nt)
{
    if (d->gpu) /* the whole pass on the device (decoder-gpu.c) */
        return tb_dec_gpu_forward(d, tokens, n, logits, nlogits);
    const tb_model_config *c = &d->cfg;
    const tb_kernel *k = d->k;
    int64_t H = c->hidden, L = c->layers;
    tb_kmat *const *W = d->w + (size_t)d->cur * (size_t)(L * TB_DW__N);
    d->cur = (d->cur + 1) % d->ncopies;

    for (int64_t r = 0; r < n; r++)
        d->ops->from_f16(d->x + r * H, d->embed + (size_t)tokens[r] * (size_t)H, H);
    const float *pending = NULL; /* the last down projection, not yet added to x */
    double kvwork = 0;
    for (int64_t r = 0; r < n; r++)
        kvwork += (double)(d->row_pos[r] + 1) * (double)d->qd * 2;
    for (int64_t l = 0; l < L; l++, W += TB_DW__N) {
        dec_norm(d, d->h, d->x, pending, tb_dec_norm(d, l, TB_DN_ATTN), n, H, pool, nt);
        dec_mm(d, k, W[TB_DW_Q], d->h, n, d->q, pool, nt);
        dec_mm(d, k, W[TB_DW_K], d->h, n, d->kk, pool, nt);
        dec_mm(d, k, W[TB_DW_V], d->h, n, d->vv, pool, nt);
        rope_job rj = { d, l, n };
        dec_run(pool, nt, (double)(n * (d->qd + 2 * d->kvd)), rope_fn, &rj);
        attn_job aj = { d, l, n };
        dec_run(pool, nt, kvwork, attn_fn, &aj);
        if (c->subln)
            dec_norm(d, d->att, d->att, NULL, tb_dec_norm(d, l, TB_DN_ATTN_SUB), n, d->qd, pool, nt);
        dec_mm(d, k, W[TB_DW_O], d->att, n, d->h, pool, nt);
        dec_norm(d, d->h, d->x, d->h, tb_dec_norm(d, l, TB_DN_FFN), n, H, pool, nt);
        dec_mm(d, k, W[TB_DW_GATE], d->h, n, d->g, pool, nt);
        dec_mm(d, k, W[TB_DW_UP], d->h, n, d->u, pool, nt);
        glu_job gj = { d->ops, d->g, d->u, n * c->ffn, c->act == TB_FFN_RELU2 };
        dec_run(pool, nt, (double)(n * c->ffn), glu_fn, &gj);
        if (c->subln)
            dec_norm(d, d->g, d->g, NULL, tb_dec_norm(d, l, TB_DN_FFN_SUB), n, c->ffn, pool, nt);
        dec_mm(d, k, W[TB_DW_DOWN], d->g, n, d->h, pool, nt);
        pending = d->h;
    }
    if (!logits || nlogits == 0)
        return 0;
    int64_t r0 = n - nlogits;
    dec_norm(d, d->h + r0 * H, d->x + r0 * H, d->h + r0 * H, d->norms + L * d->norm_stride, nlogits, H, pool, nt);
    dec_mm(d, d->kh, d->head, d->h + r0 * H, nlogits, logits, pool, nt);
    return 0;
}

/* The matmuls of one decode step alone: every projection of every layer
 * and the head, on B rows of the scratch activations, with the same copy
 * cycling as forward(); no norm, RoPE, attention, GLU or residual. */
int tb_decoder_matmuls_only(tb_decoder *d, int64_t B, float *logits, tb_pool *pool, int nthreads)
{
    if (B < 1 || B > d->max_batch || nthreads < 1 || nthreads > d->max_threads ||
        (pool && nthreads > tb_pool_size(pool)) || (!pool && nthreads != 1))
        return -EINVAL;
    if (d->gpu)
        return -ENOTSUP;
    const tb_kernel *k = d->k;
    int64_t L = d->cfg.layers;
    tb_kmat *const *W = d->w + (size_t)d->cur * (size_t)(L * TB_DW__N);
    d->cur = (d->cur + 1) % d->ncopies;
    for (int64_t l = 0; l < L; l++, W += TB_DW__N) {
        dec_mm(d, k, W[TB_DW_Q], d->h, B, d->q, pool, nthreads);
        dec_mm(d, k, W[TB_DW_K], d->h, B, d->kk, pool, nthreads);
        dec_mm(d, k, W[TB_DW_V], d->h, B, d->vv, pool, nthreads);
        dec_mm(d, k, W[TB_DW_O], d->att, B, d->x, pool, nthreads);
        dec_mm(d, k, W[TB_DW_GATE], d->h, B, d->g, pool, nthreads);
        dec_mm(d, k, W[TB_DW_UP], d->h, B, d->u, pool, nthreads);
        dec_mm(d, k, W[TB_DW_DOWN], d->g, B, d->x, pool, nthreads);
    }
    if (logits)
        dec_mm(d, d->kh, d->head, d->h, B, logits, pool, nthreads);
    return 0;
}

static int dec_check(const tb_decoder *d, const int32_t *tokens, int64_t n, tb_pool *pool, int nt)
{
    if (nt < 1 || nt > d->max_threads || (pool && nt > tb_pool_size(pool)) || (!pool && nt != 1))
        return -EINVAL;
    for (int64_t r = 0; r < n; r++)
        if (tokens[r] < 0 || tokens[r] >= d->cfg.vocab)
            return -EINVAL;
    return 0;
}

int tb_decoder_prefill(tb_decoder *d, int64_t seq, const int32_t *tokens, int64_t n, float *logits,
                       int64_t nlogits, tb_pool *pool, int nthreads)
{
    if (seq < 0 || seq >= d->max_batch || n < 1 || n > d->max_prefill || nlogits < 0 || nlogits > n ||
        d->pos[seq] + n > d->ctx || dec_check(d, tokens, n, pool, nthreads) < 0)
        return -EINVAL;
    for (int64_t r = 0; r < n; r++) {
        d->row_seq[r] = seq;
        d->row_pos[r] = d->pos[seq] + r;
    }
    int rc = forward(d, tokens, n, logits, nlogits, pool, nthreads);
    if (rc < 0)
        return rc;
    d->pos[seq] += n;
    return 0;
}

int tb_decoder_decode(tb_decoder *d, const int32_t *tokens, int64_t B, float *logits, tb_pool *pool, int nthreads)
{
    if (B < 1 || B > d->max_batch || dec_check(d, tokens, B, pool, nthreads) < 0)
        return -EINVAL;
    for (int64_t b = 0; b < B; b++) {
        if (d->pos[b] + 1 > d->ctx)
            return -EINVAL;
        d->row_seq[b] = b;
        d->row_pos[b] = d->pos[b];
    }
    int rc = forward(d, tokens, B, logits, B, pool, nthreads);
    if (rc < 0)
        return rc;
    for (int64_t b = 0; b < B; b++)
        d->pos[b]++;
    return 0;
}

/* ---- analytic counts ---- */

static void acc(tb_counts *o, const tb_counts *a)
{
    for (int i = 0; i < TB_CNT__COUNT; i++)
        o->v[i] += a->v[i];
}

/* n rows attending to kv_sum positions in total (over the rows) */
static void dec_counts(const tb_decoder *d, int64_t n, double kv_sum, int64_t nlogits, tb_counts *o)
{
    const tb_model_config *c = &d->cfg;
    double N = (double)n, H = (double)c->hidden, F = (double)c->ffn, qd = (double)d->qd, kvd = (double)d->kvd;
    double L = (double)c->layers, hd = (double)c->head_dim, nh = (double)c->heads;
    tb_counts t;
    memset(o, 0, sizeof *o);
    for (int i = 0; i < TB_DW__N; i++) {
        int64_t r, k;
        tb_dec_proj_shape(c, i, &r, &k);
        memset(&t, 0, sizeof t);
        d->k->ops(r, k, n, &t);
        for (int j = 0; j < TB_CNT__COUNT; j++)
            o->v[j] += t.v[j] * L;
    }
    if (nlogits > 0) {
        memset(&t, 0, sizeof t);
        d->kh->ops(c->vocab, c->hidden, nlogits, &t);
        acc(o, &t);
    }
    /* per layer: norms (sum of squares: 1 mul 1 add, scale: 2 mul per
     * element), RoPE (4 mul 2 add per pair), attention (q.k and p.v: hd
     * mul+add per position and head, softmax ~ exp + scale + sum: 3 mul
     * 1 add), GLU (silu or relu^2 ~ 3 mul 1 add), two residual adds */
    double normw = 2 * H + (c->subln ? qd + F : 0);
    double mul = N * (3 * normw + 2 * (qd + kvd) + 3 * F) + kv_sum * nh * (2 * hd + 3);
    double add = N * (normw + (qd + kvd) + F + 2 * H) + kv_sum * nh * (2 * hd + 1);
    o->v[TB_CNT_FP32_MUL] += mul * L + 3 * H * (double)nlogits;
    o->v[TB_CNT_FP32_ADD] += add * L + H * (double)nlogits;
    o->v[TB_CNT_BYTES_WEIGHTS] += N * H * 2 + 4 * (normw * L + H);       /* embedding rows, norm weights */
    o->v[TB_CNT_BYTES_ACTS] += kv_sum * kvd * 2 * 2 * L;                  /* K and V read */
    o->v[TB_CNT_BYTES_OUT] += N * kvd * 2 * 2 * L;                        /* K and V written */
}

void tb_decoder_counts_decode(const tb_decoder *d, int64_t B, int64_t pos, tb_counts *out)
{
    dec_counts(d, B, (double)B * (double)(pos + 1), B, out);
}

void tb_decoder_counts_prefill(const tb_decoder *d, int64_t n, int64_t pos0, int64_t nlogits, tb_counts *out)
{
    /* row j attends to pos0 + j + 1 positions */
    dec_counts(d, n, (double)n * (double)pos0 + (double)n * (double)(n + 1) / 2, nlogits, out);
}
