/* e2e.c - the end-to-end decoder workload: one model (tb-model.h) in one
 * projection format running one llama-bench style test (ppN prefill, tgN
 * decode, ppN+tgM) on batch B sequences, built by bench/decoder/.
 *
 * One iteration = the whole test from empty KV caches: B prefills of the
 * prompt (one per sequence, the GEMM path), then tgM decode steps of all B
 * sequences together (one GEMM with n = B per projection).  Every step is
 * timed (tb_step) into a buffer allocated in setup; the runner stores them
 * as `tokens` rows and derive-e2e.c turns them into tokens/s, time to first
 * token and per-token latency percentiles.
 *
 * Cache mode: cold (the default) builds enough copies of the layer stack
 * that consecutive forward calls read >= 4x the LLC of distinct weights,
 * as a real model much larger than the caches does; hot builds one.
 * Memory: the decoder's plan (every byte by component) is checked against
 * the budget (--mem-budget, else MemAvailable) before anything is
 * allocated; a model above it is does_not_fit with both figures.
 * --layers K builds K blocks; derive scales the figures to the model's
 * depth (stored as extrapolated).
 * Verification: the scalar reference decoder (decoder-ref.c) feeds the same
 * prompt token by token; the logits of the prompt's last token must equal
 * the measured decoder's: bit-exact when projections and head are integer
 * or ternary formats, else within E2E_FP16_NMSE (E2E_BF16_NMSE with bf16:
 * the kernels' own bounds compound over layers).
 * On a GPU: a --format item naming a cuda variant (tq2_cuda, int8_cuda,
 * fp16_cuda, fp16_cublas) runs the whole decoder on the device
 * (bench/decoder/decoder-gpu.c; head: the head format's cuda variant), one
 * layer-stack copy, the device's free memory as the budget (and for
 * --max-batch), its rows grouped apart ("/gpu", fp16_cuda the baseline);
 * the CPU formats' cases are unchanged.  Verification as above, against
 * the same reference decoder on the host packing of the same weights. */
#include "tb-bench.h"
#include "tb-decoder.h"
#include "tb-energy-model.h"
#include "tb-gpu.h"
#include "tb-isa.h"
#include "tb-kernel.h"
#include "tb-model.h"
#include "tb-params.h"
#include "tb-platform.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define E2E_COLD_LLC_FACTOR 4.0
#define E2E_MAX_COPIES 64
/* Logits vs the reference decoder with fp16 in the path (projections or
 * head): the fp16 variants sum in another order than fp16_ref, and the
 * differences compound over the layers (measured: 1e-14 with a 2-layer
 * int8 model and fp16 head, 9e-11 for 2 fp16 layers, 9.2e-8 for the 24
 * of 700M).  With bf16, activations rounded to 8 bits flip roundings
 * downstream (1.4e-5 measured on 2 layers).  Both bounds are orders of
 * magnitude below what a wrong kernel gives (NMSE ~ 1).  A variant that
 * itself computes in half precision (its own bound vs the reference
 * >= E2E_HALF_KERNEL_NMSE: fp16_neonfp16 rounds activations to fp16 and
 * sums 8-product chains in fp16, ~2e-7 per matmul) compounds like bf16
 * (1.5e-6 measured on 2 layers under qemu) and gets the bf16 bound. */
#define E2E_FP16_NMSE 1e-6
#define E2E_BF16_NMSE 1e-3
#define E2E_HALF_KERNEL_NMSE 1e-7
#define E2E_VERIFY_TOKENS 3   /* prompt the reference checks */

/* ---- models: a case's spec, resolved once at plan time ---- */

typedef struct e2e_spec {
    tb_model_config cfg;      /* the full model */
    char dir[512];            /* checkpoint directory, "" = generated weights */
    double budget;            /* bytes this case may use */
} e2e_spec;

/* Specs live as long as the process (cases point at them). */
static e2e_spec *g_specs[256];
static int g_nspecs;

static const e2e_spec *spec_new(const tb_model_config *cfg, const char *dir, double budget)
{
    if (g_nspecs == (int)(sizeof g_specs / sizeof g_specs[0]))
        return NULL;
    e2e_spec *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cfg = *cfg;
    snprintf(s->dir, sizeof s->dir, "%s", dir ? dir : "");
    s->budget = budget;
    g_specs[g_nspecs++] = s;
    return s;
}

/* ---- decoders shared by cases ----
 * Cases that differ only in test, threads or ISA-independent options use
 * one decoder: every case of a model asks for the same capacity (the
 * largest context, prompt and batch among its cases), so a model is built
 * once per format instead of once per case.  The plan counts each build's
 * uses in the final case list (tb_e2e_count_uses); the last teardown frees
 * it.  Only one thread drives a decoder at a time: a group's members have
 * different formats, and groups run one after another. */

typedef struct e2e_build {
    char key[320];
    tb_decoder *d;
    double rss_grown;         /* VmRSS grown by its build, bytes (NAN unknown) */
    int copies;
    char flags[96], flags_reason[256]; /* cold_partial, when the build had it */
    int uses;                 /* cases of the final list that use it, not yet torn down */
} e2e_build;

static e2e_build g_builds[64];
static int g_nbuilds;

/* The fp16 embedding and head of one model and weight source, shared by
 * its builds in every format (tb_decoder_opts.share), and the packed
 * projections of one model, format and layer count, shared by its builds
 * of other capacities (ctx, batch: Table 1's and Table 3's cases of
 * `tritbench paper`) when they have as many layer-stack copies
 * (.share_proj: a hot case borrows copy 0 of a cold case's copies):
 * counted like the builds, so a set lives from its first build to its
 * last case's teardown, even when builds come and go.  Memory: a hot
 * case's plan counts one copy while the set holds the cold case's copies
 * (at most 4x the LLC of projections, E2E_COLD_LLC_FACTOR) until the
 * model's last case; the embedding and head it no longer makes per format
 * are at least that much for the paper's models.  A build that cannot
 * borrow (more copies than the set has: a cold case after a hot one, or
 * a tighter budget) builds its own while the set is held. */
typedef struct e2e_share {
    char key[320];
    struct tb_decoder_share *share;
    int uses;
} e2e_share;

static e2e_share g_shares[128];
static int g_nshares;

static void build_key(const tb_case *c, char *out, size_t len)
{
    const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
    snprintf(out, len, "%p|%s|%s|%lld|%lld|%lld|%lld|%s", c->spec, c->backend, p->head, (long long)p->layers,
             (long long)p->ctx, (long long)p->batch_cap, (long long)p->prefill_cap, tb_cache_mode_name(c->cache));
}

/* proj = 0: the embedding and head's key; 1: the projections' key.  By
 * content, not by spec: each part of a plan resolves its models anew. */
static void share_key(const tb_case *c, int proj, char *out, size_t len)
{
    const tb_e2e_params *p = TB_CASE_CPARAMS(c, tb_e2e_params);
    const e2e_spec *sp = c->spec;
    int o = snprintf(out, len, "%s|%s|%s|%lld|%lld|%lld|%lld|%lld|%d|%s", proj ? "proj" : "head", sp->cfg.name, sp->dir,
                     (long long)sp->cfg.hidden, (long long)sp->cfg.ffn, (long long)sp->cfg.layers,
                     (long long)sp->cfg.vocab, (long long)p->seed, sp->cfg.tied, p->head);
    if (proj && o > 0 && (size_t)o < len)
        snprintf(out + o, len - (size_t)o, "|%s|%lld", c->backend, (long long)p->layers);
}

static e2e_share *share_find(const char *key, int create)
{
    for (int i = 0; i < g_nshares; i++)
        if (!strcmp(g_shares[i].key, key))
            return &g_shares[i];
    if (!create || g_nshares == (int)(sizeof g_shares / sizeof g_shares[0]))
        return NULL;
    e2e_share *b = &g_shares[g_nshares++];
    memset(b, 0, sizeof *b);
    snprintf(b->key, sizeof b->key, "%s", key);
    return b;
}

static void share_release(e2e_share *b)
{
    if (b && --b->uses <= 0) {
        tb_decoder_share_release(b->share);
        b->share = NULL;
        b->uses = 0;
    }
}

static e2e_build *build_find(const char *key, int create)
{
    for (int i = 0; i < g_nbuilds; i++)
        if (!strcmp(g_builds[i].key, key))
            return &g_builds[i];
    if (!create || g_nbuilds == (int)(sizeof g_builds / sizeof g_builds[0]))
        return NULL;
    e2e_build *b = &g_builds[g_nbuilds++];
    memset(b, 0, sizeof *b);
    snprintf(b->key, sizeof b->key, "%s", key);
    return b;
}

void tb_e2e_count_uses(const tb_caselist *cases)
{
    for (int i = 0; i < g_nbuilds; i++)
        g_builds[i].uses = 0;
    for (int i = 0; i < g_nshares; i++)
        g_shares[i].uses = 0;
    for (int i = 0; i < cases->n; i++) {
        if (cases->v[i].wl != tb_e2e_workload())
            continue;
        char key[320];
        build_key(&cases->v[i], key, sizeof key);
        e2e_build *b = build_find(key, 1);
        if (b)
            b->uses++;
        for (int proj = 0; proj < 2; proj++) {
            share_key(&cases->v[i], proj, key, sizeof key);
            e2e_share *sh = share_find(key, 1);
            if (sh)
                sh->uses++;
        }
    }
}

static void build_release(e2e_build *b)
{
    if (b && --b->uses <= 0) {
        tb_decoder_free(b->d);
        b->d = NULL;
        b->uses = 0;
    }
}

/* ---- the workload ---- */

typedef struct e2e_ctx {
    const e2e_spec *sp;
    tb_e2e_params p;
    tb_decoder *d;            /* the shared build's */
    e2e_build *build;         /* NULL: d is this case's own (not in the plan's count) */
    e2e_share *share;         /* the model's embedding and head (NULL: not in the plan's count) */
    e2e_share *wshare;        /* the model's projections in this format */
    tb_pool *pool;
    int threads;
    int32_t *prompt;          /* n_prompt (at least E2E_VERIFY_TOKENS) tokens */
    int32_t *next;            /* batch tokens of the next decode step */
    float *logits;            /* batch x vocab */
    tb_step *steps, *last;    /* steps being recorded / of the last iteration */
    int64_t nsteps, nlast, capsteps;
} e2e_ctx;

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void set_fact(tb_setup_info *info, const char *name, double v, const char *unit, const char *note)
{
    if (info->nfacts >= TB_SETUP_FACTS)
        return;
    int k = info->nfacts++;
    snprintf(info->facts[k].name, sizeof info->facts[k].name, "%s", name);
    info->facts[k].value = v;
    snprintf(info->facts[k].unit, sizeof info->facts[k].unit, "%s", unit);
    snprintf(info->facts[k].note, sizeof info->facts[k].note, "%s", note ? note : "");
}

static void human(double b, char *buf, size_t len)
{
    if (b >= 1073741824.0)
        snprintf(buf, len, "%.2f GiB", b / 1073741824.0);
    else if (b >= 10 * 1048576.0)
        snprintf(buf, len, "%.0f MiB", b / 1048576.0);
    else if (b >= 1048576.0)
        snprintf(buf, len, "%.2f MiB", b / 1048576.0);
    else
        snprintf(buf, len, "%.0f KiB", b / 1024.0);
}

/* Resident set size of the process now (VmRSS), bytes; NAN if unreadable. */
static double rss_now(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return NAN;
    char line[256];
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmRSS:", 6)) {
            v = strtod(line + 6, NULL) * 1024;
            break;
        }
    fclose(f);
    return v;
}

static void e2e_teardown(void *ctx)
{
    e2e_ctx *x = ctx;
    if (!x)
        return;
    if (x->build)
        build_release(x->build);
    else
        tb_decoder_free(x->d);
    share_release(x->share); /* after the decoder: the last reference frees the set */
    share_release(x->wshare);
    free(x->prompt);
    free(x->next);
    free(x->logits);
    free(x->steps);
    free(x->last);
    free(x);
}

static void opts_for(const tb_case *c, const tb_e2e_params *p, int copies, int max_threads, tb_decoder_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = p->format;
    o->kernel = c->backend;
    o->head_format = p->head;
    o->isa_allowed = tb_isa_allowed();
    o->layers = p->layers;
    o->ctx = p->ctx;
    o->max_batch = p->batch_cap > p->batch ? p->batch_cap : p->batch;
    o->max_prefill = p->prefill_cap > p->n_prompt ? p->prefill_cap : p->n_prompt;
    if (o->max_prefill < E2E_VERIFY_TOKENS)
        o->max_prefill = E2E_VERIFY_TOKENS;
    o->copies = copies;
    o->max_threads = max_threads > c->threads ? max_threads : c->threads;
}

/* Copies of the layer stack for the cold mode, within the budget. */
static int cold_copies(const tb_case *c, const tb_decoder_plan *one, double budget, tb_setup_info *info)
{
    if (c->cache != TB_CACHE_COLD || one->proj_bytes <= 0 || one->device_bytes > 0)
        return 1; /* on the GPU one copy: every paper model's layers exceed the device's L2 */
    const double llc = tb_bench_llc_bytes(), target = E2E_COLD_LLC_FACTOR * (llc > 0 ? llc : 64.0 * 1048576);
    int want = (int)ceil(target / one->proj_bytes);
    want = want < 1 ? 1 : want > E2E_MAX_COPIES ? E2E_MAX_COPIES : want;
    double room = budget - (one->peak_bytes - one->proj_bytes);
    int fit = room > 0 ? (int)floor(room / one->proj_bytes) : 1;
    int n = want < fit ? want : fit < 1 ? 1 : fit;
    if (n * one->proj_bytes < target) {
        char why[200];
        snprintf(why, sizeof why, "%d cop%s of the layers span %.0f MiB < %.0fx the LLC (%.0f MiB): %s", n,
                 n == 1 ? "y" : "ies", n * one->proj_bytes / 1048576, E2E_COLD_LLC_FACTOR, target / 1048576,
                 want > E2E_MAX_COPIES ? "more copies than the limit" : "the memory budget allows no more");
        tb_setup_flag(info, "cold_partial", why);
    }
    return n;
}

static void e2e_energy_facts(e2e_ctx *x, tb_setup_info *info);

static int e2e_setup(const tb_case *c, void **out, tb_setup_info *info)
{
    const e2e_spec *sp = c->spec;
    e2e_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(info->why, sizeof info->why, "out of memory");
        return -ENOMEM;
    }
    x->sp = sp;
    x->p = *TB_CASE_CPARAMS(c, tb_e2e_params);
    x->threads = c->threads < 1 ? 1 : c->threads;
    x->pool = tb_bench_pool();
    int rc = -EINVAL;
    if (tb_pool_size(x->pool) < x->threads) {
        snprintf(info->why, sizeof info->why, "%d threads asked, the pool has %d (raise --threads)", x->threads,
                 tb_pool_size(x->pool));
        goto fail;
    }
    char key[320];
    build_key(c, key, sizeof key);
    x->build = build_find(key, 0);
    if (x->build && x->build->uses <= 0)
        x->build = NULL; /* not counted by the plan (a test calling setup directly): its own */
    share_key(c, 0, key, sizeof key);
    x->share = share_find(key, 0);
    if (x->share && x->share->uses <= 0)
        x->share = NULL;
    share_key(c, 1, key, sizeof key);
    x->wshare = share_find(key, 0);
    if (x->wshare && x->wshare->uses <= 0)
        x->wshare = NULL;
    tb_decoder_opts o;
    tb_decoder_plan one, plan;
    double rss0 = NAN, rss1 = NAN;
    if (x->build && x->build->d) {
        x->d = x->build->d;
        rss1 = x->build->rss_grown;
        rss0 = 0;
        if (x->build->flags[0])
            tb_setup_flag(info, x->build->flags, x->build->flags_reason);
        opts_for(c, &x->p, x->build->copies, tb_pool_size(x->pool), &o); /* any thread count of the run */
        goto built;
    }
    opts_for(c, &x->p, 1, tb_pool_size(x->pool), &o);
    if ((rc = tb_decoder_plan_bytes(&sp->cfg, &o, &one, info->why, sizeof info->why)) < 0)
        goto fail;
    int copies = cold_copies(c, &one, sp->budget, info);
    opts_for(c, &x->p, copies, tb_pool_size(x->pool), &o);
    if ((rc = tb_decoder_plan_bytes(&sp->cfg, &o, &plan, info->why, sizeof info->why)) < 0)
        goto fail;
    if (plan.peak_bytes > sp->budget) {
        char need[32], have[32];
        human(plan.peak_bytes, need, sizeof need);
        human(sp->budget, have, sizeof have);
        char w[32], kv[32], sc[32];
        human(plan.proj_all_bytes + plan.embed_bytes + plan.head_bytes + plan.norm_bytes, w, sizeof w);
        human(plan.kv_bytes, kv, sizeof kv);
        human(plan.scratch_bytes + plan.build_temp_bytes, sc, sizeof sc);
        snprintf(info->why, sizeof info->why,
                 "needs %s (weights %s, KV cache %s, scratch and build buffer %s), more than the %s budget of %s",
                 need, w, kv, sc, sp->budget == tb_bench_mem_available_bytes() ? "MemAvailable" : "--mem-budget",
                 have);
        rc = -E2BIG;
        goto fail;
    }
    if (x->p.layers < x->p.layers_total) {
        /* extrapolated: would the whole model fit?  said, never hidden */
        tb_decoder_opts fo = o;
        tb_decoder_plan full;
        fo.layers = 0;
        fo.copies = 1;
        if (tb_decoder_plan_bytes(&sp->cfg, &fo, &full, info->why, sizeof info->why) == 0) {
            set_fact(info, "full_peak_bytes", full.peak_bytes, "B", "what the whole model (all layers, one copy) needs");
            if (full.peak_bytes > sp->budget) {
                char need[32], have[32], why[200];
                human(full.peak_bytes, need, sizeof need);
                human(sp->budget, have, sizeof have);
                snprintf(why, sizeof why, "the whole model needs %s, more than the %s of this budget: only its "
                         "extrapolation from %lld layers exists here", need, have, (long long)x->p.layers);
                tb_setup_flag(info, "full_model_does_not_fit", why);
            }
        }
        info->why[0] = 0;
    }
    if (plan.device_bytes > 0) { /* on the GPU: the device's free memory is the budget */
        double dfree = 0, dtotal = 0;
        if ((rc = tb_decoder_gpu_mem(&dfree, &dtotal, info->why, sizeof info->why)) < 0)
            goto fail;
        if (plan.device_bytes > dfree) {
            char need[32], have[32], kv[32];
            human(plan.device_bytes, need, sizeof need);
            human(dfree, have, sizeof have);
            human(plan.kv_bytes, kv, sizeof kv);
            snprintf(info->why, sizeof info->why, "needs %s on the GPU (KV cache %s), more than its %s free", need,
                     kv, have);
            rc = -E2BIG;
            goto fail;
        }
    }
    /* the machine check (and the oversubscribed flag) every workload makes */
    if ((rc = tb_bench_setup_check(c, plan.peak_bytes, "decoder weights, KV cache and scratch", info)) < 0)
        goto fail;

    rss0 = rss_now();
    tb_wsrc src;
    if (sp->dir[0])
        rc = tb_wsrc_safetensors(sp->dir, &sp->cfg, &src, info->why, sizeof info->why);
    else
        rc = tb_wsrc_random(&sp->cfg, (uint64_t)x->p.seed, &src);
    if (rc < 0) {
        if (!info->why[0])
            snprintf(info->why, sizeof info->why, "weight source: %s", strerror(-rc));
        goto fail;
    }
    if (x->share)
        o.share = &x->share->share; /* the model's embedding and head: made by its first build */
    if (x->wshare)
        o.share_proj = &x->wshare->share; /* its projections in this format, when the copies match */
    rc = tb_decoder_build(&sp->cfg, &o, &src, &x->d, info->why, sizeof info->why);
    if (src.close)
        src.close(src.ctx);
    if (rc < 0)
        goto fail;
    rss1 = rss_now();
    if (x->build) {
        x->build->d = x->d;
        x->build->copies = o.copies;
        x->build->rss_grown = isnan(rss0) || isnan(rss1) ? NAN : rss1 - rss0;
        rss0 = 0;
        rss1 = x->build->rss_grown;
        snprintf(x->build->flags, sizeof x->build->flags, "%s", info->flags);
        snprintf(x->build->flags_reason, sizeof x->build->flags_reason, "%s", info->flags_reason);
    }
built:;

    const int64_t np = x->p.n_prompt > E2E_VERIFY_TOKENS ? x->p.n_prompt : E2E_VERIFY_TOKENS;
    x->prompt = malloc((size_t)np * sizeof *x->prompt);
    x->next = malloc((size_t)x->p.batch * sizeof *x->next);
    x->logits = malloc((size_t)x->p.batch * (size_t)sp->cfg.vocab * sizeof *x->logits);
    x->capsteps = x->p.batch * (x->p.n_prompt > 0) + x->p.n_gen;
    x->steps = calloc((size_t)x->capsteps, sizeof *x->steps);
    x->last = calloc((size_t)x->capsteps, sizeof *x->last);
    if (!x->prompt || !x->next || !x->logits || !x->steps || !x->last) {
        snprintf(info->why, sizeof info->why, "out of memory for the prompt, logits and step buffers");
        rc = -ENOMEM;
        goto fail;
    }
    uint64_t s = mix64((uint64_t)x->p.seed ^ 0x70c3e5ull);
    for (int64_t i = 0; i < np; i++)
        x->prompt[i] = (int32_t)((s = mix64(s)) % (uint64_t)sp->cfg.vocab);
    if (x->p.matmuls_only) {
        /* real activations in the decoder's scratch: one decode step */
        for (int64_t b = 0; b < x->p.batch; b++)
            x->next[b] = x->prompt[b % np];
        tb_decoder_reset(x->d);
        tb_decoder_decode(x->d, x->next, x->p.batch, x->logits, x->pool, x->threads);
        tb_decoder_reset(x->d);
    }

    /* what the case holds and what one full-depth token reads */
    const tb_decoder_plan *bp = tb_decoder_get_plan(x->d);
    const double ratio_layers = x->p.layers_total > 0 && x->p.layers > 0 ? (double)x->p.layers_total / (double)x->p.layers : 1;
    const double full_proj = bp->full_proj_bytes > 0 ? bp->full_proj_bytes : bp->proj_bytes * ratio_layers;
    const double step_full = bp->step_weight_bytes - bp->proj_bytes + full_proj;
    set_fact(info, "model_bytes", full_proj + bp->embed_bytes + bp->head_bytes + bp->norm_bytes, "B",
             "weights of the whole model in this format: projections, embedding, head, norms");
    set_fact(info, "weight_bytes_proj", full_proj, "B", "projections of every layer, packed");
    set_fact(info, "weight_bytes_embed", bp->embed_bytes, "B", "token embedding table (fp16)");
    set_fact(info, "weight_bytes_head", bp->head_bytes, "B", "output head in its format");
    set_fact(info, "kv_bytes", bp->kv_bytes * ratio_layers, "B", "fp16 KV cache at ctx x batch, every layer");
    set_fact(info, "step_bytes", step_full, "B", "weights one decode step reads at full depth (batch shares them)");
    set_fact(info, "step_bytes_built", bp->step_weight_bytes, "B", "weights one decode step reads as built");
    set_fact(info, "resident_bytes", isnan(rss0) || isnan(rss1) ? NAN : rss1 - rss0, "B",
             isnan(rss1) ? "no /proc/self/status"
                         : "VmRSS grown by the build of this model and format (all copies; the fp16 embedding and "
                           "head are made by the model's first build and shared by its other formats)");
    set_fact(info, "copies", o.copies, "copies", "layer-stack copies cycled, one per forward call");
    set_fact(info, "planned_bytes", bp->total_bytes, "B", "every byte the decoder holds (plan)");
    if (bp->device_bytes > 0)
        set_fact(info, "device_bytes", bp->device_bytes, "B",
                 "on the GPU: projections, head, embedding, norms, RoPE tables, fp16 KV cache, activations "
                 "(steps timed by the wall clock around each call, which synchronises with the device once)");
    set_fact(info, "vocab", (double)sp->cfg.vocab, "tokens", NULL);
    set_fact(info, "head_weights", (double)sp->cfg.vocab * (double)sp->cfg.hidden, "weights", NULL);
    set_fact(info, "bits_per_weight", tb_decoder_kernel(x->d)->bits_per_weight, "bit", tb_decoder_kernel(x->d)->name);
    e2e_energy_facts(x, info);
    *out = x;
    return 0;
fail:
    e2e_teardown(x); /* counts this case's use of a shared build */
    return rc;
}

/* One test from empty caches; steps recorded into x->steps. */
static void one_iteration(e2e_ctx *x)
{
    const int64_t B = x->p.batch, V = x->sp->cfg.vocab;
    int64_t k = 0;
    tb_decoder_reset(x->d);
    for (int64_t b = 0; b < B && x->p.n_prompt > 0; b++) {
        uint64_t t0 = tb_plat_now_ns();
        tb_decoder_prefill(x->d, b, x->prompt, x->p.n_prompt, x->logits + b * V, 1, x->pool, x->threads);
        x->steps[k++] = (tb_step){.ns = (int64_t)(tb_plat_now_ns() - t0), .n_tokens = (int32_t)x->p.n_prompt,
                                  .phase = TB_STEP_PREFILL};
    }
    uint64_t s = mix64((uint64_t)x->p.seed ^ 0xdec0deull);
    if (x->p.matmuls_only) {
        for (int64_t i = 0; i < x->p.n_gen; i++) {
            uint64_t t0 = tb_plat_now_ns();
            tb_decoder_matmuls_only(x->d, B, x->logits, x->pool, x->threads);
            x->steps[k++] = (tb_step){.ns = (int64_t)(tb_plat_now_ns() - t0), .n_tokens = (int32_t)B,
                                      .phase = TB_STEP_DECODE};
        }
        x->nsteps = k;
        return;
    }
    for (int64_t i = 0; i < x->p.n_gen; i++) {
        for (int64_t b = 0; b < B; b++)
            x->next[b] = (int32_t)((s = mix64(s)) % (uint64_t)V);
        uint64_t t0 = tb_plat_now_ns();
        tb_decoder_decode(x->d, x->next, B, x->logits, x->pool, x->threads);
        x->steps[k++] = (tb_step){.ns = (int64_t)(tb_plat_now_ns() - t0), .n_tokens = (int32_t)B,
                                  .phase = TB_STEP_DECODE};
    }
    x->nsteps = k;
}

static void e2e_run(void *ctx, uint64_t iters)
{
    e2e_ctx *x = ctx;
    for (uint64_t i = 0; i < iters; i++)
        one_iteration(x);
    memcpy(x->last, x->steps, (size_t)x->nsteps * sizeof *x->last);
    x->nlast = x->nsteps;
}

static int64_t e2e_steps(void *ctx, const tb_step **out)
{
    e2e_ctx *x = ctx;
    *out = x->last;
    return x->nlast;
}

static void e2e_counts(void *ctx, tb_counts *out)
{
    e2e_ctx *x = ctx;
    tb_counts one;
    memset(out, 0, sizeof *out);
    for (int64_t b = 0; b < x->p.batch && x->p.n_prompt > 0; b++) {
        tb_decoder_counts_prefill(x->d, x->p.n_prompt, 0, 1, &one);
        for (int q = 0; q < TB_CNT__COUNT; q++)
            out->v[q] += one.v[q];
    }
    for (int64_t i = 0; i < x->p.n_gen; i++) {
        tb_decoder_counts_decode(x->d, x->p.batch, x->p.n_prompt + i, &one);
        for (int q = 0; q < TB_CNT__COUNT; q++)
            out->v[q] += one.v[q];
    }
}

/* Per-iteration op counts of the projections at the model's full depth:
 * the built decoder's counts with the layer part (everything but the
 * head) scaled from `layers` to `layers_total`.  The head's part of a step
 * of n rows and m logits is prefill(n, m logits) - prefill(n, 0 logits). */
static void e2e_counts_full(e2e_ctx *x, tb_counts *out)
{
    const double scale = x->p.layers_total > 0 && x->p.layers > 0 ? (double)x->p.layers_total / (double)x->p.layers : 1;
    tb_counts all, with, without;
    e2e_counts(x, &all);
    tb_counts head = {{0}};
    if (x->p.n_prompt > 0) {
        tb_decoder_counts_prefill(x->d, x->p.n_prompt, 0, 1, &with);
        tb_decoder_counts_prefill(x->d, x->p.n_prompt, 0, 0, &without);
        for (int q = 0; q < TB_CNT__COUNT; q++)
            head.v[q] += (double)x->p.batch * (with.v[q] - without.v[q]);
    }
    if (x->p.n_gen > 0) {
        tb_decoder_counts_prefill(x->d, x->p.batch, 0, x->p.batch, &with);
        tb_decoder_counts_prefill(x->d, x->p.batch, 0, 0, &without);
        for (int q = 0; q < TB_CNT__COUNT; q++)
            head.v[q] += (double)x->p.n_gen * (with.v[q] - without.v[q]);
    }
    for (int q = 0; q < TB_CNT__COUNT; q++)
        out->v[q] = head.v[q] + (all.v[q] - head.v[q]) * scale;
}

/* The paper's accounting of one multiply-accumulate in a weight format:
 * fp16 (and bf16, fp32) an fp16 multiply and add, int8 an int8 multiply
 * and add, ternary an int8 add (arXiv 2402.17764, Figure 3). */
static void paper_mac(const char *format, double macs, tb_counts *k)
{
    if (!strcmp(format, "int8")) {
        k->v[TB_CNT_INT8_MUL] += macs;
        k->v[TB_CNT_INT8_ADD] += macs;
    } else if (!strcmp(format, "fp16") || !strcmp(format, "bf16") || !strcmp(format, "fp32")) {
        k->v[TB_CNT_FP16_MUL] += macs;
        k->v[TB_CNT_FP16_ADD] += macs;
    } else {
        k->v[TB_CNT_INT8_ADD] += macs;
    }
}

/* Modelled energy per token at the model's full depth, in two
 * accountings: what this CPU's kernels execute (the decoder's analytic
 * counts, every op) and the paper's (matmul MACs only, priced per MAC as
 * paper_mac says; the head in its own format). */
static void e2e_energy_facts(e2e_ctx *x, tb_setup_info *info)
{
    const tb_model_config *m = &x->sp->cfg;
    const double toks = (double)x->p.batch * (double)(x->p.n_prompt + x->p.n_gen);
    if (toks <= 0)
        return;
    const double qd = (double)(m->heads * m->head_dim), kvd = (double)(m->kv_heads * m->head_dim);
    const double H = (double)m->hidden, F = (double)m->ffn;
    const double proj = (double)m->layers * (H * qd + 2 * H * kvd + qd * H + 3 * H * F); /* weights */
    const double logits = (double)x->p.batch * ((x->p.n_prompt > 0) + (double)x->p.n_gen);
    tb_counts cpu, paper = {{0}};
    e2e_counts_full(x, &cpu);
    paper_mac(x->p.format, proj * toks, &paper);
    paper_mac(x->p.head, (double)m->vocab * H * logits, &paper);
    tb_model_energy ec[4], ep[4];
    int nc = tb_energy_model(&cpu, ec, 4), np = tb_energy_model(&paper, ep, 4);
    for (int i = 0; i < nc && i < np; i++) {
        char name[48];
        const char *node = strchr(ec[i].source, '-') ? strchr(ec[i].source, '-') + 1 : ec[i].source;
        snprintf(name, sizeof name, "energy_cpu_%s_j_per_token", node);
        set_fact(info, name, ec[i].joules / toks, "J",
                 "energy model on the ops the kernels execute, full depth, per token");
        snprintf(name, sizeof name, "energy_paper_%s_j_per_token", node);
        set_fact(info, name, ep[i].joules / toks, "J",
                 "paper's accounting: matmul MACs, full depth (fp16 mul+add; int8 mul+add; ternary int8 add)");
    }
}

/* The prompt's first tokens through the reference decoder and through the
 * measured one (prefill, its best kernels and threads): same logits. */
static int e2e_verify(void *ctx, tb_verdict *v)
{
    e2e_ctx *x = ctx;
    if (x->p.matmuls_only) {
        v->verified = -1;
        v->max_abs_err = v->nmse = NAN;
        snprintf(v->reason, sizeof v->reason, "matmuls only (no decoder output): the same build's decode case "
                 "is verified against the reference decoder");
        return 0;
    }
    const int64_t V = x->sp->cfg.vocab, n = E2E_VERIFY_TOKENS;
    const tb_kernel *k = tb_decoder_kernel(x->d), *hk = tb_decoder_head_kernel(x->d);
    const int exact = k->max_nmse == 0 && hk->max_nmse == 0;
    float *ref = malloc((size_t)V * sizeof *ref);
    tb_decoder_ref *r = NULL;
    int rc = ref ? tb_decoder_ref_create(x->d, n, &r) : -ENOMEM;
    for (int64_t i = 0; rc == 0 && i < n; i++)
        rc = tb_decoder_ref_step(r, x->prompt[i], i == n - 1 ? ref : NULL);
    tb_decoder_ref_free(r);
    if (rc == 0) {
        tb_decoder_reset(x->d);
        rc = tb_decoder_prefill(x->d, 0, x->prompt, n, x->logits, 1, x->pool, x->threads);
        tb_decoder_reset(x->d);
    }
    if (rc < 0) {
        free(ref);
        snprintf(v->reason, sizeof v->reason, "reference decoder could not run: %s", strerror(-rc));
        return rc;
    }
    double num = 0, den = 0, maxe = 0;
    for (int64_t i = 0; i < V; i++) {
        double e = (double)x->logits[i] - ref[i];
        num += e * e;
        den += (double)ref[i] * ref[i];
        if (fabs(e) > maxe)
            maxe = fabs(e);
    }
    v->max_abs_err = maxe;
    v->nmse = den > 0 ? num / den : num;
    const int half = !strcmp(k->format, "bf16") || !strcmp(hk->format, "bf16") ||
                     k->max_nmse >= E2E_HALF_KERNEL_NMSE || hk->max_nmse >= E2E_HALF_KERNEL_NMSE;
    const double bound = half ? E2E_BF16_NMSE : E2E_FP16_NMSE;
    v->bound = exact ? 0 : bound;
    v->checksum = tb_fnv1a(x->logits, (size_t)V * sizeof *x->logits, TB_FNV_INIT);
    if (exact) {
        v->verified = memcmp(x->logits, ref, (size_t)V * sizeof *ref) == 0;
        snprintf(v->reason, sizeof v->reason, "logits after %lld prompt tokens vs the scalar reference decoder (%s, "
                 "ops_ref): %s", (long long)n, k->ref, v->verified ? "bit-exact" : "differ");
    } else {
        v->verified = v->nmse <= bound;
        snprintf(v->reason, sizeof v->reason, "logits after %lld prompt tokens vs the scalar reference decoder "
                 "(%s, head %s): NMSE %.2g (bound %.0e)", (long long)n, k->ref, hk->ref, v->nmse, bound);
    }
    free(ref);
    return 0;
}

#define E2E_P(f, t, key) {#f, t, offsetof(tb_e2e_params, f), sizeof(((tb_e2e_params *)0)->f), key}
static const tb_param_decl e2e_params[] = {
    E2E_P(model, TB_PARAM_TEXT, "%s"),
    E2E_P(format, TB_PARAM_TEXT, NULL),
    E2E_P(head, TB_PARAM_TEXT, "head-%s"),
    E2E_P(test, TB_PARAM_TEXT, "%s"),
    E2E_P(n_prompt, TB_PARAM_INT, NULL),
    E2E_P(n_gen, TB_PARAM_INT, NULL),
    E2E_P(batch, TB_PARAM_INT, "b%lld"),
    E2E_P(ctx, TB_PARAM_INT, NULL),
    E2E_P(layers, TB_PARAM_INT, "l%lld"),
    E2E_P(layers_total, TB_PARAM_INT, NULL),
    E2E_P(extrapolated, TB_PARAM_INT, NULL),
    E2E_P(seed, TB_PARAM_INT, NULL),
    E2E_P(max_batch, TB_PARAM_INT, NULL),
    E2E_P(batch_cap, TB_PARAM_INT, NULL),
    E2E_P(prefill_cap, TB_PARAM_INT, NULL),
    E2E_P(matmuls_only, TB_PARAM_INT, NULL),
};
_Static_assert(sizeof(tb_e2e_params) <= TB_PARAM_BYTES, "decoder parameters fit the case record");

static const tb_workload e2e_workload = {
    .name = "e2e",
    .version = "1",
    .key_name = "e2e",
    .key_backend = 1,
    .params = e2e_params,
    .nparams = (int)(sizeof e2e_params / sizeof e2e_params[0]),
    .setup = e2e_setup,
    .verify = e2e_verify,
    .run = e2e_run,
    .counts = e2e_counts,
    .teardown = e2e_teardown,
    .steps = e2e_steps,
};

const tb_workload *tb_e2e_workload(void) { return &e2e_workload; }

/* ---- case lists ---- */

/* Capacity every case of a model is built for (so they share a build). */
typedef struct e2e_caps {
    int64_t ctx, batch, prefill;
} e2e_caps;

static int push_case(tb_caselist *out, const tb_suite_opts *o, const e2e_spec *sp, const tb_kernel *k,
                     const tb_e2e_test *t, int64_t batch, int threads, tb_cache_mode cache, const char *head,
                     int max_batch, const e2e_caps *cap)
{
    tb_case c = {.wl = &e2e_workload, .threads = threads, .cache = cache, .spec = sp};
    tb_e2e_params *p = TB_CASE_PARAMS(&c, tb_e2e_params);
    const tb_e2e_opts *e = &o->e2e;
    snprintf(p->model, sizeof p->model, "%s", sp->cfg.name);
    snprintf(p->format, sizeof p->format, "%s", k->format);
    snprintf(p->head, sizeof p->head, "%s", head);
    snprintf(p->test, sizeof p->test, "%s", t->name);
    p->n_prompt = t->n_prompt;
    p->n_gen = t->n_gen;
    p->batch = batch;
    p->ctx = cap->ctx;
    p->batch_cap = cap->batch > batch ? cap->batch : batch;
    p->prefill_cap = cap->prefill;
    p->layers_total = sp->cfg.layers;
    p->layers = e->layers > 0 && e->layers < sp->cfg.layers ? e->layers : sp->cfg.layers;
    p->extrapolated = p->layers < p->layers_total;
    p->seed = (int64_t)e->seed;
    p->max_batch = max_batch;
    snprintf(c.backend, sizeof c.backend, "%s", k->name);
    snprintf(c.isa, sizeof c.isa, "%s", k->isa);
    /* a tgN-matmuls companion joins its decode test's group: measured in
     * the same rounds, its per-round ratio to the decode case is paired */
    char gtest[sizeof p->test];
    snprintf(gtest, sizeof gtest, "%s", p->test);
    char *mm = strstr(gtest, "-matmuls");
    if (mm)
        *mm = 0;
    snprintf(c.group, sizeof c.group, "e2e/%s/%s/b%lld/l%lld/t%d/%s", p->model, gtest, (long long)batch,
             (long long)p->layers, threads, tb_cache_mode_name(cache));
    c.baseline = !mm && (k->gpu ? !strcmp(k->name, "fp16_cuda") : !strcmp(k->format, "fp16"));
    if (k->gpu) { /* GPU rows form their own groups, fp16_cuda their baseline */
        size_t gl = strlen(c.group);
        snprintf(c.group + gl, sizeof c.group - gl, "/gpu");
    }
    c.mem_budget = sp->budget;
    int rc = tb_case_finish(&c);
    return rc < 0 ? rc : tb_caselist_push(out, &c);
}

/* The members of each group must fit the budget together (they are set up
 * at once and measured round by round), with room to spare for the rest of
 * the machine (E2E_GROUP_SHARE of it: 7B fp16 + int8 + tq2 took 22.2 of
 * 23.4 GB available and left the guest 1 GB); else each runs alone, and
 * the summary's ratio is then unpaired. */
#define E2E_GROUP_SHARE 0.8
static void split_groups(tb_caselist *out, int from, double budget)
{
    for (int i = from; i < out->n; i++) {
        tb_case *c = &out->v[i];
        if (!c->group[0])
            continue;
        double sum = 0;
        for (int j = from; j < out->n; j++) {
            const tb_case *m = &out->v[j];
            if (strcmp(m->group, c->group))
                continue;
            tb_decoder_opts o;
            tb_decoder_plan pl;
            char err[256];
            const tb_e2e_params *p = TB_CASE_CPARAMS(m, tb_e2e_params);
            opts_for(m, p, 1, m->threads, &o);
            if (tb_decoder_plan_bytes(&((const e2e_spec *)m->spec)->cfg, &o, &pl, err, sizeof err) == 0)
                sum += pl.peak_bytes;
        }
        if (sum > E2E_GROUP_SHARE * budget) {
            char g[sizeof c->group];
            snprintf(g, sizeof g, "%s", c->group);
            for (int j = from; j < out->n; j++)
                if (!strcmp(out->v[j].group, g)) {
                    out->v[j].group[0] = 0;
                    out->v[j].baseline = 0;
                }
        }
    }
}

/* Largest batch whose plan fits the budget (doubling, then bisecting); a GPU
 * variant's budget is the device's free memory now (cudaMemGetInfo). */
static int64_t max_batch_for(const e2e_spec *sp, const tb_kernel *k, const tb_e2e_test *t, const tb_suite_opts *o,
                             const char *head, int threads)
{
    tb_case c = {.wl = &e2e_workload, .threads = threads, .cache = TB_CACHE_HOT, .spec = sp};
    snprintf(c.backend, sizeof c.backend, "%s", k->name);
    tb_e2e_params p = {0};
    snprintf(p.format, sizeof p.format, "%s", k->format);
    snprintf(p.head, sizeof p.head, "%s", head);
    p.n_prompt = t->n_prompt;
    p.n_gen = t->n_gen;
    p.ctx = o->e2e.ctx > 0 ? o->e2e.ctx : t->n_prompt + t->n_gen + 1;
    p.layers = o->e2e.layers > 0 && o->e2e.layers < sp->cfg.layers ? o->e2e.layers : sp->cfg.layers;
    double budget = sp->budget, dtotal = 0;
    char why[256];
    if (k->gpu && tb_decoder_gpu_mem(&budget, &dtotal, why, sizeof why) < 0)
        return 0; /* no device: the case's setup says why */
    int64_t lo = 0, hi = 1;
    for (;; hi *= 2) {
        tb_decoder_opts d;
        tb_decoder_plan pl;
        char err[256];
        p.batch = hi;
        opts_for(&c, &p, 1, threads, &d);
        /* KV and activations grow with the batch; --layers K scales the KV to the full depth */
        if (tb_decoder_plan_bytes(&sp->cfg, &d, &pl, err, sizeof err) < 0)
            return lo;
        double scale = p.layers > 0 ? (double)sp->cfg.layers / (double)p.layers : 1;
        double need = (pl.device_bytes > 0 ? pl.device_bytes : pl.peak_bytes) + pl.kv_bytes * (scale - 1) +
                      pl.proj_bytes * (scale - 1);
        if (need > budget)
            break;
        lo = hi;
        if (hi >= 4096)
            return lo;
    }
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        tb_decoder_opts d;
        tb_decoder_plan pl;
        char err[256];
        p.batch = mid;
        opts_for(&c, &p, 1, threads, &d);
        if (tb_decoder_plan_bytes(&sp->cfg, &d, &pl, err, sizeof err) < 0)
            break;
        double scale = p.layers > 0 ? (double)sp->cfg.layers / (double)p.layers : 1;
        double need = (pl.device_bytes > 0 ? pl.device_bytes : pl.peak_bytes) + pl.kv_bytes * (scale - 1) +
                      pl.proj_bytes * (scale - 1);
        if (need > budget)
            hi = mid;
        else
            lo = mid;
    }
    return lo;
}

int tb_e2e_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which)
{
    char *err = o->err, scratch[8];
    int errlen = o->err ? (int)o->errlen : (int)sizeof scratch;
    if (!err)
        err = scratch;
    const tb_e2e_opts *e = &o->e2e;
    const char *models = e->models ? e->models : "700M";
    const char *formats = e->formats ? e->formats : "fp16,int8,tq2";
    const char *head = e->head ? e->head : "fp16";
    tb_e2e_test dflt[2] = {{"tg32", 0, 32}, {"pp64", 64, 0}};
    const tb_e2e_test *tests = e->ntests ? e->tests : dflt;
    const int ntests = e->ntests ? e->ntests : 2;
    int64_t one = 1;
    const int64_t *batches = e->nbatch ? e->batch : &one;
    const int nbatch = e->nbatch ? e->nbatch : 1;
    const unsigned modes = o->cache_modes ? o->cache_modes : TB_CACHE_COLD;
    const double budget = e->mem_budget > 0 ? e->mem_budget : tb_bench_mem_available_bytes();
    const int from = out->n;
    (void)which;
    /* a key=value spec has commas of its own: it is the only model then */
    const int one_spec = strchr(models, '=') != NULL;
    for (const char *mp = models;;) {
        size_t ml = one_spec ? strlen(mp) : strcspn(mp, ",");
        char item[512];
        snprintf(item, sizeof item, "%.*s", (int)(ml < sizeof item ? ml : sizeof item - 1), mp);
        tb_model_config cfg;
        char dir[512];
        if (tb_model_resolve(item, &cfg, dir, sizeof dir, err, errlen) < 0)
            return -EINVAL;
        char cerr[256];
        if (tb_model_config_check(&cfg, cerr, sizeof cerr) < 0) {
            snprintf(err, (size_t)errlen, "--model %s: %s", item, cerr);
            return -EINVAL;
        }
        const e2e_spec *sp = spec_new(&cfg, dir, budget);
        if (!sp)
            return -ENOMEM;
        /* the model's capacity: the largest context, prompt and batch of its cases */
        e2e_caps cap = {E2E_VERIFY_TOKENS, 1, E2E_VERIFY_TOKENS};
        for (int ti = 0; ti < ntests; ti++) {
            int64_t need = e->ctx > 0 ? e->ctx : tests[ti].n_prompt + tests[ti].n_gen + 1;
            cap.ctx = need > cap.ctx ? need : cap.ctx;
            cap.prefill = tests[ti].n_prompt > cap.prefill ? tests[ti].n_prompt : cap.prefill;
        }
        for (int bi = 0; bi < nbatch; bi++)
            cap.batch = batches[bi] > cap.batch ? batches[bi] : cap.batch;
        const tb_kernel *ks[16];
        int nk = 0;
        for (const char *fp = formats;;) {
            size_t fl = strcspn(fp, ",");
            char fmt[16];
            snprintf(fmt, sizeof fmt, "%.*s", (int)(fl < sizeof fmt ? fl : sizeof fmt - 1), fp);
            const tb_kernel *k = tb_kernel_find(fmt);
            if (k && k->gpu && !tb_kernel_usable(k, o->isa_allowed)) {
                snprintf(err, (size_t)errlen, "--format %s: the decoder on the GPU needs a CUDA device: %s", fmt,
                         tb_gpu_status_get()->line);
                return -EINVAL;
            }
            if (!k || !k->gpu)
                k = tb_kernel_best(fmt, o->isa_allowed);
            if (!k) {
                snprintf(err, (size_t)errlen, "--format %s: no variant of it runs under --isa %s", fmt,
                         o->isa_name ? o->isa_name : "native");
                return -EINVAL;
            }
            if (nk < 16)
                ks[nk++] = k;
            fp += fl;
            if (!*fp++)
                break;
        }
        /* formats innermost: one group per (test, batch, threads, cache mode) */
        for (int ti = 0; ti < ntests; ti++)
            for (int bi = 0; bi < nbatch; bi++)
                for (int th = 0; th < o->nthreads; th++)
                    for (unsigned m = TB_CACHE_HOT; m <= TB_CACHE_COLD; m <<= 1) {
                        if (!(modes & m))
                            continue;
                        for (int f = 0; f < nk; f++) {
                            int rc = push_case(out, o, sp, ks[f], &tests[ti], batches[bi], o->threads[th],
                                               (tb_cache_mode)m, head, 0, &cap);
                            if (rc < 0)
                                return rc;
                        }
                        if (!e->matmuls || tests[ti].n_gen == 0)
                            continue;
                        /* (the GPU decoder has no matmuls-only mode: its cases are skipped below) */
                        /* the same steps' matmuls alone: what the decoder adds around them */
                        tb_e2e_test mt = tests[ti];
                        mt.n_prompt = 0;
                        snprintf(mt.name, sizeof mt.name, "tg%lld-matmuls", (long long)mt.n_gen);
                        for (int f = 0; f < nk; f++) {
                            if (ks[f]->gpu)
                                continue;
                            int rc = push_case(out, o, sp, ks[f], &mt, batches[bi], o->threads[th],
                                               (tb_cache_mode)m, head, 0, &cap);
                            if (rc < 0)
                                return rc;
                            TB_CASE_PARAMS(&out->v[out->n - 1], tb_e2e_params)->matmuls_only = 1;
                        }
                    }
        for (int f = 0; f < nk && e->max_batch; f++) {
            /* Table 3 on a CPU: the largest batch the budget holds, decoding */
            const tb_kernel *k = ks[f];
            tb_e2e_test tg = {"tg16", 0, 16};
            const tb_e2e_test *t = &tg;
            for (int ti = 0; ti < ntests; ti++)
                if (tests[ti].n_gen > 0) {
                    t = &tests[ti];
                    break;
                }
            int tmax = o->threads[o->nthreads - 1];
            int64_t b = max_batch_for(sp, k, t, o, head, tmax);
            /* batch 0 fits: the batch-1 case is stored as does_not_fit by its setup */
            e2e_caps mcap = {t->n_prompt + t->n_gen + 1, b < 1 ? 1 : b, t->n_prompt};
            if (e->ctx > 0)
                mcap.ctx = e->ctx;
            int rc = push_case(out, o, sp, k, t, b < 1 ? 1 : b, tmax, TB_CACHE_HOT, head, 1, &mcap);
            if (rc < 0)
                return rc;
            tb_case *mc = &out->v[out->n - 1];
            mc->group[0] = 0; /* alone: the batch differs per format */
            mc->baseline = 0;
            for (int j = from; j < out->n - 1; j++)
                if (!strcmp(out->v[j].key, mc->key)) { /* --batch asked for it already */
                    TB_CASE_PARAMS(&out->v[j], tb_e2e_params)->max_batch = 1;
                    out->n--;
                    break;
                }
        }
        mp += ml;
        if (!*mp++)
            break;
    }
    split_groups(out, from, budget);
    return 0;
}
