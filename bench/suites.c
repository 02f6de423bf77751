/* suites.c - the named suites: which cases a `tritbench run SUITE` measures.
 *   quick    machine ceilings (best ISA) + a small matmul subset: minutes
 *   probes   every bandwidth and peak probe, every ISA
 *   matmul   the ceilings, then every projection shape of the paper's models
 *   e2e      the ceilings, then whole decoders (--model, --format, --test)
 *   isa      the ISA ladder: every format at every ISA level this CPU runs
 *   ci       what CI runs: the quick matmul subset without big probes */
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

static int build_matmul(tb_caselist *out, const tb_suite_opts *o)
{
    int rc = tb_probes_add_cases(out, o, "quick", ""); /* this run's own ceilings, side by side */
    if (rc == 0)
        rc = tb_matmul_add_cases(out, o, "full");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "quick", "end");
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
    int rc = tb_probes_add_cases(out, o, "quick", "");
    if (rc == 0)
        rc = tb_matmul_add_cases(out, o, "isa");
    if (rc == 0)
        rc = tb_probes_add_cases(out, o, "quick", "end");
    return rc;
}

const tb_suite tb_suites[] = {
    {"quick", "ceilings (bandwidth, peak) and headline matmul cases; a few minutes", build_quick},
    {"probes", "every bandwidth and compute-peak probe at every ISA and thread count", build_probes},
    {"isa", "ISA ladder: every variant of every format this CPU runs (scalar .. AVX-512 VNNI; scalar .. NEON dotprod on AArch64), side by side; n = 1 cold, n = 512 hot", build_isa},
    {"matmul", "every projection shape of the paper's models, n in {1,8,128,512}, all variants", build_matmul},
    {"e2e", "end-to-end decoder: --model, --format, --test (ppN, tgN), --batch, --max-batch; default 700M "
            "fp16,int8,tq2 tg32,pp64", build_e2e},
    {NULL, NULL, NULL},
};

const tb_suite *tb_suite_find(const char *name)
{
    for (int i = 0; tb_suites[i].name; i++)
        if (!strcmp(tb_suites[i].name, name))
            return &tb_suites[i];
    return NULL;
}
