/* probes.c - machine-ceiling workloads: memory bandwidth (STREAM-style
 * read, copy, triad over arrays several times the LLC, and a read ladder
 * of cache-resident sizes, 1..N threads) and compute peak (fp32 FMA per
 * ISA, int8 multiply-add per ISA: vpmaddubsw on ymm and zmm, vpdpbusd on
 * ymm (AVX-VNNI) and zmm), and which peak a matmul variant's ISA maps to.  A ceiling is the best sustained
 * repetition of many (min_reps); suites run the probes at their start and
 * at their end (phase "end" in the key), and both are kept. */
#include "tb-bench.h"
#include "tb-params.h"
#include "tb-machine.h"
#include "tb-isa-req.h" /* mask per probe file suffix, cmake/isa-table.txt */
#include "probes/tb-probe-kernels.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bandwidth ---------------------------------------------------------- */

typedef enum { BW_READ, BW_COPY, BW_TRIAD } bw_kind;
static const char *const bw_names[] = {"read", "copy", "triad"};
static const int bw_arrays[] = {1, 2, 3};

typedef struct bw_impl {
    const char *isa;
    uint32_t mask;
    tb_bw_read_fn read;
    tb_bw_copy_fn copy;
    tb_bw_triad_fn triad;
} bw_impl;

/* Rows of another architecture's probe files are left out: those files are
 * not built there (their TB_ISA_REQ_* is not defined, cmake/isa-flags.cmake). */
static const bw_impl bw_impls[] = {
#ifdef TB_ISA_REQ_AVX512
    {"avx512", TB_ISA_REQ_AVX512, tb_bw_read_avx512, tb_bw_copy_avx512, tb_bw_triad_avx512},
    {"avx2", TB_ISA_REQ_AVX2, tb_bw_read_avx2, tb_bw_copy_avx2, tb_bw_triad_avx2},
#endif
    {"scalar", 0, tb_bw_read_scalar, tb_bw_copy_scalar, tb_bw_triad_scalar},
};

typedef struct bw_spec {
    bw_kind kind;
    const bw_impl *impl;
    size_t floats; /* per array */
} bw_spec;

typedef struct bw_ctx {
    const tb_case *c;
    const bw_spec *spec;
    float *a[3];
    size_t n;
    volatile float sink;
    float *partial; /* one per pool thread (tb_pool_size), tid-indexed */
} bw_ctx;

static void bw_slice(const bw_ctx *x, int tid, int nt, size_t *b, size_t *e)
{
    long lb, le;
    tb_pool_split((long)x->n, 1024, tid, nt, &lb, &le); /* 4 KiB-aligned slices */
    *b = (size_t)lb;
    *e = (size_t)le;
}

static void bw_touch(void *arg, int tid, int nt)
{
    bw_ctx *x = arg;
    size_t b, e;
    bw_slice(x, tid, nt, &b, &e);
    for (int k = 0; k < bw_arrays[x->spec->kind]; k++)
        for (size_t i = b; i < e; i++)
            x->a[k][i] = (float)((i + (size_t)k) & 7); /* small integers: exact sums */
}

static void bw_job(void *arg, int tid, int nt)
{
    bw_ctx *x = arg;
    size_t b, e;
    bw_slice(x, tid, nt, &b, &e);
    if (e <= b)
        return;
    const bw_impl *im = x->spec->impl;
    switch (x->spec->kind) {
    case BW_READ:
        x->partial[tid] = im->read(x->a[0] + b, e - b);
        break;
    case BW_COPY:
        im->copy(x->a[1] + b, x->a[0] + b, e - b);
        break;
    case BW_TRIAD:
        im->triad(x->a[2] + b, x->a[0] + b, x->a[1] + b, 2.0f, e - b);
        break;
    }
}

static void bw_teardown(void *v)
{
    bw_ctx *x = v;
    for (int k = 0; k < 3; k++)
        free(x->a[k]);
    free(x->partial);
    free(x);
}

#define PROBE_MIN_REPS 20 /* the ceiling is the best repetition: take enough to find it */

static int bw_setup(const tb_case *c, void **out, tb_setup_info *info)
{
    char *why = info->why;
    const size_t len = sizeof info->why;
    const bw_spec *sp = c->spec;
    /* the need, against the machine's memory, before any allocation */
    char what[64];
    snprintf(what, sizeof what, "%d array(s) of %zu MiB", bw_arrays[sp->kind], sp->floats * sizeof(float) >> 20);
    int rc = tb_bench_setup_check(c, (double)bw_arrays[sp->kind] * (double)sp->floats * sizeof(float), what, info);
    if (rc < 0)
        return rc;
    bw_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return -ENOMEM;
    x->c = c;
    x->spec = sp;
    x->n = sp->floats;
    x->partial = calloc((size_t)tb_pool_size(tb_bench_pool()), sizeof *x->partial);
    if (!x->partial) {
        bw_teardown(x);
        return -ENOMEM;
    }
    for (int k = 0; k < bw_arrays[sp->kind]; k++)
        if (posix_memalign((void **)&x->a[k], 2u << 20, x->n * sizeof(float)) != 0) {
            snprintf(why, len, "cannot allocate %zu MiB", x->n * sizeof(float) >> 20);
            bw_teardown(x);
            return -ENOMEM;
        }
    tb_pool_run(tb_bench_pool(), c->threads, bw_touch, x); /* first touch by the measuring threads */
    *out = x;
    return 0;
}

static int bw_verify(void *v, tb_verdict *vd)
{
    bw_ctx *x = v;
    enum { N = 4096 };
    float *a = aligned_alloc(64, N * sizeof(float)), *b = aligned_alloc(64, N * sizeof(float)),
          *c = aligned_alloc(64, N * sizeof(float)), *r = aligned_alloc(64, N * sizeof(float));
    int ok = a && b && c && r;
    if (ok) {
        for (int i = 0; i < N; i++) {
            a[i] = (float)(i % 13);
            b[i] = (float)(i % 5);
        }
        const bw_impl *im = x->spec->impl;
        vd->bound = 0;
        switch (x->spec->kind) {
        case BW_READ: {
            float got = im->read(a, N), want = tb_bw_read_scalar(a, N);
            ok = got == want;
            vd->max_abs_err = fabs((double)got - want);
            vd->checksum = tb_fnv1a(&got, sizeof got, TB_FNV_INIT);
            break;
        }
        case BW_COPY:
            im->copy(c, a, N);
            tb_bw_copy_scalar(r, a, N);
            ok = memcmp(c, r, N * sizeof(float)) == 0;
            vd->max_abs_err = ok ? 0 : NAN;
            vd->checksum = tb_fnv1a(c, N * sizeof(float), TB_FNV_INIT);
            break;
        case BW_TRIAD:
            im->triad(c, a, b, 2.0f, N);
            tb_bw_triad_scalar(r, a, b, 2.0f, N);
            ok = memcmp(c, r, N * sizeof(float)) == 0;
            vd->max_abs_err = ok ? 0 : NAN;
            vd->checksum = tb_fnv1a(c, N * sizeof(float), TB_FNV_INIT);
            break;
        }
        vd->nmse = ok ? 0 : NAN;
        snprintf(vd->reason, sizeof vd->reason, "%s", ok ? "bit-exact vs scalar loop on 4096 floats" :
                 "result differs from the scalar loop");
    } else {
        snprintf(vd->reason, sizeof vd->reason, "out of memory");
    }
    vd->verified = ok;
    free(a);
    free(b);
    free(c);
    free(r);
    return 0;
}

static void bw_run(void *v, uint64_t iters)
{
    bw_ctx *x = v;
    for (uint64_t i = 0; i < iters; i++)
        tb_pool_run(tb_bench_pool(), x->c->threads, bw_job, x);
    x->sink = x->partial[0];
}

static void bw_counts(void *v, tb_counts *out)
{
    bw_ctx *x = v;
    memset(out, 0, sizeof *out);
    double bytes = (double)x->n * sizeof(float);
    out->v[TB_CNT_BYTES_ACTS] = bytes * (x->spec->kind == BW_READ ? 1 : x->spec->kind == BW_COPY ? 1 : 2);
    out->v[TB_CNT_BYTES_OUT] = x->spec->kind == BW_READ ? 0 : bytes; /* write-allocate traffic not counted (STREAM) */
    if (x->spec->kind == BW_READ)
        out->v[TB_CNT_FP32_ADD] = (double)x->n;
    if (x->spec->kind == BW_TRIAD) {
        out->v[TB_CNT_FP32_ADD] = (double)x->n;
        out->v[TB_CNT_FP32_MUL] = (double)x->n;
    }
}

#define BW_P(f, t, key) {#f, t, offsetof(tb_bw_params, f), sizeof(((tb_bw_params *)0)->f), key}
static const tb_param_decl bw_params[] = {
    BW_P(kind, TB_PARAM_TEXT, "%s"),
    BW_P(impl, TB_PARAM_TEXT, "%s"),
    BW_P(mib, TB_PARAM_INT, "%lldMiB"),
    BW_P(bytes_per_array, TB_PARAM_INT, NULL),
    BW_P(arrays, TB_PARAM_INT, NULL),
    BW_P(phase, TB_PARAM_TEXT, "%s"),
};

static const tb_workload bw_workload = {
    .name = "bandwidth", .version = "2", .key_name = "bw",
    .params = bw_params, .nparams = (int)(sizeof bw_params / sizeof bw_params[0]), .min_reps = PROBE_MIN_REPS,
    .setup = bw_setup, .verify = bw_verify, .run = bw_run, .counts = bw_counts, .teardown = bw_teardown,
};

/* ---- peak --------------------------------------------------------------- */

typedef struct peak_impl {
    const char *name; /* backend name */
    const char *isa;
    uint32_t mask;
    int int8;         /* 0 fp32 FMA, 1 int8 multiply-add, 2 the ternary step (int16 sums) */
    int lanes;        /* fp32 lanes or int8 MACs per chain step */
    tb_peak_fma_fn fma;
    tb_peak_int8_fn i8;
} peak_impl;

/* One row per ISA level a matmul variant can be judged at (see
 * tb_probe_peak_isa): fp32 FMA and int8 multiply-add each at every level
 * that changes the instruction or its width. */
static const peak_impl peak_impls[] = {
#ifdef TB_ISA_REQ_AVX512
    {"peak-fp32-avx512", "avx512", TB_ISA_REQ_AVX512, 0, 16, tb_peak_fma_avx512, NULL},
#endif
#ifdef TB_ISA_REQ_AVX2
    {"peak-fp32-avx2", "avx2", TB_ISA_REQ_AVX2, 0, 8, tb_peak_fma_avx2, NULL},
#endif
    {"peak-fp32-scalar", "scalar", 0, 0, 1, tb_peak_fma_scalar, NULL},
#ifdef TB_ISA_REQ_AVX512VNNI
    {"peak-int8-avx512vnni", "avx512vnni", TB_ISA_REQ_AVX512VNNI, 1, 64, NULL, tb_peak_int8_avx512vnni},
#endif
#ifdef TB_ISA_REQ_AVX512
    {"peak-int8-avx512", "avx512", TB_ISA_REQ_AVX512, 1, 64, NULL, tb_peak_int8_avx512},
#endif
#ifdef TB_ISA_REQ_AVXVNNI
    {"peak-int8-avxvnni", "avxvnni", TB_ISA_REQ_AVXVNNI, 1, 32, NULL, tb_peak_int8_avxvnni},
#endif
#ifdef TB_ISA_REQ_AVX2
    {"peak-int8-avx2", "avx2", TB_ISA_REQ_AVX2, 1, 32, NULL, tb_peak_int8_avx2},
    /* the ternary AVX2 GEMM step (tern-gemm-ymm-impl.h): codes {0,1,2} x
     * int8 need no int32 widening per step, so they can beat the int8 peak */
    {"peak-tern-avx2", "avx2", TB_ISA_REQ_AVX2, 2, 32, NULL, tb_peak_tern_avx2},
#endif
};

/* The probe ISA level whose instructions a matmul variant of ISA `isa`
 * computes with: fp32 FMA for the float formats (fp16/bf16 widen to fp32;
 * AVX-VNNI adds nothing to them), int8 multiply-add for int8 and ternary
 * (AVX-512 without VNNI: vpmaddubsw on zmm).  Levels without a probe of
 * their own map to themselves and find none (tb_ceiling_peak falls back). */
const char *tb_probe_peak_isa(int int8, const char *isa)
{
    static const struct { const char *isa, *fp32, *int8; } map[] = {
        {"avx2", "avx2", "avx2"},
        {"avxvnni", "avx2", "avxvnni"},
        {"avx512", "avx512", "avx512"},
        {"avx512vnni", "avx512", "avx512vnni"},
        {"avx512vbmi", "avx512", "avx512"},
        {"avx512bf16", "avx512", "avx512"},
        {"avx512fp16", "avx512", "avx512"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].isa, isa))
            return int8 ? map[i].int8 : map[i].fp32;
    return isa;
}

/* Whether a matmul variant of `format` at ISA level `isa` is judged against
 * the ternary-step peak (peak-tern-avx2): the AVX2 ternary GEMMs, whose
 * codes {0,1,2} let vpmaddubsw sums stay in int16 (tern-gemm-ymm-impl.h). */
int tb_probe_peak_tern(const char *format, const char *isa)
{
    return !strcmp(isa, "avx2") &&
           (!strcmp(format, "tq2") || !strcmp(format, "tq1") || !strcmp(format, "tl"));
}

#define PEAK_LOOPS 200000 /* ~0.5 ms per iteration: pool hand-off cost < 1% */

typedef struct peak_ctx {
    const tb_case *c;
    const peak_impl *im;
    volatile float fsink;
    volatile int32_t isink;
} peak_ctx;

static void peak_job(void *arg, int tid, int nt)
{
    peak_ctx *x = arg;
    if (x->im->int8)
        x->isink = x->im->i8(PEAK_LOOPS);
    else
        x->fsink = x->im->fma(PEAK_LOOPS);
}

static int peak_setup(const tb_case *c, void **out, tb_setup_info *info)
{
    int rc = tb_bench_setup_check(c, sizeof(peak_ctx), "registers only", info);
    if (rc < 0)
        return rc;
    peak_ctx *x = calloc(1, sizeof *x);
    if (!x)
        return -ENOMEM;
    x->c = c;
    x->im = c->spec;
    *out = x;
    return 0;
}

static int peak_verify(void *v, tb_verdict *vd)
{
    peak_ctx *x = v;
    const uint64_t L = 1000;
    vd->bound = 0;
    if (x->im->int8) {
        /* int8: each chain j starts at j in every int32 lane and adds
         * 4 x (3 x -2) = -24 per step; AVX-512 VNNI reduces 16 lanes, the
         * others return lane 0.  The ternary step: int16 lanes, 2 x (2 x -3)
         * = -12 per step (-12000 after 1000 steps: no wrap), lane 0 of each. */
        const int tern = x->im->int8 == 2;
        const int64_t lanes = !tern && (x->im->mask & TB_ISA_AVX512VNNI) ? 16 : 1, step = tern ? -12 : -24;
        int64_t want = 0;
        for (int j = 0; j < TB_PEAK_CHAINS; j++)
            want += lanes * (j + step * (int64_t)L);
        int32_t got = x->im->i8(L);
        vd->verified = got == (int32_t)want;
        vd->max_abs_err = fabs((double)got - (double)want);
        vd->nmse = vd->verified ? 0 : NAN;
        vd->checksum = tb_fnv1a(&got, sizeof got, TB_FNV_INIT);
        snprintf(vd->reason, sizeof vd->reason, "%s", vd->verified ? "exact closed form after 1000 steps" :
                 tern ? "int16 accumulator differs from the closed form" :
                 "int8 accumulator differs from the closed form");
    } else {
        /* Recurrence acc = acc*m + a per lane, in double as the reference. */
        double want = 0;
        for (int j = 0; j < TB_PEAK_CHAINS; j++) {
            double acc = j;
            for (uint64_t i = 0; i < L; i++)
                acc = acc * 0.999999f + 1e-7f;
            want += acc;
        }
        int lanes = x->im->lanes;
        if (x->im->mask & TB_ISA_AVX512)
            want *= lanes; /* full reduction */
        else if (x->im->mask & TB_ISA_AVX2)
            want *= 2;     /* lanes 0 and 7 */
        float got = x->im->fma(L);
        double rel = fabs(got - want) / fabs(want);
        vd->bound = 1e-4;
        vd->verified = rel <= 1e-4;
        vd->max_abs_err = fabs(got - want);
        vd->nmse = rel * rel;
        vd->checksum = tb_fnv1a(&got, sizeof got, TB_FNV_INIT);
        snprintf(vd->reason, sizeof vd->reason, "fp32 recurrence vs fp64 reference, relative error %.2g (bound 1e-4)",
                 rel);
    }
    return 0;
}

static void peak_run(void *v, uint64_t iters)
{
    peak_ctx *x = v;
    for (uint64_t i = 0; i < iters; i++)
        tb_pool_run(tb_bench_pool(), x->c->threads, peak_job, x);
}

static void peak_counts(void *v, tb_counts *out)
{
    peak_ctx *x = v;
    memset(out, 0, sizeof *out);
    double steps = (double)PEAK_LOOPS * TB_PEAK_CHAINS * x->c->threads * x->im->lanes;
    if (x->im->int8) {
        out->v[TB_CNT_INT8_MUL] = steps;
        out->v[TB_CNT_INT8_ADD] = steps;
    } else {
        out->v[TB_CNT_FP32_MUL] = steps;
        out->v[TB_CNT_FP32_ADD] = steps;
    }
}

static void peak_teardown(void *v) { free(v); }

#define PK_P(f, t, key) {#f, t, offsetof(tb_peak_params, f), sizeof(((tb_peak_params *)0)->f), key}
static const tb_param_decl peak_params[] = {
    PK_P(probe, TB_PARAM_TEXT, "%s"),
    PK_P(kind, TB_PARAM_TEXT, NULL),
    PK_P(chains, TB_PARAM_INT, NULL),
    PK_P(lanes, TB_PARAM_INT, NULL),
    PK_P(loops, TB_PARAM_INT, NULL),
    PK_P(phase, TB_PARAM_TEXT, "%s"),
};

static const tb_workload peak_workload = {
    /* 3: 12 register-resident chains (1 spilled some); parameter record, phases */
    .name = "peak", .version = "3", .key_name = "peak",
    .params = peak_params, .nparams = (int)(sizeof peak_params / sizeof peak_params[0]), .min_reps = PROBE_MIN_REPS,
    .setup = peak_setup, .verify = peak_verify, .run = peak_run, .counts = peak_counts, .teardown = peak_teardown,
};

/* ---- cases -------------------------------------------------------------- */

/* Cases point into this table, so it only grows: a second case list in
 * the same process never rewrites the specs of the first, and an identical
 * spec is shared rather than added again. */
static bw_spec bw_specs[4 * 3 * 3 * 8]; /* machines' size sets x impls x kinds x sizes */
static int nspec;

static bw_spec *bw_spec_intern(bw_kind k, const bw_impl *im, size_t floats)
{
    for (int i = 0; i < nspec; i++)
        if (bw_specs[i].kind == k && bw_specs[i].impl == im && bw_specs[i].floats == floats)
            return &bw_specs[i];
    if (nspec == (int)(sizeof bw_specs / sizeof bw_specs[0]))
        return NULL;
    bw_specs[nspec] = (bw_spec){k, im, floats};
    return &bw_specs[nspec++];
}

/* The DRAM-sized arrays: 4x the LLC (at least 64 MiB), at most 2 GiB or an
 * eighth of the memory; TRITBENCH_BW_MIB overrides. */
static size_t bw_floats(void)
{
    const char *env = tb_env("TRITBENCH_BW_MIB");
    size_t bytes;
    if (env && atoi(env) > 0) {
        bytes = (size_t)atoi(env) << 20;
    } else {
        double llc = tb_bench_llc_bytes(), mem = tb_bench_mem_total_bytes();
        bytes = (size_t)(llc > 0 ? llc * 4 : 128.0 * 1048576);
        if (bytes < (64u << 20))
            bytes = 64u << 20;
        if (bytes > (2u << 30))
            bytes = 2u << 30;
        if (mem > 0 && bytes > (size_t)(mem / 8))
            bytes = (size_t)(mem / 8);
    }
    return (bytes / sizeof(float)) & ~(size_t)4095;
}

/* Thread counts of a probe sweep: quick uses the suite's (1 and N); full
 * uses 1, 2, 4, ... and N so scaling curves have their points. */
static int thread_ladder(const tb_suite_opts *o, int full, int *t)
{
    if (!full) {
        for (int i = 0; i < o->nthreads; i++)
            t[i] = o->threads[i];
        return o->nthreads;
    }
    int n = 0;
    for (int x = 1; x < o->max_threads && n < 15; x *= 2)
        t[n++] = x;
    t[n++] = o->max_threads;
    return n;
}

/* Cache-resident read sizes (MiB): LLC/8, LLC/4, LLC/2 of this machine,
 * so a hot case meets a ceiling of its size class that stays in cache
 * (tb_ceiling_bandwidth); the DRAM size comes last.  Returns how many. */
static int bw_ladder(size_t *mib, int max)
{
    double llc = tb_bench_llc_bytes();
    if (llc <= 0)
        llc = 32.0 * 1048576;
    int n = 0;
    for (int d = 8; d >= 2 && n < max; d /= 2) {
        size_t m = (size_t)(llc / d) >> 20;
        if (m >= 1 && (n == 0 || mib[n - 1] != m))
            mib[n++] = m;
    }
    return n;
}

static int push_bw(tb_caselist *out, const bw_spec *sp, int threads, const char *phase)
{
    tb_case c = {.wl = &bw_workload, .spec = sp, .threads = threads};
    tb_bw_params *p = TB_CASE_PARAMS(&c, tb_bw_params);
    snprintf(p->kind, sizeof p->kind, "%s", bw_names[sp->kind]);
    snprintf(p->impl, sizeof p->impl, "%s", sp->impl->isa);
    p->mib = (int64_t)(sp->floats * sizeof(float) >> 20);
    p->bytes_per_array = (int64_t)(sp->floats * sizeof(float));
    p->arrays = bw_arrays[sp->kind];
    snprintf(p->phase, sizeof p->phase, "%s", phase);
    snprintf(c.backend, sizeof c.backend, "bw-%s-%s", bw_names[sp->kind], sp->impl->isa);
    snprintf(c.isa, sizeof c.isa, "%s", sp->impl->isa);
    int rc = tb_case_finish(&c);
    return rc < 0 ? rc : tb_caselist_push(out, &c);
}

_Static_assert(sizeof(tb_bw_params) <= TB_PARAM_BYTES, "bandwidth parameters fit the case record");
_Static_assert(sizeof(tb_peak_params) <= TB_PARAM_BYTES, "peak parameters fit the case record");

int tb_probes_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which, const char *phase)
{
    int full = !strcmp(which, "full"), ladder_pk = full || !strcmp(which, "ladder");
    int ladder[16], nl = thread_ladder(o, full, ladder);
    size_t big = bw_floats(), mib[4];
    int nsz = bw_ladder(mib, 4);
    for (size_t i = 0; i < sizeof bw_impls / sizeof bw_impls[0]; i++) {
        const bw_impl *im = &bw_impls[i];
        if ((im->mask & ~o->isa_allowed) != 0)
            continue;
        for (int k = 0; k < 3; k++) {
            for (int z = 0; z <= nsz; z++) {
                size_t n = z < nsz ? (mib[z] << 20) / sizeof(float) : big;
                if (z < nsz && (k != BW_READ || n >= big))
                    continue; /* the ladder is for reads below the big size */
                bw_spec *sp = bw_spec_intern((bw_kind)k, im, n);
                if (!sp)
                    return -ENOSPC;
                for (int t = 0; t < nl; t++) {
                    int rc = push_bw(out, sp, ladder[t], phase);
                    if (rc < 0)
                        return rc;
                }
            }
        }
        if (!full)
            break; /* quick: the best ISA only */
    }
    int have[3] = {0, 0, 0}; /* per kind: fp32, int8, tern */
    for (size_t i = 0; i < sizeof peak_impls / sizeof peak_impls[0]; i++) {
        const peak_impl *im = &peak_impls[i];
        if ((im->mask & ~o->isa_allowed) != 0)
            continue;
        if (!ladder_pk && have[im->int8])
            continue; /* quick: best ISA per kind; ladder and full: every level */
        have[im->int8] = 1;
        for (int t = 0; t < nl; t++) {
            tb_case c = {.wl = &peak_workload, .spec = im, .threads = ladder[t]};
            tb_peak_params *p = TB_CASE_PARAMS(&c, tb_peak_params);
            snprintf(p->probe, sizeof p->probe, "%s", im->name + 5);
            snprintf(p->kind, sizeof p->kind, "%s", im->int8 == 2 ? "tern" : im->int8 ? "int8" : "fp32");
            p->chains = TB_PEAK_CHAINS;
            p->lanes = im->lanes;
            p->loops = PEAK_LOOPS;
            snprintf(p->phase, sizeof p->phase, "%s", phase);
            snprintf(c.backend, sizeof c.backend, "%s", im->name);
            snprintf(c.isa, sizeof c.isa, "%s", im->isa);
            int rc = tb_case_finish(&c);
            if (rc == 0)
                rc = tb_caselist_push(out, &c);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

const tb_workload *tb_probe_bw_workload(void) { return &bw_workload; }
const tb_workload *tb_probe_peak_workload(void) { return &peak_workload; }
