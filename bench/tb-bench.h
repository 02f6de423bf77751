/* tb-bench.h - what bench/ files share: the case list, suites, the
 * process-wide worker pool, and each workload's case generators. */
#ifndef TB_BENCH_H
#define TB_BENCH_H

#include <stdint.h>
#include "tb-workload.h"
#include "tb-pool.h"

typedef struct tb_suite_opts {
    int max_threads;      /* --threads N: cases run at 1..N (N = all cores by default) */
    int threads[8];       /* the thread counts to run, ascending */
    int nthreads;
    uint32_t isa_allowed; /* CPUID features, capped by --isa */
    const char *isa_name; /* --isa as given, "native" by default */
    unsigned cache_modes; /* --cache: TB_CACHE_HOT|TB_CACHE_COLD bits; 0 = the suite's default */
} tb_suite_opts;

typedef struct tb_caselist {
    tb_case *v;
    int n, cap;
} tb_caselist;

/* Append a copy of *c; 0 or -ENOMEM. */
int tb_caselist_push(tb_caselist *l, const tb_case *c);
void tb_caselist_free(tb_caselist *l);

typedef struct tb_suite {
    const char *name;
    const char *desc;
    int (*build)(tb_caselist *out, const tb_suite_opts *o);
} tb_suite;

extern const tb_suite tb_suites[]; /* NULL-name terminated (suites.c) */
const tb_suite *tb_suite_find(const char *name);

/* Process-wide pool of max_threads threads, created on first use. */
tb_pool *tb_bench_pool(void);
int tb_bench_pool_init(int max_threads);
void tb_bench_pool_free(void);

/* Case generators of each workload (which = "quick" or "full"). */
int tb_probes_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which);
int tb_matmul_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which);

#endif
