/* run-plan.c - the plan stage of `tritbench run`: the suite's case list
 * for the requested threads, ISA cap and cache modes, narrowed by --filter.
 * Touches no database and no sampler. */
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-isa.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

/* --filter PAT: a comma list; a token with * ? or [ is a glob over the
 * whole key, any other token a substring.  Tokens point into buf. */
typedef struct filter {
    char *buf;
    char **tok;
    int n;
} filter;

static int filter_init(filter *f, const char *pat)
{
    memset(f, 0, sizeof *f);
    if (!pat || !*pat)
        return 0;
    f->buf = strdup(pat);
    f->tok = calloc(strlen(pat) / 2 + 1, sizeof *f->tok); /* at most one token per two bytes */
    if (!f->buf || !f->tok)
        return -ENOMEM;
    char *save = NULL;
    for (char *t = strtok_r(f->buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
        f->tok[f->n++] = t;
    return 0;
}

static int filter_match(const filter *f, const char *key)
{
    if (!f->buf)
        return 1;
    for (int i = 0; i < f->n; i++)
        if (strpbrk(f->tok[i], "*?[") ? fnmatch(f->tok[i], key, 0) == 0 : strstr(key, f->tok[i]) != NULL)
            return 1;
    return 0;
}

static void filter_free(filter *f)
{
    free(f->buf);
    free(f->tok);
}

int tb_run_plan(const tb_run_args *a, tb_caselist *out)
{
    const tb_suite *suite = tb_suite_find(a->suite);
    if (!suite)
        return tb_die(TB_EXIT_USAGE, "run %s: unknown suite (try: tritbench list suites)", a->suite);

    tb_isa_set_cap(a->isa_cap); /* the one cap: every dispatch and usability check obeys it */
    tb_suite_opts so = {
        .max_threads = (int)a->threads,
        .isa_name = a->isa_name,
        .isa_allowed = tb_isa_allowed(),
        .cache_modes = a->cache_modes,
    };
    so.threads[so.nthreads++] = 1;
    if (a->threads > 1)
        so.threads[so.nthreads++] = (int)a->threads;

    tb_caselist all = {0};
    filter f;
    int rc = suite->build(&all, &so);
    if (rc < 0) {
        tb_caselist_free(&all);
        return tb_die(TB_EXIT_FAIL, "run %s: cannot build the case list: %s", a->suite, strerror(-rc));
    }
    if (filter_init(&f, a->filter) < 0) {
        filter_free(&f);
        tb_caselist_free(&all);
        return tb_die(TB_EXIT_FAIL, "run: out of memory");
    }
    for (int i = 0; i < all.n && rc == 0; i++)
        if (filter_match(&f, all.v[i].key))
            rc = tb_caselist_push(out, &all.v[i]);
    filter_free(&f);
    tb_caselist_free(&all);
    if (rc < 0)
        return tb_die(TB_EXIT_FAIL, "run %s: cannot build the case list: %s", a->suite, strerror(-rc));
    if (out->n == 0)
        return tb_die(TB_EXIT_USAGE, "--filter %s: matches no case of suite %s", a->filter ? a->filter : "",
                      a->suite);
    return 0;
}
