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
 * Cache modes: hot reuses the one prepared matrix; cold cycles through
 * identical clones (k->clone) whose total is at least 4x the LLC (or what
 * the case's memory budget allows, flagged cold_partial), so every
 * iteration streams its weights from memory as decode does.
 * Cases of one (shape, n, threads, cache mode) form a group measured in
 * interleaved rounds with the fp16 variant as the baseline of the ratios.
 * Not thread-safe: the runner drives one group at a time. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul-shapes.h"
#include "tb-bench.h"
#include "tb-kernel.h"
#include "tb-params.h"
#include "tb-platform.h"

#include <stddef.h>

#define MM_W_STD 0.02f
/* Above this many multiply-adds the (scalar) reference is run on a subset
 * of the tokens only (first, second, middle, last two): ~1 s of scalar work. */
#define MM_REF_FULL_MACS 1.2e9

#define MM_COLD_LLC_FACTOR 4.0

typedef struct mm_ctx {
    const tb_kernel *k;
    tb_kmat *m;          /* the prepared matrix (copy 0) */
    tb_kmat **copies;    /* cold: m and its clones, cycled per iteration */
    int ncopies, cur;
    int64_t rows, cols, n;
    int threads;
    uint64_t wseed, xseed;
    float *x, *y;
    void *scratch;
    tb_pool *pool;
    tb_gpu_acts *acts;   /* device variants: x staged on the device (k->gpu) */
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
    if (x->acts)
        x->k->gpu->unstage(x->acts);
    for (int i = 1; i < x->ncopies; i++)
        x->k->free(x->copies[i]);
    free(x->copies);
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

/* Cold mode: clone the prepared matrix until the copies cycle through at
 * least 4x the LLC, within the case's memory budget.  Reports the copies,
 * the distinct bytes they span and, when short of the target, why. */
static int mm_cold_copies(mm_ctx *x, const tb_case *c, tb_setup_info *info)
{
    const double one = (double)x->k->bytes(x->m, NULL, NULL);
    const double llc = tb_bench_llc_bytes(), target = MM_COLD_LLC_FACTOR * (llc > 0 ? llc : 64.0 * 1048576);
    double budget = c->mem_budget > 0 ? c->mem_budget : target;
    int want = (int)ceil(target / one), limit = (int)floor(budget / one);
    if (want < 2)
        want = 2;
    if (limit < 2)
        limit = 2;
    int n = want < limit ? want : limit;
    x->copies = calloc((size_t)n, sizeof *x->copies);
    if (!x->copies)
        return -ENOMEM;
    x->copies[0] = x->m;
    x->ncopies = 1;
    int oom = 0;
    while (x->ncopies < n) {
        if (x->k->clone(x->m, &x->copies[x->ncopies]) < 0) {
            oom = 1;
            break;
        }
        x->ncopies++;
    }
    if (x->ncopies < 2) {
        snprintf(info->why, sizeof info->why, "cold: cannot clone a %.1f MiB matrix even once", one / 1048576);
        return -ENOMEM;
    }
    /* distinct bytes cycled: a copy counts only when its weight array
     * overlaps no other copy's (checked from the addresses) */
    double span = 0;
    for (int i = 0; i < x->ncopies; i++) {
        const void *bi = NULL;
        size_t li = 0, all = x->k->bytes(x->copies[i], &bi, &li);
        int overlap = 0;
        for (int j = 0; j < x->ncopies && !overlap; j++) {
            const void *bj = NULL;
            size_t lj = 0;
            x->k->bytes(x->copies[j], &bj, &lj);
            overlap = j != i && (const char *)bi < (const char *)bj + lj && (const char *)bj < (const char *)bi + li;
        }
        if (!overlap)
            span += (double)all;
    }
    int k = 0;
    snprintf(info->facts[k].name, sizeof info->facts[k].name, "cold_copies");
    info->facts[k].value = x->ncopies;
    snprintf(info->facts[k].unit, sizeof info->facts[k].unit, "copies");
    snprintf(info->facts[k].note, sizeof info->facts[k].note, "identical prepared matrices cycled, one per iteration");
    k++;
    snprintf(info->facts[k].name, sizeof info->facts[k].name, "cold_bytes");
    info->facts[k].value = span;
    snprintf(info->facts[k].unit, sizeof info->facts[k].unit, "B");
    snprintf(info->facts[k].note, sizeof info->facts[k].note,
             "distinct bytes the copies span (from their addresses); LLC %.0f MiB", llc / 1048576);
    k++;
    info->nfacts = k;
    if (span < target) {
        char why[200];
        snprintf(why, sizeof why, "%d copies span %.0f MiB < %.0fx the LLC (%.0f MiB): %s", x->ncopies,
                 span / 1048576, MM_COLD_LLC_FACTOR, target / 1048576,
                 oom ? "out of memory while cloning" : "the memory budget of the group allows no more");
        tb_setup_flag(info, "cold_partial", why);
    }
    return 0;
}

static int mm_setup(const tb_case *c, void **out, tb_setup_info *info)
{
    char *why = info->why;
    const size_t len = sizeof info->why;
    const tb_mm_params *p = TB_CASE_CPARAMS(c, tb_mm_params);
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
    x->rows = p->rows;
    x->cols = p->cols;
    x->n = p->n;
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
    /* the need at setup's peak, against the machine's memory, before any
     * allocation: the float weights prepare() reads, the prepared matrix
     * (two copies at least when cold), activations and outputs */
    double wn = (double)x->rows * (double)x->cols, prep = wn * x->k->bits_per_weight / 8;
    double act = (double)x->n * (double)(x->rows + x->cols) * sizeof(float);
    char what[128];
    snprintf(what, sizeof what, "%.0f MiB float weights, %.0f MiB prepared%s, %.0f MiB activations", wn * 4 / 1048576,
             prep / 1048576, c->cache == TB_CACHE_COLD ? " x2 (cold)" : "", act / 1048576);
    if ((rc = tb_bench_setup_check(c, wn * 4 + prep * (c->cache == TB_CACHE_COLD ? 2 : 1) + act, what, info)) < 0)
        goto fail;
    /* same W for every variant of a shape, same x for every (shape, n) */
    x->wseed = mm_mix(0x7e5eedull ^ ((uint64_t)x->rows << 32) ^ (uint64_t)x->cols);
    x->xseed = mm_mix(x->wseed ^ mm_mix((uint64_t)x->n));
    rc = mm_prepare(x, x->k, &x->m, why, len);
    if (rc < 0)
        goto fail;
    if (c->cache == TB_CACHE_COLD && (rc = mm_cold_copies(x, c, info)) < 0) {
        if (!why[0])
            snprintf(why, len, "cold: out of memory for the copies");
        goto fail;
    }
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
    /* device variants: x lives on the device from here on, as a previous
     * layer's output would; the weights went there in prepare() */
    if (x->k->gpu && (rc = x->k->gpu->stage(x->m, x->x, x->n, &x->acts)) < 0) {
        snprintf(why, len, "%s: cannot stage %lld activation rows on the device: %s", x->k->name, (long long)x->n,
                 strerror(-rc));
        goto fail;
    }
    *out = x;
    return 0;
fail:
    mm_teardown(x);
    return rc;
}

static void mm_run(void *vctx, uint64_t iters)
{
    mm_ctx *x = vctx;
    if (x->acts) { /* device: every launch ends with one synchronisation */
        double ev;
        if (x->ncopies > 1) {
            for (uint64_t i = 0; i < iters; i++) {
                x->k->gpu->launch(x->copies[x->cur], x->acts, 1, &ev);
                x->cur = x->cur + 1 == x->ncopies ? 0 : x->cur + 1;
            }
        } else {
            x->k->gpu->launch(x->m, x->acts, iters, &ev);
        }
        return;
    }
#ifdef TB_TEST_SLOW_VARIANT
    /* Test builds only (target tritbench-slow, CMake option
     * TB_TEST_SLOW_VARIANT; tests/e2e/test-ab.sh): every variant of this
     * format spins after each iteration as long as the iteration took (2x),
     * a planted regression the ab gate must catch. */
    if (!strcmp(x->k->format, TB_TEST_SLOW_VARIANT)) {
        for (uint64_t i = 0; i < iters; i++) {
            uint64_t t0 = tb_plat_now_ns();
            x->k->run(x->ncopies > 1 ? x->copies[x->cur] : x->m, x->x, x->n, x->y, x->scratch, x->pool, x->threads);
            if (x->ncopies > 1)
                x->cur = x->cur + 1 == x->ncopies ? 0 : x->cur + 1;
            uint64_t dt = tb_plat_now_ns() - t0;
            while (tb_plat_now_ns() - t0 < 2 * dt)
                ;
        }
        return;
    }
#endif
    if (x->ncopies > 1) {
        for (uint64_t i = 0; i < iters; i++) {
            x->k->run(x->copies[x->cur], x->x, x->n, x->y, x->scratch, x->pool, x->threads);
            x->cur = x->cur + 1 == x->ncopies ? 0 : x->cur + 1;
        }
        return;
    }
    for (uint64_t i = 0; i < iters; i++)
        x->k->run(x->m, x->x, x->n, x->y, x->scratch, x->pool, x->threads);
}

/* Cold: the timed iterations read the clones, so each must give the very
 * bytes copy 0 gave (x->y holds copy 0's output). */
static int mm_verify_copies(mm_ctx *x, tb_verdict *v)
{
    const size_t bytes = (size_t)x->n * (size_t)x->rows * sizeof(float);
    float *yc = mm_alloc(bytes);
    if (!yc)
        return -ENOMEM;
    for (int i = 1; i < x->ncopies; i++) {
        x->k->run(x->copies[i], x->x, x->n, yc, x->scratch, x->pool, x->threads);
        if (memcmp(yc, x->y, bytes)) {
            v->verified = 0;
            snprintf(v->reason, sizeof v->reason, "cold copy %d of %d gives other output bytes than copy 0", i,
                     x->ncopies);
            break;
        }
    }
    if (v->verified == 1) {
        size_t o = strlen(v->reason);
        snprintf(v->reason + o, sizeof v->reason - o, "; %d cold copies bit-identical", x->ncopies);
    }
    free(yc);
    return 0;
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
    x->k->run(x->m, x->x, x->n, x->y, x->scratch, x->pool, x->threads);
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
    if (v->verified == 1 && x->ncopies > 1 && (rc = mm_verify_copies(x, v)) < 0)
        goto done;
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
    x->k->ops(x->rows, x->cols, x->n, out);
}

#define MM_P(f, t, key) {#f, t, offsetof(tb_mm_params, f), sizeof(((tb_mm_params *)0)->f), key}
static const tb_param_decl mm_params[] = {
    MM_P(format, TB_PARAM_TEXT, NULL),
    MM_P(shape, TB_PARAM_TEXT, "%s"),
    MM_P(rows, TB_PARAM_INT, NULL),
    MM_P(cols, TB_PARAM_INT, NULL),
    MM_P(n, TB_PARAM_INT, "n%lld"),
    MM_P(model, TB_PARAM_TEXT, NULL),
    MM_P(proj, TB_PARAM_TEXT, NULL),
    MM_P(also, TB_PARAM_TEXT, NULL),
};
_Static_assert(sizeof(tb_mm_params) <= TB_PARAM_BYTES, "matmul parameters fit the case record");

static const tb_workload mm_workload = {
    .name = "matmul",
    .version = "2",
    .key_name = "matmul",
    .key_backend = 1,
    .params = mm_params,
    .nparams = (int)(sizeof mm_params / sizeof mm_params[0]),
    .setup = mm_setup,
    .verify = mm_verify,
    .run = mm_run,
    .counts = mm_counts,
    .teardown = mm_teardown,
};

/* ---- case lists ---- */

static int mm_push(tb_caselist *out, const tb_kernel *k, const tb_mm_shape *sh, const char *also, int64_t n,
                   int threads, tb_cache_mode cache, const tb_suite_opts *o)
{
    tb_case c = {.wl = &mm_workload, .threads = threads, .cache = cache};
    tb_mm_params *p = TB_CASE_PARAMS(&c, tb_mm_params);
    snprintf(p->format, sizeof p->format, "%s", k->format);
    snprintf(p->shape, sizeof p->shape, "%lldx%lld", (long long)sh->rows, (long long)sh->cols);
    p->rows = sh->rows;
    p->cols = sh->cols;
    p->n = n;
    snprintf(p->model, sizeof p->model, "%s", sh->model);
    snprintf(p->proj, sizeof p->proj, "%s", sh->proj);
    snprintf(p->also, sizeof p->also, "%s", also ? also : "");
    snprintf(c.backend, sizeof c.backend, "%s", k->name);
    snprintf(c.isa, sizeof c.isa, "%s", k->isa);
    snprintf(c.group, sizeof c.group, "matmul/%s/n%lld/t%d/%s", p->shape, (long long)n, threads,
             tb_cache_mode_name(cache));
    /* device variants form their own groups, over the cuBLAS fp16 baseline */
    c.baseline = k->gpu ? !strcmp(k->name, "fp16_cublas") : k == tb_kernel_best("fp16", o->isa_allowed);
    if (k->gpu) {
        size_t gl = strlen(c.group);
        snprintf(c.group + gl, sizeof c.group - gl, "/gpu");
    }
    int rc = tb_case_finish(&c);
    return rc < 0 ? rc : tb_caselist_push(out, &c);
}

/* The cache modes a GEMV (n = 1) is measured in; GEMMs are compute-bound
 * and always hot. */
static unsigned mm_modes(const tb_suite_opts *o, int64_t n, unsigned dflt)
{
    if (n > 1)
        return TB_CACHE_HOT;
    return o->cache_modes ? o->cache_modes : dflt;
}

/* Split the memory budget of each cold group between its members. */
static void mm_budgets(tb_caselist *out, int from)
{
    const double budget = tb_bench_mem_budget_bytes();
    for (int i = from; i < out->n; i++) {
        tb_case *c = &out->v[i];
        if (c->wl != &mm_workload || c->cache != TB_CACHE_COLD)
            continue;
        int members = 0;
        for (int j = from; j < out->n; j++)
            members += !strcmp(out->v[j].group, c->group);
        c->mem_budget = budget / (members > 0 ? members : 1);
    }
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

/* quick: the headline GEMVs of LLaMA-2 7B (gate/up 11008x4096, q/k/v/o
 * 4096x4096) at 1 and N threads, cold by default, and one GEMM (n = 128,
 * hot): the best variant of every format, each shape's formats grouped. */
static int mm_quick(tb_caselist *out, const tb_suite_opts *o)
{
    static const tb_mm_shape gate = {"llama2-7b", "gate", 11008, 4096}, q = {"llama2-7b", "q", 4096, 4096};
    const char *fmts[32];
    const int nf = mm_formats(fmts, 32), tmax = o->max_threads < 1 ? 1 : o->max_threads;
    const struct { const tb_mm_shape *sh; const char *also; int64_t n; int threads; } plan[] = {
        {&gate, "llama2-7b:up", 1, 1},    {&gate, "llama2-7b:up", 1, tmax},
        {&q, "llama2-7b:k,v,o", 1, 1},    {&q, "llama2-7b:k,v,o", 1, tmax},
        {&q, "llama2-7b:k,v,o", 128, tmax},
    };
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        if (p % 2 == 1 && plan[p].n == 1 && tmax == 1)
            continue; /* N = 1: the 1-thread case already covers it */
        unsigned modes = mm_modes(o, plan[p].n, TB_CACHE_COLD);
        for (unsigned m = TB_CACHE_HOT; m <= TB_CACHE_COLD; m <<= 1) {
            if (!(modes & m))
                continue;
            for (int f = 0; f < nf; f++) {
                const tb_kernel *k = tb_kernel_best(fmts[f], o->isa_allowed);
                /* a scalar reference as "best" (--isa scalar, or no SIMD
                 * variant) would spend minutes on a GEMM: GEMVs only */
                if (!k || (plan[p].n > 1 && k->isa_mask == 0))
                    continue;
                int rc = mm_push(out, k, plan[p].sh, plan[p].also, plan[p].n, plan[p].threads, (tb_cache_mode)m, o);
                if (rc < 0)
                    return rc;
            }
        }
    }
    return 0;
}

/* TRITBENCH_MATMUL_VARIANTS: "best" (best usable variant per format),
 * "default" (every usable variant; scalar references only at n = 1, where
 * they take seconds rather than minutes per iteration) or "all".  GEMVs are
 * measured cold and hot by default. */
static int mm_full(tb_caselist *out, const tb_suite_opts *o)
{
    static const int64_t ns[] = {1, 8, 128, 512};
    const char *mode = tb_env("TRITBENCH_MATMUL_VARIANTS");
    const int best = mode && !strcmp(mode, "best"), every = mode && !strcmp(mode, "all");
    for (int s = 0; s < tb_mm_nshapes; s++) {
        const tb_mm_shape *sh = &tb_mm_shapes[s];
        int dup = 0;
        for (int p = 0; p < s && !dup; p++)
            dup = tb_mm_shapes[p].rows == sh->rows && tb_mm_shapes[p].cols == sh->cols;
        if (dup)
            continue; /* keys are per shape: first model/projection names it */
        char also[200] = "";
        size_t al = 0;
        for (int p = s + 1; p < tb_mm_nshapes; p++) {
            const tb_mm_shape *q = &tb_mm_shapes[p];
            if (q->rows == sh->rows && q->cols == sh->cols && al < sizeof also - 1)
                al += (size_t)snprintf(also + al, sizeof also - al, "%s%s:%s", al ? "," : "", q->model, q->proj);
        }
        for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++) {
            unsigned modes = mm_modes(o, ns[ni], TB_CACHE_BOTH);
            for (int t = 0; t < o->nthreads; t++) {
                for (unsigned m = TB_CACHE_HOT; m <= TB_CACHE_COLD; m <<= 1) {
                    if (!(modes & m))
                        continue;
                    for (int i = 0; i < tb_kernel_count(); i++) {
                        const tb_kernel *k = tb_kernel_at(i);
                        if (!tb_kernel_usable(k, o->isa_allowed))
                            continue;
                        if (best && k != tb_kernel_best(k->format, o->isa_allowed))
                            continue;
                        if (!best && !every && k->isa_mask == 0 && ns[ni] > 1)
                            continue;
                        int rc = mm_push(out, k, sh, also, ns[ni], o->threads[t], (tb_cache_mode)m, o);
                        if (rc < 0)
                            return rc;
                    }
                }
            }
        }
    }
    return 0;
}

/* isa: the ISA ladder.  LLaMA-2 7B's gate/up (11008x4096) and down
 * (4096x11008) GEMVs (same weights, rows split differently between threads)
 * streamed from memory (cold by default), and one GEMM (4096x4096, n = 512,
 * hot), at 1 and N threads: every usable variant of every format, one group
 * per shape, n, threads and mode, so the ISA levels of a format are measured
 * side by side (interleaved rounds).  Scalar references run the GEMVs only.
 * Thread counts as for matmul: 1 and N. */
static int mm_isa(tb_caselist *out, const tb_suite_opts *o)
{
    static const tb_mm_shape gate = {"llama2-7b", "gate", 11008, 4096};
    static const tb_mm_shape down = {"llama2-7b", "down", 4096, 11008};
    static const tb_mm_shape q = {"llama2-7b", "q", 4096, 4096};
    const struct { const tb_mm_shape *sh; const char *also; int64_t n; } plan[] = {
        {&gate, "llama2-7b:up", 1}, {&down, "", 1}, {&q, "llama2-7b:k,v,o", 512},
    };
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++)
        for (int ti = 0; ti < o->nthreads; ti++) {
            const int t = o->threads[ti];
            unsigned modes = mm_modes(o, plan[p].n, TB_CACHE_COLD);
            for (unsigned m = TB_CACHE_HOT; m <= TB_CACHE_COLD; m <<= 1) {
                if (!(modes & m))
                    continue;
                for (int i = 0; i < tb_kernel_count(); i++) {
                    const tb_kernel *k = tb_kernel_at(i);
                    if (!tb_kernel_usable(k, o->isa_allowed) || (plan[p].n > 1 && k->isa_mask == 0))
                        continue;
                    int rc = mm_push(out, k, plan[p].sh, plan[p].also, plan[p].n, t, (tb_cache_mode)m, o);
                    if (rc < 0)
                        return rc;
                }
            }
        }
    return 0;
}

/* ci: what a CI gate times (suite ci, `tritbench ab`): LLaMA-2 7B's q/k/v/o
 * (4096x4096) and gate/up (11008x4096) GEMVs and one GEMM (4096x4096,
 * n = 128), the best variant of every format, one thread, hot by default:
 * a regression in a kernel's code shows there without the shared host's
 * memory bandwidth in the way (--cache cold times the GEMVs streamed). */
static int mm_ci(tb_caselist *out, const tb_suite_opts *o)
{
    static const tb_mm_shape gate = {"llama2-7b", "gate", 11008, 4096}, q = {"llama2-7b", "q", 4096, 4096};
    const struct { const tb_mm_shape *sh; const char *also; int64_t n; } plan[] = {
        {&q, "llama2-7b:k,v,o", 1}, {&gate, "llama2-7b:up", 1}, {&q, "llama2-7b:k,v,o", 128},
    };
    const char *fmts[32];
    const int nf = mm_formats(fmts, 32);
    for (size_t p = 0; p < sizeof plan / sizeof plan[0]; p++) {
        unsigned modes = mm_modes(o, plan[p].n, TB_CACHE_HOT);
        for (unsigned m = TB_CACHE_HOT; m <= TB_CACHE_COLD; m <<= 1)
            for (int f = 0; f < nf && (modes & m); f++) {
                const tb_kernel *k = tb_kernel_best(fmts[f], o->isa_allowed);
                if (!k || k->gpu || (plan[p].n > 1 && k->isa_mask == 0))
                    continue;
                int rc = mm_push(out, k, plan[p].sh, plan[p].also, plan[p].n, 1, (tb_cache_mode)m, o);
                if (rc < 0)
                    return rc;
            }
    }
    return 0;
}

int tb_matmul_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which)
{
    int from = out->n, rc = -EINVAL;
    if (!strcmp(which, "quick"))
        rc = mm_quick(out, o);
    else if (!strcmp(which, "isa"))
        rc = mm_isa(out, o);
    else if (!strcmp(which, "ci"))
        rc = mm_ci(out, o);
    else if (!strcmp(which, "full"))
        rc = mm_full(out, o);
    if (rc == 0)
        mm_budgets(out, from);
    return rc;
}

const tb_workload *tb_matmul_workload(void) { return &mm_workload; }
