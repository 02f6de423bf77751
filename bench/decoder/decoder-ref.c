/* decoder-ref.c - the scalar reference decoder, the oracle of the tests:
 * one token at a time, one thread, plain loops.  It reads the decoder's
 * packed matrices (copy 0), embedding table and norm weights, and runs
 * them through the format's reference variant ("<format>_ref": every
 * variant of a format reads the same prepared bytes, except one with a
 * layout of its own, whose weights the decoder also packs for the
 * reference: wref, headref) and ops_ref, with
 * its own KV cache and RoPE tables (built by the same function).  So for
 * int8 and ternary formats its logits equal the decoder's bit for bit;
 * float formats differ only by the kernels' accumulation order. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "decoder-internal.h"

struct tb_decoder_ref {
    const tb_decoder *d;
    const tb_kernel *k, *kh; /* reference variants */
    const tb_ops *ops;       /* ops_ref */
    int64_t ctx, pos;
    uint16_t *kcache, *vcache; /* [layer][ctx][kvd] */
    float *cosv, *sinv;        /* [ctx][head_dim/2] */
    float *x, *h, *q, *k_, *v, *att, *g, *u, *scores; /* one token */
    void *scratch;
};

void tb_decoder_ref_free(tb_decoder_ref *r)
{
    if (!r)
        return;
    void *bufs[] = { r->kcache, r->vcache, r->cosv, r->sinv, r->x, r->h, r->q, r->k_, r->v, r->att,
                     r->g, r->u, r->scores, r->scratch };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(r);
}

int tb_decoder_ref_create(const tb_decoder *d, int64_t ctx, tb_decoder_ref **out)
{
    const tb_model_config *c = &d->cfg;
    tb_decoder_ref *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return -ENOMEM;
    r->d = d;
    r->k = tb_kernel_find(d->k->ref);
    r->kh = tb_kernel_find(d->kh->ref);
    tb_kmat *const *w0 = d->wref ? d->wref : d->w; /* GPU mode: the host packing */
    const tb_kmat *head = d->headref ? d->headref : d->head;
    r->ops = tb_ops_find("ops_ref");
    r->ctx = ctx;
    if (!r->k || !r->kh || !r->ops || ctx < 1 || ctx > d->ctx) {
        tb_decoder_ref_free(r);
        return -EINVAL;
    }
    int64_t kvn = c->layers * ctx * d->kvd, half = c->head_dim / 2;
    size_t sb = 0;
    for (int i = 0; i < TB_DW__N; i++) {
        size_t s = r->k->scratch_bytes(w0[i], 1);
        sb = s > sb ? s : sb;
    }
    size_t sh = r->kh->scratch_bytes(head, 1);
    sb = (sh > sb ? sh : sb) + 64;
    r->kcache = malloc(sizeof(uint16_t) * (size_t)kvn);
    r->vcache = malloc(sizeof(uint16_t) * (size_t)kvn);
    r->cosv = malloc(sizeof(float) * (size_t)(ctx * half));
    r->sinv = malloc(sizeof(float) * (size_t)(ctx * half));
    r->x = malloc(sizeof(float) * (size_t)c->hidden);
    r->h = malloc(sizeof(float) * (size_t)c->hidden);
    r->q = malloc(sizeof(float) * (size_t)d->qd);
    r->att = malloc(sizeof(float) * (size_t)d->qd);
    r->k_ = malloc(sizeof(float) * (size_t)d->kvd);
    r->v = malloc(sizeof(float) * (size_t)d->kvd);
    r->g = malloc(sizeof(float) * (size_t)c->ffn);
    r->u = malloc(sizeof(float) * (size_t)c->ffn);
    r->scores = malloc(sizeof(float) * (size_t)ctx);
    r->scratch = aligned_alloc(64, (sb + 63) & ~(size_t)63);
    if (!r->kcache || !r->vcache || !r->cosv || !r->sinv || !r->x || !r->h || !r->q || !r->att || !r->k_ ||
        !r->v || !r->g || !r->u || !r->scores || !r->scratch ) {
        tb_decoder_ref_free(r);
        return -ENOMEM;
    }
    tb_dec_rope_fill(r->cosv, r->sinv, ctx, c->head_dim, c->rope_theta);
    *out = r;
    return 0;
}

/* y = W x for one token through the reference variant */
static void ref_mm(tb_decoder_ref *r, const tb_kernel *k, const tb_kmat *m, const float *x, float *y)
{
    k->run(m, x, 1, y, r->scratch, NULL, 1); /* no pool: this thread alone */
}

int tb_decoder_ref_step(tb_decoder_ref *r, int32_t token, float *logits)
{
    const tb_decoder *d = r->d;
    const tb_model_config *c = &d->cfg;
    const tb_ops *ops = r->ops;
    int64_t H = c->hidden, hd = c->head_dim, half = hd / 2, p = r->pos;
    float eps = (float)c->norm_eps, scale = 1.0f / sqrtf((float)hd);
    if (token < 0 || token >= c->vocab || p >= r->ctx)
        return -EINVAL;

    ops->from_f16(r->x, d->embed + (size_t)token * (size_t)H, H); /* x = embed[token] */
    for (int64_t l = 0; l < c->layers; l++) {
        tb_kmat *const *W = (d->wref ? d->wref : d->w) + l * TB_DW__N; /* copy 0 (GPU mode: the host packing) */
        uint16_t *kc = r->kcache + l * r->ctx * d->kvd, *vc = r->vcache + l * r->ctx * d->kvd;

        /* attention: h = norm(x); q, k, v; RoPE; cache; attend; [sub norm]; x += o */
        ops->rmsnorm(r->h, r->x, tb_dec_norm(d, l, TB_DN_ATTN), H, eps);
        ref_mm(r, r->k, W[TB_DW_Q], r->h, r->q);
        ref_mm(r, r->k, W[TB_DW_K], r->h, r->k_);
        ref_mm(r, r->k, W[TB_DW_V], r->h, r->v);
        ops->rope(r->q, c->heads, hd, r->cosv + p * half, r->sinv + p * half);
        ops->rope(r->k_, c->kv_heads, hd, r->cosv + p * half, r->sinv + p * half);
        ops->to_f16(kc + p * d->kvd, r->k_, d->kvd);
        ops->to_f16(vc + p * d->kvd, r->v, d->kvd);
        for (int64_t hh = 0; hh < c->heads; hh++)
            ops->attend(r->att, r->q, kc, vc, p + 1, hh, hh + 1, c->heads, c->kv_heads, hd, scale, r->scores);
        if (c->subln)
            ops->rmsnorm(r->att, r->att, tb_dec_norm(d, l, TB_DN_ATTN_SUB), d->qd, eps);
        ref_mm(r, r->k, W[TB_DW_O], r->att, r->h);
        ops->add(r->x, r->h, H);

        /* FFN: h = norm(x); g = act(gate h) * up h; [sub norm]; x += down g */
        ops->rmsnorm(r->h, r->x, tb_dec_norm(d, l, TB_DN_FFN), H, eps);
        ref_mm(r, r->k, W[TB_DW_GATE], r->h, r->g);
        ref_mm(r, r->k, W[TB_DW_UP], r->h, r->u);
        if (c->act == TB_FFN_RELU2)
            ops->relu2glu(r->g, r->g, r->u, c->ffn);
        else
            ops->swiglu(r->g, r->g, r->u, c->ffn);
        if (c->subln)
            ops->rmsnorm(r->g, r->g, tb_dec_norm(d, l, TB_DN_FFN_SUB), c->ffn, eps);
        ref_mm(r, r->k, W[TB_DW_DOWN], r->g, r->h);
        ops->add(r->x, r->h, H);
    }
    r->pos++;
    if (logits) {
        ops->rmsnorm(r->h, r->x, d->norms + c->layers * d->norm_stride, H, eps);
        ref_mm(r, r->kh, d->headref ? d->headref : d->head, r->h, logits);
    }
    return 0;
}
