/* decoder-plan.c - choosing the decoder's kernels and ops, and the byte
 * plan by component (tb_decoder_plan_bytes), computed before anything is
 * allocated: packed sizes from the kernels' ops() weight bytes (the
 * padded packed size), the kernels' exact scratch from a small probe
 * matrix of each width, the rest from the shapes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder-internal.h"
#include "tb-isa.h"

const char *const tb_dec_proj_names[TB_DW__N] = {
    "self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
    "mlp.gate_proj.weight",    "mlp.up_proj.weight",      "mlp.down_proj.weight",
};
const char *const tb_dec_norm_names[TB_DN__N] = {
    "input_layernorm.weight",
    "post_attention_layernorm.weight",
    "self_attn.attn_sub_norm.weight",
    "mlp.ffn_sub_norm.weight",
};

static const tb_kernel *pick(const char *what, const char *format, const char *name, uint32_t allowed, char *err,
                             int errlen)
{
    const tb_kernel *k;
    if (name) {
        k = tb_kernel_find(name);
        if (!k) {
            snprintf(err, (size_t)errlen, "%s kernel %s: no such variant", what, name);
            return NULL;
        }
        if (format && strcmp(k->format, format)) {
            snprintf(err, (size_t)errlen, "%s kernel %s: is format %s, not %s", what, name, k->format, format);
            return NULL;
        }
        if (!tb_kernel_usable(k, allowed)) {
            snprintf(err, (size_t)errlen, "%s kernel %s: needs ISA features this CPU (or the --isa cap) lacks",
                     what, name);
            return NULL;
        }
        return k;
    }
    if (!format) {
        snprintf(err, (size_t)errlen, "%s: no format given", what);
        return NULL;
    }
    k = tb_kernel_best(format, allowed);
    if (!k)
        snprintf(err, (size_t)errlen, "%s format %s: unknown or no usable variant", what, format);
    return k;
}

/* Scratch run() needs for n rows of a matrix with `cols` columns: asked
 * of a 32-row probe matrix (scratch depends on cols and n only). */
static int probe_scratch(const tb_kernel *k, int64_t cols, int64_t n, size_t *out)
{
    float *w = malloc(sizeof(float) * 32 * (size_t)cols);
    tb_kmat *m = NULL;
    if (!w)
        return -ENOMEM;
    for (int64_t i = 0; i < 32 * cols; i++)
        w[i] = (float)((i * 7) % 5 - 2) * 0.25f;
    int rc = k->prepare(w, 32, cols, &m);
    free(w);
    if (rc < 0)
        return rc;
    size_t s = k->scratch_bytes(m, n);
    k->free(m);
    if (s > *out)
        *out = s;
    return 0;
}

static double wbytes(const tb_kernel *k, int64_t rows, int64_t cols)
{
    tb_counts c;
    memset(&c, 0, sizeof c);
    k->ops(rows, cols, 1, &c);
    return c.v[TB_CNT_BYTES_WEIGHTS];
}

int tb_dec_resolve(const tb_model_config *cfg, const tb_decoder_opts *o, tb_decoder *d, char *err, int errlen)
{
    char e2[200];
    if (tb_model_config_check(cfg, e2, sizeof e2) < 0) {
        snprintf(err, (size_t)errlen, "%s", e2);
        return -EINVAL;
    }
    uint32_t allowed = o->isa_allowed ? o->isa_allowed : tb_isa_allowed();
    d->k = pick("projection", o->format, o->kernel, allowed, err, errlen);
    if (!d->k)
        return -ENOENT;
    const char *hf = o->head_format ? o->head_format : (o->head_kernel ? NULL : "fp16");
    if (d->k->gpu && !o->head_kernel) { /* GPU mode: the head on the device too */
        d->kh = tb_dec_gpu_head_for(hf, allowed);
        if (!d->kh) {
            snprintf(err, (size_t)errlen, "head format %s: no cuda variant of it usable here", hf);
            return -ENOENT;
        }
    } else
        d->kh = pick("head", hf, o->head_kernel, allowed, err, errlen);
    if (!d->kh)
        return -ENOENT;
    d->ops = tb_ops_best(allowed);
    if (!d->ops) {
        snprintf(err, (size_t)errlen, "decoder: no usable ops variant");
        return -ENOENT;
    }
    if (o->layers < 0 || o->layers > cfg->layers) {
        snprintf(err, (size_t)errlen, "%s: --layers %lld out of range 1..%lld", cfg->name, (long long)o->layers,
                 (long long)cfg->layers);
        return -EINVAL;
    }
    d->cfg = *cfg;
    d->full_layers = cfg->layers;
    d->cfg.layers = o->layers ? o->layers : cfg->layers;
    d->ctx = o->ctx ? o->ctx : cfg->max_ctx;
    d->max_batch = o->max_batch ? o->max_batch : 1;
    d->max_prefill = o->max_prefill ? o->max_prefill : 1;
    d->ncopies = o->copies ? o->copies : 1;
    d->max_threads = o->max_threads ? o->max_threads : 64;
    if (d->ctx < 1 || d->ctx > (1 << 24) || d->max_batch < 1 || d->max_batch > (1 << 20) || d->max_prefill < 1 ||
        d->max_prefill > (1 << 24) || d->ncopies < 1 || d->ncopies > 4096 || d->max_threads < 1 ||
        d->max_threads > 4096) {
        snprintf(err, (size_t)errlen,
                 "%s: decoder options out of range (ctx %lld, max_batch %lld, max_prefill %lld, copies %d, "
                 "max_threads %d)",
                 cfg->name, (long long)d->ctx, (long long)d->max_batch, (long long)d->max_prefill, d->ncopies,
                 d->max_threads);
        return -EINVAL;
    }
    d->nrows = d->max_prefill > d->max_batch ? d->max_prefill : d->max_batch;
    d->qd = cfg->heads * cfg->head_dim;
    d->kvd = cfg->kv_heads * cfg->head_dim;
    d->norm_stride = 2 * cfg->hidden + (cfg->subln ? d->qd + cfg->ffn : 0);

    const tb_model_config *c = &d->cfg;
    tb_decoder_plan *p = &d->plan;
    memset(p, 0, sizeof *p);
    double layer = 0, maxmat = (double)c->vocab * (double)c->hidden;
    for (int i = 0; i < TB_DW__N; i++) {
        int64_t r, k;
        tb_dec_proj_shape(c, i, &r, &k);
        layer += wbytes(d->k, r, k);
        if ((double)r * (double)k > maxmat)
            maxmat = (double)r * (double)k;
    }
    p->proj_bytes = layer * (double)c->layers;
    p->proj_all_bytes = p->proj_bytes * d->ncopies;
    p->full_proj_bytes = layer * (double)d->full_layers;
    p->embed_bytes = (double)tb_dec_r64((double)c->vocab * (double)c->hidden * 2);
    p->head_bytes = wbytes(d->kh, c->vocab, c->hidden);
    p->norm_bytes = (double)tb_dec_r64(4.0 * (double)(c->layers * d->norm_stride + c->hidden)) +
                    2 * (double)tb_dec_r64(4.0 * (double)(d->ctx * (c->head_dim / 2)));
    p->kv_bytes = (double)tb_dec_r64((double)c->layers * (double)d->max_batch * 2 * (double)d->ctx *
                                     (double)d->kvd * 2);
    size_t ks = 0;
    int rc;
    if ((rc = probe_scratch(d->k, c->hidden, d->nrows, &ks)) < 0 ||
        (rc = probe_scratch(d->k, d->qd, d->nrows, &ks)) < 0 || (rc = probe_scratch(d->k, c->ffn, d->nrows, &ks)) < 0 ||
        (rc = probe_scratch(d->kh, c->hidden, d->nrows, &ks)) < 0) {
        snprintf(err, (size_t)errlen, "%s: kernel %s/%s refuses this model's widths (%s)", cfg->name, d->k->name,
                 d->kh->name, strerror(-rc));
        return rc;
    }
    d->kscratch_bytes = ks;
    double n = (double)d->nrows;
    p->scratch_bytes = 2 * (double)tb_dec_r64(n * 4 * (double)c->hidden) + 2 * (double)tb_dec_r64(n * 4 * (double)d->qd) +
                       2 * (double)tb_dec_r64(n * 4 * (double)d->kvd) + 2 * (double)tb_dec_r64(n * 4 * (double)c->ffn) +
                       2 * (double)tb_dec_r64(n * 8) + (double)tb_dec_r64(4.0 * (double)d->max_threads * (double)d->ctx) +
                       (double)tb_dec_r64((double)ks) + (double)tb_dec_r64(8.0 * (double)d->max_batch);
    p->total_bytes = p->proj_all_bytes + p->embed_bytes + p->head_bytes + p->norm_bytes + p->kv_bytes + p->scratch_bytes;
    p->build_temp_bytes = (double)tb_dec_r64(4 * maxmat);
    p->peak_bytes = p->total_bytes + p->build_temp_bytes;
    p->step_weight_bytes = p->proj_bytes + p->head_bytes + 4.0 * (double)(c->layers * d->norm_stride + c->hidden) +
                           2.0 * (double)c->hidden;
    if (d->k->gpu || d->kh->gpu) {
        d->kref = tb_kernel_find(d->k->ref);
        d->khref = tb_kernel_find(d->kh->ref);
        if (!d->kref || !d->khref) {
            snprintf(err, (size_t)errlen, "decoder on the GPU: no reference variant %s / %s", d->k->ref, d->kh->ref);
            return -ENOENT;
        }
        return tb_dec_gpu_plan(d, err, errlen);
    }
    /* a variant with a layout of its own: the oracle reads a reference packing */
    d->kref = d->k->own_layout ? tb_kernel_find(d->k->ref) : NULL;
    d->khref = d->kh->own_layout ? tb_kernel_find(d->kh->ref) : NULL;
    if ((d->k->own_layout && !d->kref) || (d->kh->own_layout && !d->khref)) {
        const tb_kernel *bad = d->k->own_layout && !d->kref ? d->k : d->kh;
        snprintf(err, (size_t)errlen, "%s: no reference variant %s to check its own layout against", bad->name,
                 bad->ref);
        return -ENOENT;
    }
    p->ref_bytes = (d->kref ? p->proj_bytes : 0) + (d->khref ? p->head_bytes : 0);
    p->total_bytes += p->ref_bytes;
    p->peak_bytes += p->ref_bytes;
    return 0;
}

int tb_decoder_plan_bytes(const tb_model_config *cfg, const tb_decoder_opts *o, tb_decoder_plan *out, char *err,
                          int errlen)
{
    tb_decoder d;
    memset(&d, 0, sizeof d);
    int rc = tb_dec_resolve(cfg, o, &d, err, errlen);
    if (rc == 0)
        *out = d.plan;
    return rc;
}
