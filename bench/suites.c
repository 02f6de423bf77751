/* suites.c - the named suites: which cases a `tritbench run SUITE` measures.
 *   quick    machine ceilings (best ISA) + a small matmul subset: minutes
 *   probes   every bandwidth and peak probe, every ISA
 *   matmul   the ceilings, then every projection shape of the paper's models
 *   e2e      the ceilings, then whole decoders (--model, --format, --test)
 *   isa      the ISA ladder: every format at every ISA level this CPU runs
 *   ci       what a CI gate times (`tritbench ab ... ci`): headline GEMVs and a
 *            GEMM per format, 1 thread, hot; one small decoder case; no probes */
#include "tb-bench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tb_caselist_push(tb_caselist *l, const tb_case *c)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        tb_case *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *c;
    return 0;
}

void tb_caselist_free(tb_caselist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* Suites that judge cases against ceilings measure them at their start
 * and again at their end (phase "end"): both are kept, drift shows. */
static int build_quick(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_probes_add_cases(out, o, "quick", "");
    if (rc == 0)
        rc = tb_matmul_add_cases(out, o, "quick");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "quick", "end");
    return rc;
}

static int build_probes(tb_caselist *out, const tb_suite_opts *o)
{
    return tb_probes_add_cases(out, o, "full", "");
}

/* matmul and isa time every variant: each is judged against the compute
 * peak of its own ISA level ("ladder" probes every level's peak). */
static int build_matmul(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_probes_add_cases(out, o, "ladder", ""); /* this run's own ceilings, side by side */
    if (rc == 0)
        rc = tb_matmul_add_cases(out, o, "full");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "ladder", "end");
    return rc;
}

/* The decoder with this run's own ceilings: bandwidth streamed from memory
 * is what decode is judged against. */
static int build_e2e(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_probes_add_cases(out, o, "quick", "");
    if (rc == 0)
        rc = tb_e2e_add_cases(out, o, "e2e");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "quick", "end");
    return rc;
}

static int build_isa(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_probes_add_cases(out, o, "ladder", "");
    if (rc == 0)
        rc = tb_matmul_add_cases(out, o, "isa");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "ladder", "end");
    return rc;
}

/* No ceilings: a gate compares two builds, not the machine's limits.  The
 * decoder case: 700M, 2 of its layers (extrapolated), tg8, tq2, hot,
 * unless --model/--format/--test/--layers say otherwise. */
static int build_ci(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_matmul_add_cases(out, o, "ci");
    if (rc < 0)
        return rc;
    tb_suite_opts d = *o;
    d.nthreads = 1;
    d.threads[0] = 1;
    d.cache_modes = o->cache_modes ? o->cache_modes : TB_CACHE_HOT;
    if (!d.e2e.formats)
        d.e2e.formats = "tq2";
    if (!d.e2e.ntests) {
        d.e2e.tests[0] = (tb_e2e_test){"tg8", 0, 8};
        d.e2e.ntests = 1;
    }
    if (!d.e2e.models && d.e2e.layers == 0)
        d.e2e.layers = 2;
    return tb_e2e_add_cases(out, &d, "e2e");
}

const tb_suite tb_suites[] = {
    {"quick", "ceilings (bandwidth, peak) and headline matmul cases; a few minutes", build_quick},
    {"probes", "every bandwidth and compute-peak probe at every ISA and thread count", build_probes},
    {"isa", "ISA ladder: every variant of every format this CPU runs (scalar .. AVX-512 VNNI; scalar .. NEON i8mm on AArch64), side by side; n = 1 cold, n = 512 hot", build_isa},
    {"matmul", "every projection shape of the paper's models, n in {1,8,128,512}, all variants", build_matmul},
    {"e2e", "end-to-end decoder: --model, --format, --test (ppN, tgN), --batch, --max-batch; default 700M "
            "fp16,int8,tq2 tg32,pp64", build_e2e},
    {"ci", "CI gate (`tritbench ab --base OLD ci`): 4096x4096 and 11008x4096 GEMVs and a 4096x4096 n=128 GEMM "
           "per format (best ISA, 1 thread, hot) and a 700M 2-layer tg8 tq2 decoder; a few minutes", build_ci},
    {NULL, NULL, NULL},
};

const tb_suite *tb_suite_find(const char *name)
{
    for (int i = 0; tb_suites[i].name; i++)
        if (!strcmp(tb_suites[i].name, name))
            return &tb_suites[i];
    return NULL;
}
