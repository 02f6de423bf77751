/* model-random.c - deterministic random weights (tb_wsrc_random, tb-model.h).
 * Element i of tensor NAME is a pure function of (seed, FNV-1a(NAME), i):
 * one splitmix64 finaliser over a per-tensor key plus the counter gives 64
 * bits, i.e. two 32-bit uniforms (elements 2k and 2k+1), so any tensor,
 * any layer, any slice can be generated alone and in parallel (the fill is
 * split over the process-wide pool; the result does not depend on the
 * thread count).  Names and shapes are checked against the config, so a
 * builder asking for a wrong tensor or shape gets an error, as it would
 * from a checkpoint.  ~1 ns per element per thread. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-bench.h"
#include "tb-model.h"
#include "tb-workload.h"

typedef struct rnd_ctx {
    tb_model_config c;
    uint64_t seed;
} rnd_ctx;

static inline uint64_t rnd_mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The expected shape of tensor `name` under config c: 0, or -ENOENT. */
static int rnd_shape(const tb_model_config *c, const char *name, int64_t *rows, int64_t *cols, int *is_norm)
{
    int64_t qd = c->heads * c->head_dim, kvd = c->kv_heads * c->head_dim;
    *is_norm = 0;
    if (!strcmp(name, "model.embed_tokens.weight") || (!strcmp(name, "lm_head.weight") && !c->tied)) {
        *rows = c->vocab, *cols = c->hidden;
        return 0;
    }
    if (!strcmp(name, "model.norm.weight")) {
        *rows = 1, *cols = c->hidden, *is_norm = 1;
        return 0;
    }
    int layer, n = 0;
    char rest[64];
    if (sscanf(name, "model.layers.%d.%63s%n", &layer, rest, &n) != 2 || name[n] || layer < 0 ||
        layer >= c->layers)
        return -ENOENT;
    static const struct { const char *suffix; int r, k, norm; } t[] = {
        /* r/k: 0 hidden, 1 q dim, 2 kv dim, 3 ffn, 4 one row */
        { "input_layernorm.weight", 4, 0, 1 },       { "post_attention_layernorm.weight", 4, 0, 1 },
        { "self_attn.q_proj.weight", 1, 0, 0 },      { "self_attn.k_proj.weight", 2, 0, 0 },
        { "self_attn.v_proj.weight", 2, 0, 0 },      { "self_attn.o_proj.weight", 0, 1, 0 },
        { "mlp.gate_proj.weight", 3, 0, 0 },         { "mlp.up_proj.weight", 3, 0, 0 },
        { "mlp.down_proj.weight", 0, 3, 0 },         { "self_attn.attn_sub_norm.weight", 4, 1, 2 },
        { "mlp.ffn_sub_norm.weight", 4, 3, 2 },
    };
    const int64_t dim[5] = { c->hidden, qd, kvd, c->ffn, 1 };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(rest, t[i].suffix))
            continue;
        if (t[i].norm == 2 && !c->subln)
            return -ENOENT;
        *rows = dim[t[i].r], *cols = dim[t[i].k], *is_norm = t[i].norm != 0;
        return 0;
    }
    return -ENOENT;
}

typedef struct rnd_job {
    float *out;
    int64_t len;
    uint64_t key;
    float scale, offset;
} rnd_job;

static void rnd_fill_range(const rnd_job *j, int64_t p0, int64_t p1)
{
    const float u = 1.0f / 2147483648.0f; /* int32 -> [-1, 1) */
    for (int64_t p = p0; p < p1; p++) {
        uint64_t r = rnd_mix(j->key + (uint64_t)(p + 1) * 0x9e3779b97f4a7c15ull);
        int64_t i = 2 * p;
        j->out[i] = (float)(int32_t)(uint32_t)r * u * j->scale + j->offset;
        if (i + 1 < j->len)
            j->out[i + 1] = (float)(int32_t)(uint32_t)(r >> 32) * u * j->scale + j->offset;
    }
}

static void rnd_fill_job(void *arg, int tid, int nthreads)
{
    const rnd_job *j = arg;
    long b, e;
    tb_pool_split((long)((j->len + 1) / 2), 8, tid, nthreads, &b, &e);
    rnd_fill_range(j, b, e);
}

static int rnd_fill(void *ctx, const char *name, int64_t rows, int64_t cols, float *out, char *err, int errlen)
{
    const rnd_ctx *x = ctx;
    int64_t er, ec;
    int norm;
    if (rnd_shape(&x->c, name, &er, &ec, &norm) < 0) {
        snprintf(err, (size_t)errlen, "random(%s): %s: no such tensor", x->c.name, name);
        return -ENOENT;
    }
    if (er != rows || ec != cols) {
        snprintf(err, (size_t)errlen, "random(%s): %s: shape %lldx%lld asked, model has %lldx%lld", x->c.name,
                 name, (long long)rows, (long long)cols, (long long)er, (long long)ec);
        return -EINVAL;
    }
    rnd_job j = {
        .out = out,
        .len = rows * cols,
        .key = rnd_mix(x->seed ^ rnd_mix(tb_fnv1a(name, strlen(name), TB_FNV_INIT))),
        /* uniform on [-a, a) has std a/sqrt(3): a = sqrt(3/cols) gives 1/sqrt(cols) */
        .scale = norm ? 0.1f : (float)sqrt(3.0 / (double)cols),
        .offset = norm ? 1.0f : 0.0f,
    };
    tb_pool *pool = tb_bench_pool();
    int nt = pool ? tb_pool_size(pool) : 1;
    if (pool && j.len >= (1 << 16) && nt > 1)
        tb_pool_run(pool, nt, rnd_fill_job, &j);
    else
        rnd_fill_range(&j, 0, (j.len + 1) / 2);
    return 0;
}

static void rnd_close(void *ctx)
{
    free(ctx);
}

int tb_wsrc_random(const tb_model_config *c, uint64_t seed, tb_wsrc *out)
{
    rnd_ctx *x = malloc(sizeof *x);
    if (!x)
        return -ENOMEM;
    x->c = *c;
    x->seed = seed;
    *out = (tb_wsrc){ .ctx = x, .fill = rnd_fill, .close = rnd_close };
    return 0;
}
