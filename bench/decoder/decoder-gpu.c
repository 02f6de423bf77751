/* decoder-gpu.c - the decoder on a CUDA device: the host side of the
 * plugin's device-resident decoder (tb_cuda_dec_api, kernels/cuda/
 * tb-cuda-abi.h).  GPU mode is chosen by the projection kernel: a cuda
 * variant (tq2_cuda, int8_cuda, fp16_cuda, fp16_cublas) prepares its
 * matrices straight onto the device; the head must then be a cuda variant
 * too (by default the head format's "<format>_cuda").  Build uploads the
 * embedding, norms and RoPE tables once and the plugin allocates the fp16
 * KV cache and activations on the device; no host KV cache exists.  For
 * the reference decoder (the oracle), build also packs every matrix with
 * the format's reference variant on the host (wref, headref): the same
 * quantized bytes the device holds (cuda-tq2.c and cuda-int8.c quantize
 * with the CPU formats' own code).
 * A forward call is one plugin call: it synchronises once at its end, so
 * the caller's wall clock around it is the step's time; the CUDA-event
 * time of the step goes to tb_gpu_event_ns_add. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/tb-cuda-abi.h"
#include "decoder-internal.h"
#include "tb-gpu.h"

struct tb_dec_gpu {
    const tb_cuda_dec_api *api;
    tb_gpu_dec *dev;
    const tb_gpu_mat **mats; /* [copy][layer][TB_DW__N] */
    int32_t *tok, *seq, *pos; /* nrows each */
    double last_event_ns;
};

static int kern_of(const tb_kernel *k)
{
    if (!k->gpu)
        return -1;
    if (!strcmp(k->name, "fp16_cublas"))
        return TB_GPU_K_F16_CUBLAS;
    if (!strcmp(k->name, "fp16_cuda"))
        return TB_GPU_K_F16_GEMV;
    if (!strcmp(k->format, "int8"))
        return TB_GPU_K_I8;
    if (!strcmp(k->format, "tq2"))
        return TB_GPU_K_TQ2;
    return -1;
}

const tb_kernel *tb_dec_gpu_head_for(const char *format, uint32_t allowed)
{
    char name[64];
    snprintf(name, sizeof name, "%s_cuda", format);
    const tb_kernel *k = tb_kernel_find(name);
    return k && k->gpu && tb_kernel_usable(k, allowed) ? k : NULL;
}

static void fill_cfg(const tb_decoder *d, tb_gpu_dec_cfg *g)
{
    const tb_model_config *c = &d->cfg;
    memset(g, 0, sizeof *g);
    g->hidden = c->hidden;
    g->ffn = c->ffn;
    g->heads = c->heads;
    g->kv_heads = c->kv_heads;
    g->head_dim = c->head_dim;
    g->vocab = c->vocab;
    g->layers = c->layers;
    g->ctx = d->ctx;
    g->max_batch = d->max_batch;
    g->max_rows = d->nrows;
    g->eps = (float)c->norm_eps;
    g->relu2 = c->act == TB_FFN_RELU2;
    g->subln = c->subln;
    g->kern = kern_of(d->k);
    g->head_kern = kern_of(d->kh);
    g->norm_stride = d->norm_stride;
}

int tb_dec_gpu_plan(tb_decoder *d, char *err, int errlen)
{
    char why[300];
    if (kern_of(d->k) < 0 || kern_of(d->kh) < 0) {
        snprintf(err, (size_t)errlen, "decoder on the GPU: projection kernel %s and head kernel %s must both be "
                 "cuda variants (e.g. --head fp16 gives fp16_cuda)", d->k->name, d->kh->name);
        return -EINVAL;
    }
    const tb_cuda_dec_api *api = tb_gpu_dec_api(why, sizeof why);
    if (!api) {
        snprintf(err, (size_t)errlen, "decoder on the GPU: %s", why);
        return -ENOENT;
    }
    const tb_model_config *c = &d->cfg;
    if (c->hidden % 8 || d->qd % 8 || d->kvd % 8 || c->ffn % 8 || d->ctx > 8192 || c->head_dim > 256) {
        snprintf(err, (size_t)errlen, "%s: the GPU decoder needs hidden, heads x head_dim, kv_heads x head_dim and "
                 "ffn multiples of 8, head_dim <= 256 and ctx <= 8192", c->name);
        return -EINVAL;
    }
    tb_gpu_dec_cfg g;
    fill_cfg(d, &g);
    d->plan.device_bytes = d->plan.proj_all_bytes + d->plan.head_bytes + api->bytes(&g);
    return 0;
}

void tb_dec_gpu_free(tb_decoder *d)
{
    struct tb_dec_gpu *g = d->gpu;
    if (!g)
        return;
    if (g->dev)
        g->api->free(g->dev);
    free(g->mats);
    free(g->tok);
    free(g->seq);
    free(g->pos);
    free(g);
    d->gpu = NULL;
}

int tb_dec_gpu_create(tb_decoder *d, char *err, int errlen)
{
    char why[300];
    const tb_cuda_dec_api *api = tb_gpu_dec_api(why, sizeof why);
    if (!api) {
        snprintf(err, (size_t)errlen, "decoder on the GPU: %s", why);
        return -ENOENT;
    }
    struct tb_dec_gpu *g = calloc(1, sizeof *g);
    const size_t nm = (size_t)d->ncopies * (size_t)(d->cfg.layers * TB_DW__N), R = (size_t)d->nrows;
    if (!g || !(g->mats = malloc(nm * sizeof *g->mats)) || !(g->tok = malloc(R * 4)) || !(g->seq = malloc(R * 4)) ||
        !(g->pos = malloc(R * 4))) {
        if (g) {
            free(g->mats);
            free(g->tok);
            free(g->seq);
        }
        free(g);
        snprintf(err, (size_t)errlen, "decoder on the GPU: out of host memory");
        return -ENOMEM;
    }
    g->api = api;
    d->gpu = g;
    for (size_t i = 0; i < nm; i++)
        g->mats[i] = (const tb_gpu_mat *)(const void *)d->w[i]; /* a cuda variant's tb_kmat is its tb_gpu_mat */
    tb_gpu_dec_cfg c;
    fill_cfg(d, &c);
    int rc = api->create(&c, d->embed, d->norms, d->rope_cos, d->rope_sin, &g->dev);
    if (rc < 0) {
        const tb_cuda_plugin *p = tb_gpu_plugin();
        snprintf(err, (size_t)errlen, "%s: device decoder (%.0f MiB of KV cache, activations and tables): %s%s%s",
                 d->cfg.name, api->bytes(&c) / 1048576.0, strerror(-rc), p && p->last_error()[0] ? ": " : "",
                 p ? p->last_error() : "");
        g->dev = NULL;
        tb_dec_gpu_free(d);
        return rc;
    }
    return 0;
}

int tb_dec_gpu_forward(tb_decoder *d, const int32_t *tokens, int64_t n, float *logits, int64_t nlogits)
{
    struct tb_dec_gpu *g = d->gpu;
    const size_t per = (size_t)(d->cfg.layers * TB_DW__N);
    const tb_gpu_mat *const *W = g->mats + (size_t)d->cur * per;
    d->cur = (d->cur + 1) % d->ncopies;
    for (int64_t r = 0; r < n; r++) {
        g->tok[r] = tokens[r];
        g->seq[r] = (int32_t)d->row_seq[r];
        g->pos[r] = (int32_t)d->row_pos[r];
    }
    double ev = 0;
    int rc = g->api->forward(g->dev, W, (const tb_gpu_mat *)(const void *)d->head, g->tok, g->seq, g->pos, n,
                             logits ? nlogits : 0, logits, &ev);
    if (rc == 0) {
        g->last_event_ns = ev;
        tb_gpu_event_ns_add(ev);
    }
    return rc;
}

int tb_decoder_on_gpu(const tb_decoder *d) { return d->gpu != NULL; }

double tb_decoder_gpu_event_ns(const tb_decoder *d) { return d->gpu ? d->gpu->last_event_ns : 0; }

int tb_decoder_gpu_mem(double *free_bytes, double *total_bytes, char *why, int len)
{
    const tb_cuda_dec_api *api = tb_gpu_dec_api(why, (size_t)len);
    size_t f = 0, t = 0;
    if (!api)
        return -ENOENT;
    int rc = api->mem_info(&f, &t);
    if (rc < 0) {
        const tb_cuda_plugin *p = tb_gpu_plugin();
        snprintf(why, (size_t)len, "cudaMemGetInfo failed: %s", p ? p->last_error() : "");
        return rc;
    }
    *free_bytes = (double)f;
    *total_bytes = (double)t;
    return 0;
}
