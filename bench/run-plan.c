/* run-plan.c - the plan stage of `tritbench run`: the suite's case list
 * for the requested threads, ISA cap and cache modes, narrowed by --filter
 * (tb-filter.h), and --events checked against the selected samplers (their
 * probes only: nothing is opened).  Touches no database. */
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-filter.h"
#include "tb-isa.h"
#include "tb-sampler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --events: refuse a list no selected sampler can count (as `perf stat -e`
 * refuses an unknown event), warn about items none can.  0 or exit code. */
static int check_events(const tb_run_args *a)
{
    if (!a->events)
        return 0;
    char unknown[200];
    int n = 0, bad = tb_sampler_events_check(a->samplers, a->events, unknown, sizeof unknown, &n);
    if (bad < 0)
        return tb_die(TB_EXIT_USAGE, "--events '%s': empty event name in the comma list", tb_clip(a->events));
    if (bad == 0)
        return 0;
    if (bad == n)
        return tb_die(TB_EXIT_USAGE, "--events %s: no selected sampler (--sampler %s) can count %s; perf takes "
                      "cycles, instructions, cache-misses, branches, task-clock, page-faults, ... or rHEX (see "
                      "tritbench run --help)", tb_clip(a->events), tb_clip(a->samplers), n > 1 ? "any of them" : "it");
    fprintf(stderr, "tritbench: warning: --events: %s: unknown to every selected sampler, not measured (each "
            "sampler's status names what it skipped)\n", tb_clip(unknown));
    return 0;
}

int tb_run_plan(const tb_run_args *a, tb_caselist *out)
{
    const tb_suite *suite = tb_suite_find(a->suite);
    if (!suite)
        return tb_die(TB_EXIT_USAGE, "run %s: unknown suite (try: tritbench list suites)", tb_clip(a->suite));

    tb_isa_set_cap(a->isa_cap); /* the one cap: every dispatch and usability check obeys it */
    tb_suite_opts so = {
        .max_threads = (int)a->threads,
        .isa_name = a->isa_name,
        .isa_allowed = tb_isa_allowed(),
        .cache_modes = a->cache_modes,
        .e2e = a->e2e,
    };
    so.threads[so.nthreads++] = 1;
    if (a->threads > 1)
        so.threads[so.nthreads++] = (int)a->threads;

    int rc = check_events(a);
    if (rc)
        return rc;
    tb_caselist all = {0};
    tb_filter f = {0};
    rc = suite->build(&all, &so);
    if (rc < 0) {
        tb_caselist_free(&all);
        return tb_die(TB_EXIT_FAIL, "run %s: cannot build the case list: %s", a->suite, strerror(-rc));
    }
    if (a->filter && (rc = tb_filter_init(&f, a->filter)) < 0) {
        tb_filter_free(&f);
        tb_caselist_free(&all);
        if (rc == -EINVAL)
            return tb_die(TB_EXIT_USAGE, "--filter '%s': empty pattern", tb_clip(a->filter));
        return tb_die(TB_EXIT_FAIL, "run: out of memory");
    }
    for (int i = 0; i < all.n && rc == 0; i++)
        if (!a->filter || tb_filter_match(&f, all.v[i].key))
            rc = tb_caselist_push(out, &all.v[i]);
    tb_filter_free(&f);
    tb_caselist_free(&all);
    if (rc < 0)
        return tb_die(TB_EXIT_FAIL, "run %s: cannot build the case list: %s", a->suite, strerror(-rc));
    if (out->n == 0)
        return tb_die(TB_EXIT_USAGE, "--filter %s: matches no case of suite %s (try: tritbench run %s --filter "
                      "with a part of a case key)", tb_clip(a->filter ? a->filter : ""), a->suite, a->suite);
    return 0;
}
