/* decoder-build.c - building a decoder from a weight source: the plan
 * first, then every buffer, then each tensor filled into one fp32 buffer
 * and packed by the kernel's prepare() (one matrix at a time), clones for
 * the extra copies, RoPE tables; the embedding and head made once and
 * shared by the decoders of one model (struct tb_decoder_share).  Also
 * free, reset and the accessors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder-internal.h"

static void *dec_alloc(double bytes)
{
    size_t b = tb_dec_r64(bytes);
    return aligned_alloc(64, b ? b : 64);
}

void tb_decoder_share_release(struct tb_decoder_share *s)
{
    if (!s || --s->refs > 0)
        return;
    if (s->head)
        s->kh->free(s->head);
    free(s->embed);
    if (s->w)
        for (int64_t i = 0; i < (int64_t)s->ncopies * s->layers * TB_DW__N; i++)
            if (s->w[i])
                s->k->free(s->w[i]);
    free(s->w);
    free(s);
}

void tb_decoder_free(tb_decoder *d)
{
    if (!d)
        return;
    if (d->share) { /* borrowed: the share frees them with its last reference */
        tb_decoder_share_release(d->share);
        d->head = NULL;
        d->embed = NULL;
    }
    if (d->wshare) /* borrowed matrices: the share frees them */
        tb_decoder_share_release(d->wshare);
    else if (d->w)
        for (int64_t i = 0; i < (int64_t)d->ncopies * d->cfg.layers * TB_DW__N; i++)
            if (d->w[i])
                d->k->free(d->w[i]);
    free(d->w);
    if (d->head)
        d->kh->free(d->head);
    tb_dec_gpu_free(d);
    if (d->wref)
        for (int64_t i = 0; i < d->cfg.layers * TB_DW__N; i++)
            if (d->wref[i])
                d->kref->free(d->wref[i]);
    free(d->wref);
    if (d->headref)
        d->khref->free(d->headref);
    void *bufs[] = { d->embed, d->norms, d->rope_cos, d->rope_sin, d->kv, d->pos, d->x, d->h, d->q, d->kk,
                     d->vv, d->att, d->g, d->u, d->row_seq, d->row_pos, d->scores, d->kscratch };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(d);
}

/* Fill tensor `name` into tmp and pack it with k; 0 or -errno with err. */
static int pack(const tb_wsrc *src, const tb_kernel *k, const char *name, int64_t rows, int64_t cols, float *tmp,
                tb_kmat **out, char *err, int errlen)
{
    int rc = src->fill(src->ctx, name, rows, cols, tmp, err, errlen);
    if (rc < 0)
        return rc;
    rc = k->prepare(tmp, rows, cols, out);
    if (rc < 0)
        snprintf(err, (size_t)errlen, "%s: %s prepare of %lldx%lld failed: %s", name, k->name, (long long)rows,
                 (long long)cols, strerror(-rc));
    return rc;
}

int tb_decoder_build(const tb_model_config *cfg, const tb_decoder_opts *o, const tb_wsrc *src, tb_decoder **out,
                     char *err, int errlen)
{
    tb_decoder *d = calloc(1, sizeof *d);
    float *tmp = NULL;
    char name[96];
    int rc = -ENOMEM;
    *out = NULL;
    if (!d) {
        snprintf(err, (size_t)errlen, "decoder: out of memory");
        return -ENOMEM;
    }
    rc = tb_dec_resolve(cfg, o, d, err, errlen);
    if (rc < 0)
        goto fail;
    const tb_model_config *c = &d->cfg;
    const tb_decoder_plan *p = &d->plan;
    double n = (double)d->nrows;
    /* GPU mode; else kref/khref say a variant keeps its own layout (shares
     * hold no reference packing: such a decoder makes its own) */
    const int gpu = d->k->gpu || d->kh->gpu;
    /* a shared embedding and head: borrowed when one matches, else made here */
    struct tb_decoder_share *sh = o->share && !gpu && !d->khref ? *o->share : NULL;
    int make_share = o->share && !gpu && !d->khref && !sh;
    if (sh && (strcmp(sh->model, c->name) || sh->vocab != c->vocab || sh->hidden != c->hidden ||
               sh->tied != c->tied || sh->kh != d->kh || sh->ops != d->ops))
        sh = NULL; /* another model or head: this decoder's own */
    if (sh) {
        sh->refs++;
        d->share = sh;
        d->embed = sh->embed;
        d->head = sh->head;
    }
    struct tb_decoder_share *ws = o->share_proj && !gpu && !d->kref ? *o->share_proj : NULL;
    int make_wshare = o->share_proj && !gpu && !d->kref && !ws;
    if (ws && (strcmp(ws->model, c->name) || ws->k != d->k || ws->layers != c->layers || ws->ncopies < d->ncopies ||
               ws->hidden != c->hidden))
        ws = NULL;
    int64_t L = c->layers, half = c->head_dim / 2;
    rc = -ENOMEM;
    d->w = calloc((size_t)(d->ncopies * L * TB_DW__N), sizeof *d->w);
    if (d->w && ws) { /* its copies borrowed (the share's first ones): nothing filled, packed or cloned below */
        ws->refs++;
        d->wshare = ws;
        memcpy(d->w, ws->w, sizeof *d->w * (size_t)(d->ncopies * L * TB_DW__N));
    }
    if (!d->share)
        d->embed = dec_alloc((double)c->vocab * (double)c->hidden * 2);
    d->norms = dec_alloc(4.0 * (double)(L * d->norm_stride + c->hidden));
    d->rope_cos = dec_alloc(4.0 * (double)(d->ctx * half));
    d->rope_sin = dec_alloc(4.0 * (double)(d->ctx * half));
    d->kv = gpu ? NULL : dec_alloc(p->kv_bytes); /* GPU mode: the KV cache is on the device */
    if (d->kref)
        d->wref = calloc((size_t)(L * TB_DW__N), sizeof *d->wref);
    d->pos = dec_alloc(8.0 * (double)d->max_batch);
    d->x = dec_alloc(n * 4 * (double)c->hidden);
    d->h = dec_alloc(n * 4 * (double)c->hidden);
    d->q = dec_alloc(n * 4 * (double)d->qd);
    d->att = dec_alloc(n * 4 * (double)d->qd);
    d->kk = dec_alloc(n * 4 * (double)d->kvd);
    d->vv = dec_alloc(n * 4 * (double)d->kvd);
    d->g = dec_alloc(n * 4 * (double)c->ffn);
    d->u = dec_alloc(n * 4 * (double)c->ffn);
    d->row_seq = dec_alloc(n * 8);
    d->row_pos = dec_alloc(n * 8);
    d->scores = dec_alloc(4.0 * (double)d->max_threads * (double)d->ctx);
    tmp = dec_alloc(p->build_temp_bytes);
    if (!d->w || !d->embed || !d->norms || !d->rope_cos || !d->rope_sin || (!d->kv && !gpu) || (d->kref && !d->wref) || !d->pos || !d->x || !d->h ||
        !d->q || !d->att || !d->kk || !d->vv || !d->g || !d->u || !d->row_seq || !d->row_pos || !d->scores ||
        !tmp) {
        snprintf(err, (size_t)errlen, "%s: cannot allocate the decoder's buffers (%.0f MiB resident + %.0f MiB "
                 "while packing)", c->name, (p->total_bytes - p->proj_all_bytes - p->head_bytes) / 1048576.0,
                 p->build_temp_bytes / 1048576.0);
        goto fail;
    }
    /* the kernels' scratch: the largest any call needs (the plan's probe) */
    size_t ks = d->kscratch_bytes;
    d->kscratch = dec_alloc((double)ks);
    if (!d->kscratch) {
        snprintf(err, (size_t)errlen, "%s: cannot allocate %zu bytes of kernel scratch", c->name, ks);
        goto fail;
    }

    /* embedding (fp16 table); a tied head packs the same matrix */
    if (!d->share) {
        rc = src->fill(src->ctx, "model.embed_tokens.weight", c->vocab, c->hidden, tmp, err, errlen);
        if (rc < 0)
            goto fail;
        d->ops->to_f16(d->embed, tmp, c->vocab * c->hidden);
        if (c->tied) {
            rc = d->kh->prepare(tmp, c->vocab, c->hidden, &d->head);
            if (rc == 0 && d->khref)
                rc = d->khref->prepare(tmp, c->vocab, c->hidden, &d->headref);
            if (rc < 0) {
                snprintf(err, (size_t)errlen, "model.embed_tokens.weight (tied head): %s prepare failed: %s",
                         d->kh->name, strerror(-rc));
                goto fail;
            }
        }
    }
    for (int64_t l = 0; l < L; l++) {
        for (int j = 0; j < TB_DN__N; j++) {
            if (j >= TB_DN_ATTN_SUB && !c->subln)
                break;
            int64_t width = j == TB_DN_ATTN_SUB ? d->qd : j == TB_DN_FFN_SUB ? c->ffn : c->hidden;
            snprintf(name, sizeof name, "model.layers.%lld.%s", (long long)l, tb_dec_norm_names[j]);
            rc = src->fill(src->ctx, name, 1, width, tb_dec_norm(d, l, j), err, errlen);
            if (rc < 0)
                goto fail;
        }
        for (int i = 0; i < TB_DW__N && !d->wshare; i++) {
            int64_t r, k;
            tb_dec_proj_shape(c, i, &r, &k);
            snprintf(name, sizeof name, "model.layers.%lld.%s", (long long)l, tb_dec_proj_names[i]);
            rc = pack(src, d->k, name, r, k, tmp, &d->w[l * TB_DW__N + i], err, errlen);
            if (rc == 0 && d->kref && (rc = d->kref->prepare(tmp, r, k, &d->wref[l * TB_DW__N + i])) < 0)
                snprintf(err, (size_t)errlen, "%s: %s prepare failed: %s", name, d->kref->name, strerror(-rc));
            if (rc < 0)
                goto fail;
        }
    }
    rc = src->fill(src->ctx, "model.norm.weight", 1, c->hidden, d->norms + L * d->norm_stride, err, errlen);
    if (rc < 0)
        goto fail;
    if (!c->tied && !d->share) {
        rc = pack(src, d->kh, "lm_head.weight", c->vocab, c->hidden, tmp, &d->head, err, errlen);
        if (rc == 0 && d->khref && (rc = d->khref->prepare(tmp, c->vocab, c->hidden, &d->headref)) < 0)
            snprintf(err, (size_t)errlen, "lm_head.weight: %s prepare failed: %s", d->khref->name, strerror(-rc));
        if (rc < 0)
            goto fail;
    }
    free(tmp);
    tmp = NULL;
    if (make_share) { /* hand the embedding and head to a share: the caller's reference and ours */
        sh = calloc(1, sizeof *sh);
        if (!sh) {
            rc = -ENOMEM;
            snprintf(err, (size_t)errlen, "%s: out of memory", c->name);
            goto fail;
        }
        *sh = (struct tb_decoder_share){.refs = 2, .vocab = c->vocab, .hidden = c->hidden, .tied = c->tied,
                                        .kh = d->kh, .ops = d->ops, .embed = d->embed, .head = d->head};
        snprintf(sh->model, sizeof sh->model, "%s", c->name);
        d->share = sh;
        *o->share = sh;
    }
    for (int cp = 1; cp < d->ncopies && !d->wshare; cp++)
        for (int64_t i = 0; i < L * TB_DW__N; i++) {
            rc = d->k->clone(d->w[i], &d->w[cp * L * TB_DW__N + i]);
            if (rc < 0) {
                snprintf(err, (size_t)errlen, "%s: cannot clone copy %d of the layer stack: %s", c->name, cp,
                         strerror(-rc));
                goto fail;
            }
        }
    if (make_wshare) { /* hand every copy's matrices to a share: the caller's reference and ours */
        ws = calloc(1, sizeof *ws);
        tb_kmat **w = ws ? malloc(sizeof *w * (size_t)(d->ncopies * L * TB_DW__N)) : NULL;
        if (!w) {
            free(ws);
            rc = -ENOMEM;
            snprintf(err, (size_t)errlen, "%s: out of memory", c->name);
            goto fail;
        }
        memcpy(w, d->w, sizeof *w * (size_t)(d->ncopies * L * TB_DW__N));
        *ws = (struct tb_decoder_share){.refs = 2, .hidden = c->hidden, .k = d->k, .layers = L,
                                        .ncopies = d->ncopies, .w = w};
        snprintf(ws->model, sizeof ws->model, "%s", c->name);
        d->wshare = ws;
        *o->share_proj = ws;
    }
    tb_dec_rope_fill(d->rope_cos, d->rope_sin, d->ctx, c->head_dim, c->rope_theta);
    if (gpu && (rc = tb_dec_gpu_create(d, err, errlen)) < 0)
        goto fail;
    tb_decoder_reset(d);
    *out = d;
    return 0;
fail:
    free(tmp);
    tb_decoder_free(d);
    return rc;
}

void tb_decoder_reset(tb_decoder *d)
{
    memset(d->pos, 0, sizeof(int64_t) * (size_t)d->max_batch);
    d->cur = 0;
}

int64_t tb_decoder_pos(const tb_decoder *d, int64_t seq)
{
    return seq >= 0 && seq < d->max_batch ? d->pos[seq] : -1;
}

const tb_decoder_plan *tb_decoder_get_plan(const tb_decoder *d)
{
    return &d->plan;
}

const tb_model_config *tb_decoder_config(const tb_decoder *d)
{
    return &d->cfg;
}

const tb_kernel *tb_decoder_kernel(const tb_decoder *d)
{
    return d->k;
}

const tb_kernel *tb_decoder_head_kernel(const tb_decoder *d)
{
    return d->kh;
}

const char *tb_decoder_ops_name(const tb_decoder *d)
{
    return d->ops->name;
}

void tb_decoder_allocated(const tb_decoder *d, tb_decoder_plan *out)
{
    *out = d->plan; /* buffers are allocated exactly as planned; packed matrices are measured */
    double one = 0, all = 0;
    for (int cp = 0; cp < d->ncopies; cp++)
        for (int64_t i = 0; i < d->cfg.layers * TB_DW__N; i++) {
            double b = (double)d->k->bytes(d->w[cp * d->cfg.layers * TB_DW__N + i], NULL, NULL);
            all += b;
            if (cp == 0)
                one += b;
        }
    out->proj_bytes = one;
    out->proj_all_bytes = all;
    out->head_bytes = (double)d->kh->bytes(d->head, NULL, NULL);
    out->ref_bytes = 0; /* the oracle's reference packing (CPU, own layouts) */
    if (!d->k->gpu && !d->kh->gpu) {
        for (int64_t i = 0; d->wref && i < d->cfg.layers * TB_DW__N; i++)
            out->ref_bytes += (double)d->kref->bytes(d->wref[i], NULL, NULL);
        if (d->headref)
            out->ref_bytes += (double)d->khref->bytes(d->headref, NULL, NULL);
    }
    out->total_bytes = out->proj_all_bytes + out->embed_bytes + out->head_bytes + out->norm_bytes + out->kv_bytes +
                       out->scratch_bytes + out->ref_bytes;
    out->peak_bytes = out->total_bytes + out->build_temp_bytes;
}
