/* matmul.c - the "matmul" workload: y = W x through one kernel variant
 * (kernels/tb-kernel.h), and its case lists (quick, full).
 *
 * setup: seeded weights ~ N(0, 0.02) and activations ~ N(0, 1) (splitmix64
 * per element + Irwin-Hall(4): deterministic, independent of thread count,
 * the same W for every variant of a shape), prepare (quantize/pack, not
 * timed), 64-byte aligned x, y, scratch.
 * verify: the variant's output against its reference variant (k->ref)
 * prepared from the same float W: memcmp when max_nmse == 0, else NMSE.
 * run: k->run `iters` times on the process-wide pool (tb_bench_pool()).
 * Not thread-safe: one case at a time, as the runner drives it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul-shapes.h"
#include "tb-bench.h"
#include "tb-kernel.h"

#define MM_W_STD 0.02f
/* Above this many multiply-adds the (scalar) reference is run on a subset
 * of the tokens only (first, second, middle, last two): ~1 s of scalar work. */
#define MM_REF_FULL_MACS 1.2e9

typedef struct mm_ctx {
    const tb_kernel *k;
    tb_kmat *m;
    int64_t rows, cols, n;
    int threads;
    uint64_t wseed, xseed;
    float *x, *y;
    void *scratch;
    tb_pool *pool;
} mm_ctx;

/* ---- seeded data ---- */

static inline uint64_t mm_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Element i of the stream `seed`: roughly N(0, 1) (sum of 4 uniforms). */
static inline float mm_normal(uint64_t seed, uint64_t i)
{
    uint64_t r = mm_mix(seed ^ mm_mix(i));
    uint32_t s = (uint32_t)(r & 0xffff) + (uint32_t)((r >> 16) & 0xffff) +
                 (uint32_t)((r >> 32) & 0xffff) + (uint32_t)(r >> 48);
    return ((float)s * (1.0f / 65536.0f) - 2.0f) * 1.7320508f;
}

static void mm_fill(float *v, size_t len, uint64_t seed, float scale)
{
    for (size_t i = 0; i < len; i++)
        v[i] = mm_normal(seed, i) * scale;
}

static void *mm_alloc(size_t bytes)
{
    return aligned_alloc(64, ((bytes ? bytes : 1) + 63) & ~(size_t)63);
}

/* ---- workload ---- */

static void mm_teardown(void *vctx)
{
    mm_ctx *x = vctx;
    if (!x)
        return;
    if (x->m)
        x->k->free(x->m);
    free(x->x);
    free(x->y);
    free(x->scratch);
    free(x);
}

/* Prepare `k` from the seeded float weights of this context's shape. */
static int mm_prepare(const mm_ctx *x, const tb_kernel *k, tb_kmat **out, char *why, size_t len)
{
    size_t wl = (size_t)x->rows * (size_t)x->cols;
    float *w = malloc(wl * sizeof *w);
    if (!w) {
        snprintf(why, len, "cannot allocate %zu MiB of float weights", wl * 4 >> 20);
        return -ENOMEM;
    }
    mm_fill(w, wl, x->wseed, MM_W_STD);
    int rc = k->prepare(w, x->rows, x->cols, out);
    free(w);
    if (rc < 0)
        snprintf(why, len, "%s prepare(%lldx%lld): %s", k->name, (long long)x->rows,
                 (long long)x->cols, strerror(-rc));
    return rc;
}

static int mm_setup(const tb_case *c, void **out, char *why, size_t len)
{
    int rc = -ENOMEM;
    mm_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        snprintf(why, len, "out of memory");
        return -ENOMEM;
    }
    x->k = tb_kernel_find(c->backend);
    if (!x->k) {
        snprintf(why, len, "unknown kernel variant '%s'", c->backend);
        rc = -ENOENT;
        goto fail;
    }
    if (!tb_kernel_usable(x->k, tb_isa_allowed())) {
        snprintf(why, len, "%s needs ISA %s, which this CPU (or TB_ISA) lacks", x->k->name,
                 x->k->isa);
        rc = -ENOTSUP;
        goto fail;
    }
    x->rows = c->m;
    x->cols = c->k;
    x->n = c->n;
    x->threads = c->threads < 1 ? 1 : c->threads;
    if (x->rows < 1 || x->cols < 1 || x->n < 1) {
        snprintf(why, len, "bad shape %lldx%lld n=%lld", (long long)x->rows, (long long)x->cols,
                 (long long)x->n);
        rc = -EINVAL;
        goto fail;
    }
    x->pool = tb_bench_pool();
    if (tb_pool_size(x->pool) < x->threads) {
        snprintf(why, len, "%d threads asked, the pool has %d (raise --threads)", x->threads,
                 tb_pool_size(x->pool));
        rc = -EINVAL;
        goto fail;
    }
    /* same W for every variant of a shape, same x for every (shape, n) */
    x->wseed = mm_mix(0x7e5eedull ^ ((uint64_t)x->rows << 32) ^ (uint64_t)x->cols);
    x->xseed = mm_mix(x->wseed ^ mm_mix((uint64_t)x->n));
    rc = mm_prepare(x, x->k, &x->m, why, len);
    if (rc < 0)
        goto fail;
    size_t xl = (size_t)(x->n * x->cols), yl = (size_t)(x->n * x->rows);
    size_t sb = x->k->scratch_bytes(x->m, x->n);
    x->x = mm_alloc(xl * sizeof(float));
    x->y = mm_alloc(yl * sizeof(float));
    x->scratch = sb ? mm_alloc(sb) : NULL;
    if (!x->x || !x->y || (sb && !x->scratch)) {
        snprintf(why, len, "cannot allocate activations/outputs/scratch (%zu MiB)",
                 (xl * 4 + yl * 4 + sb) >> 20);
        rc = -ENOMEM;
        goto fail;
    }
    mm_fill(x->x, xl, x->xseed, 1.0f);
    memset(x->y, 0, yl * sizeof(float));
    *out = x;
    return 0;
fail:
    mm_teardown(x);
    return rc;
}

static void mm_run(void *vctx, uint64_t iters)
{
    mm_ctx *x = vctx;
    for (uint64_t i = 0; i < iters; i++)
        x->k->run(x->m, x->x, x->n, x->y, x->scratch, x->pool, x->threads);
}

static int mm_verify(void *vctx, tb_verdict *v)
{
    mm_ctx *x = vctx;
    const tb_kernel *k = x->k, *ref = tb_kernel_find(k->ref);
    const size_t rows = (size_t)x->rows, cols = (size_t)x->cols;
    tb_kmat *rm = NULL;
    float *xs = NULL, *ys = NULL;
    void *rscratch = NULL;
    int64_t idx[5], nv = 0;
    char why[160] = "";
    int rc = 0;

    v->verified = 0;
    v->max_abs_err = v->nmse = NAN;
    v->bound = k->max_nmse;
    mm_run(x, 1);
    v->checksum = tb_fnv1a(x->y, (size_t)x->n * rows * sizeof(float), TB_FNV_INIT);
    if (!ref) {
        snprintf(v->reason, sizeof v->reason, "reference variant '%s' of %s not registered",
                 k->ref, k->name);
        return 0;
    }

    /* tokens checked: all of them when the scalar work is modest */
    if ((double)x->rows * (double)x->cols * (double)x->n <= MM_REF_FULL_MACS) {
        nv = x->n;
    } else {
        const int64_t cand[5] = {0, 1, x->n / 2, x->n - 2, x->n - 1};
        for (int i = 0; i < 5; i++)
            if (cand[i] >= 0 && cand[i] < x->n && (nv == 0 || cand[i] > idx[nv - 1]))
                idx[nv++] = cand[i];
    }
    const int all = nv == x->n;
    xs = all ? x->x : mm_alloc((size_t)nv * cols * sizeof(float));
    ys = mm_alloc((size_t)nv * rows * sizeof(float));
    if (!xs || !ys) {
        rc = -ENOMEM;
        goto done;
    }
    if (!all)
        for (int64_t i = 0; i < nv; i++)
            memcpy(xs + (size_t)i * cols, x->x + (size_t)idx[i] * cols, cols * sizeof(float));

    if (ref == k) {
        rm = x->m; /* the oracle itself: check it is deterministic */
    } else if ((rc = mm_prepare(x, ref, &rm, why, sizeof why)) < 0) {
        snprintf(v->reason, sizeof v->reason, "reference: %s", why);
        goto done;
    }
    size_t rsb = ref->scratch_bytes(rm, nv);
    rscratch = rsb ? mm_alloc(rsb) : NULL;
    if (rsb && !rscratch) {
        rc = -ENOMEM;
        goto done;
    }
    ref->run(rm, xs, nv, ys, rscratch, x->pool, x->threads);

    double err = 0, energy = 0, maxabs = 0;
    int same = 1;
    for (int64_t i = 0; i < nv; i++) {
        const float *a = x->y + (size_t)(all ? i : idx[i]) * rows, *b = ys + (size_t)i * rows;
        if (memcmp(a, b, rows * sizeof(float)))
            same = 0;
        for (size_t r = 0; r < rows; r++) {
            double d = (double)a[r] - (double)b[r];
            err += d * d;
            energy += (double)b[r] * (double)b[r];
            if (fabs(d) > maxabs || d != d)
                maxabs = fabs(d);
        }
    }
    v->max_abs_err = maxabs;
    v->nmse = energy > 0 ? err / energy : (err > 0 ? INFINITY : 0);
    char which[64];
    if (all)
        snprintf(which, sizeof which, "all %lld token%s", (long long)x->n, x->n > 1 ? "s" : "");
    else
        snprintf(which, sizeof which, "%lld of %lld tokens (first, middle, last)", (long long)nv,
                 (long long)x->n);
    if (ref == k) {
        v->verified = same;
        snprintf(v->reason, sizeof v->reason,
                 "%s: the reference itself; rerun %s on %s (accuracy vs fp64: tests/kernels)",
                 k->name, same ? "bit-identical" : "DIFFERS", which);
    } else if (k->max_nmse == 0) {
        v->verified = same;
        snprintf(v->reason, sizeof v->reason, "%s vs %s on %s (max abs err %.3g)",
                 same ? "bit-exact" : "NOT bit-exact", ref->name, which, maxabs);
    } else {
        v->verified = v->nmse <= k->max_nmse;
        snprintf(v->reason, sizeof v->reason, "NMSE %.3g %s %.3g vs %s on %s", v->nmse,
                 v->verified ? "<=" : ">", k->max_nmse, ref->name, which);
    }
done:
    if (rc == -ENOMEM)
        snprintf(v->reason, sizeof v->reason, "out of memory for the reference check");
    if (rm && rm != x->m)
        ref->free(rm);
    if (!all)
        free(xs);
    free(ys);
    free(rscratch);
    return rc;
}

static void mm_counts(void *vctx, tb_counts *out)
{
    mm_ctx *x = vctx;
    tb_kops o;
    x->k->ops(x->rows, x->cols, x->n, &o);
    memset(out, 0, sizeof *out);
    out->ops[TB_OP_INT8_ADD] = o.int8_add;
    out->ops[TB_OP_INT8_MUL] = o.int8_mul;
    out->ops[TB_OP_FP16_ADD] = o.fp16_add;
    out->ops[TB_OP_FP16_MUL] = o.fp16_mul;
    out->ops[TB_OP_FP32_ADD] = o.fp32_add;
    out->ops[TB_OP_FP32_MUL] = o.fp32_mul;
    out->bytes_weights = o.bytes_weights;
    out->bytes_acts = o.bytes_acts;
    out->bytes_out = o.bytes_out;
}

static const tb_workload mm_workload = {
    .name = "matmul",
    .version = "1",
    .setup = mm_setup,
    .verify = mm_verify,
    .run = mm_run,
    .counts = mm_counts,
    .teardown = mm_teardown,
};

/* ---- case lists ---- */

static int mm_push(tb_caselist *out, const tb_kernel *k, int64_t rows, int64_t cols, int64_t n,
                   int threads, const char *model, const char *params)
{
    tb_case c = {.wl = &mm_workload, .m = rows, .n = n, .k = cols, .threads = threads,
                 .batch = (int)n};
    snprintf(c.key, sizeof c.key, "matmul/%s/%lldx%lld/n%lld/t%d", k->name, (long long)rows,
             (long long)cols, (long long)n, threads);
    snprintf(c.backend, sizeof c.backend, "%s", k->name);
    snprintf(c.format, sizeof c.format, "%s", k->format);
    snprintf(c.isa, sizeof c.isa, "%s", k->isa);
    snprintf(c.model, sizeof c.model, "%s", model ? model : "");
    snprintf(c.shape, sizeof c.shape, "%lldx%lld", (long long)rows, (long long)cols);
    snprintf(c.params, sizeof c.params, "%s", params ? params : "{}");
    return tb_caselist_push(out, &c);
}

/* Distinct formats in registry order; returns how many (at most max). */
static int mm_formats(const char **fmts, int max)
{
    int nf = 0;
    for (int i = 0; i < tb_kernel_count(); i++) {
        const char *f = tb_kernel_at(i)->format;
        int seen = 0;
        for (int j = 0; j < nf; j++)
            seen |= !strcmp(fmts[j], f);
        if (!seen && nf < max)
            fmts[nf++] = f;
    }
    return nf;
}

static int mm_quick(tb_caselist *out, const tb_suite_opts *o)
{
    const char *fmts[32];
    const int nf = mm_formats(fmts, 32), tmax = o->max_threads < 1 ? 1 : o->max_threads;
    for (int f = 0; f < nf; f++) {
        const tb_kernel *k = tb_kernel_best(fmts[f], o->isa_allowed);
        if (!k)
            continue;
        int rc = mm_push(out, k, 11008, 4096, 1, tmax, "llama2-7b:gate",
                         "{\"proj\":\"gate\",\"also\":\"up\"}");
        /* a scalar reference as "best" (--isa scalar, or no SIMD variant)
         * would spend minutes on a GEMM: quick keeps its GEMVs only */
        if (!rc && k->isa_mask != 0)
            rc = mm_push(out, k, 4096, 4096, 128, tmax, "llama2-7b:q",
                         "{\"proj\":\"q\",\"also\":\"k,v,o\"}");
        if (!rc)
            rc = mm_push(out, k, 4096, 4096, 1, 1, "llama2-7b:q",
                         "{\"proj\":\"q\",\"also\":\"k,v,o\"}");
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* TB_MATMUL_VARIANTS: "best" (best usable variant per format), "default"
 * (every usable variant; scalar references only at n = 1, where they take
 * seconds rather than minutes per iteration) or "all". */
static int mm_full(tb_caselist *out, const tb_suite_opts *o)
{
    static const int64_t ns[] = {1, 8, 128, 512};
    const char *mode = getenv("TB_MATMUL_VARIANTS");
    const int best = mode && !strcmp(mode, "best"), every = mode && !strcmp(mode, "all");
    for (int s = 0; s < tb_mm_nshapes; s++) {
        const tb_mm_shape *sh = &tb_mm_shapes[s];
        int dup = 0;
        for (int p = 0; p < s && !dup; p++)
            dup = tb_mm_shapes[p].rows == sh->rows && tb_mm_shapes[p].cols == sh->cols;
        if (dup)
            continue; /* keys are per shape: first model/projection names it */
        char model[40], params[256], also[200] = "";
        size_t al = 0;
        for (int p = s + 1; p < tb_mm_nshapes; p++) {
            const tb_mm_shape *q = &tb_mm_shapes[p];
            if (q->rows == sh->rows && q->cols == sh->cols && al < sizeof also - 1)
                al += (size_t)snprintf(also + al, sizeof also - al, "%s%s:%s", al ? "," : "",
                                       q->model, q->proj);
        }
        if (al >= sizeof also)
            al = sizeof also - 1;
        snprintf(model, sizeof model, "%s:%s", sh->model, sh->proj);
        snprintf(params, sizeof params, "{\"proj\":\"%s\",\"also\":\"%s\"}", sh->proj, also);
        for (int i = 0; i < tb_kernel_count(); i++) {
            const tb_kernel *k = tb_kernel_at(i);
            if (!tb_kernel_usable(k, o->isa_allowed))
                continue;
            if (best && k != tb_kernel_best(k->format, o->isa_allowed))
                continue;
            for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
                if (!best && !every && k->isa_mask == 0 && ns[ni] > 1)
                    continue;
                for (int t = 0; t < o->nthreads; t++) {
                    int rc = mm_push(out, k, sh->rows, sh->cols, ns[ni], o->threads[t], model,
                                     params);
                    if (rc < 0)
                        return rc;
                }
            }
        }
    }
    return 0;
}

int tb_matmul_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which)
{
    if (!strcmp(which, "quick"))
        return mm_quick(out, o);
    if (!strcmp(which, "full"))
        return mm_full(out, o);
    return -EINVAL;
}
