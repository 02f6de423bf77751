/* tb-bench.h - what bench/ files share: the case list, suites, the
 * process-wide worker pool, and each workload's case generators. */
#ifndef TB_BENCH_H
#define TB_BENCH_H

#include <stdint.h>
#include "tb-ceilings.h"
#include "tb-pool.h"
#include "tb-runner.h"
#include "tb-workload.h"

/* The decoder's options (`run e2e --model ... --test ...`, e2e-opts.c). */
#define TB_E2E_MAX_LIST 8
typedef struct tb_e2e_test {
    char name[24];        /* "tg128", "pp512", "pp512+tg128" (llama-bench's names) */
    int64_t n_prompt;     /* prompt tokens processed in one prefill (0: none) */
    int64_t n_gen;        /* tokens generated one decode step at a time (0: none) */
} tb_e2e_test;
typedef struct tb_e2e_opts {
    const char *models;   /* comma list as given (names, key=value specs, checkpoint dirs); NULL = default */
    const char *formats;  /* comma list of projection formats; NULL = default */
    const char *head;     /* embedding/head format; NULL = fp16 */
    tb_e2e_test tests[TB_E2E_MAX_LIST];
    int ntests;           /* 0 = the suite's default */
    int64_t batch[TB_E2E_MAX_LIST];
    int nbatch;           /* 0 = batch 1 */
    int max_batch;        /* --max-batch: raise B until the memory budget */
    int matmuls;          /* --matmuls: also time each decode test's matmuls alone */
    int64_t layers;       /* --layers K: measure K layers, extrapolate (0 = all) */
    int64_t ctx;          /* --ctx: KV capacity (0 = what the test needs) */
    uint64_t seed;        /* weights' seed */
    double mem_budget;    /* --mem-budget bytes (0 = this machine's available memory) */
} tb_e2e_opts;

/* Parse --test / --batch / --mem-budget values; 0, or -1 with a one-line
 * usage error printed naming OPT. */
int tb_e2e_parse_tests(const char *opt, const char *v, tb_e2e_opts *o);
int tb_e2e_parse_batch(const char *opt, const char *v, tb_e2e_opts *o);
int tb_parse_bytes(const char *opt, const char *v, double *out); /* "512M", "8GiB", "1e9" */
/* Every item of a --format list is a registered format; -1 with the error printed. */
int tb_check_formats(const char *opt, const char *v);

typedef struct tb_suite_opts {
    int max_threads;      /* --threads N: cases run at 1..N (N = all cores by default) */
    int threads[8];       /* the thread counts to run, ascending */
    int nthreads;
    uint32_t isa_allowed; /* CPUID features, capped by --isa */
    const char *isa_name; /* --isa as given, "native" by default */
    unsigned cache_modes; /* --cache: TB_CACHE_HOT|TB_CACHE_COLD bits; 0 = the suite's default */
    tb_e2e_opts e2e;      /* decoder options (ignored by other workloads) */
    char *err;            /* where a case generator explains an -EINVAL (one line), may be NULL */
    size_t errlen;
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

/* Process-wide pool of max_threads threads (pin: thread i on the i-th
 * allowed CPU, the caller included), created once; tb_bench_pool() makes
 * an unpinned 1-thread pool when none was created. */
tb_pool *tb_bench_pool(void);
int tb_bench_pool_init(int max_threads, int pin);
void tb_bench_pool_free(void);

/* Machine facts case lists size themselves by (machine-limits.c). */
double tb_bench_llc_bytes(void);        /* last-level cache, 0 unknown */
double tb_bench_mem_budget_bytes(void); /* what one group's cold copies may take */
double tb_bench_mem_total_bytes(void);  /* the machine's memory (MemTotal), 0 unknown */
double tb_bench_mem_available_bytes(void); /* MemAvailable at the first call (else MemTotal), 0 unknown */
/* CPUs this process may run on (its affinity mask at the first call, made
 * before the pool pins anything), else the online CPUs; at least 1. */
int tb_bench_cpus_available(void);

/* What every workload's setup calls before allocating (setup-check.c):
 * NEED_BYTES (the case's weights, copies and activations, WHAT says which)
 * against the machine's memory: larger -> -E2BIG with both figures in
 * info->why (stored as does_not_fit); a malloc failing afterwards is
 * -ENOMEM, an error.  Also flags the case "oversubscribed" when the pool
 * has more threads than tb_bench_cpus_available() (--oversubscribe).
 * 0 or -E2BIG. */
int tb_bench_setup_check(const tb_case *c, double need_bytes, const char *what, tb_setup_info *info);
/* Append FLAG (and REASON, "; "-joined) to a setup's flags. */
void tb_setup_flag(tb_setup_info *info, const char *flag, const char *reason);

/* Derived figures before a case is stored (derive.c): probe results feed
 * the run's ceilings; every result gets its workload's metrics, matmul
 * also its ceilings, roofline share and ceiling_suspect flag. */
void tb_derive_ceiling(tb_ceilings *cl, const tb_case_result *r);
void tb_derive(tb_case_result *r, const tb_ceilings *cl);
void tb_derive_e2e(tb_case_result *r, const tb_ceilings *cl); /* derive-e2e.c */
/* The decoder's roofline figures alone (bw_ceiling_gbps,
 * roofline_tokens_per_s, roofline_pct, ceiling_suspect), from the metrics a
 * stored case keeps (ms_per_token, step_bytes, kv_bytes): its per-step
 * data is released once stored.  tb_derive_e2e ends with it. */
void tb_derive_e2e_roofline(tb_case_result *r, const tb_ceilings *cl);
/* Derive a measured matmul or decoder result r again against ceilings that
 * have grown since (the suite's end-of-run probes): drops the
 * ceiling_suspect flag derive appended (it adds no other flag, and nothing
 * is appended after it), then tb_derive (matmul) or tb_derive_e2e_roofline
 * (e2e); 1.  Anything else is left alone, 0: probes made the ceilings. */
int tb_derive_again(tb_case_result *r, const tb_ceilings *cl);
/* After every case of one interleaved group is derived: a paired ratio of
 * two cases whose times were scaled (metric time_scale: an extrapolated
 * decoder) is brought to the scaled times, x baseline scale / case scale,
 * so "vs fp16" compares the same whole models as tokens/s does. */
void tb_derive_group_ratios(tb_case_result *res, int n);

/* The workloads of bench/ (for declaring their parameter views). */
const tb_workload *tb_matmul_workload(void);
const tb_workload *tb_probe_bw_workload(void);
const tb_workload *tb_probe_peak_workload(void);

/* Case generators of each workload (which = "quick" or "full"; probes
 * also take "ladder": quick's bandwidth probes with the compute peaks at
 * every ISA level, and phase "" for the start of a suite or "end" for its end). */
int tb_probes_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which, const char *phase);
/* The ISA level of the compute-peak probe a matmul variant of ISA `isa` is
 * judged against (int8: int8 multiply-add, else fp32 FMA) (probes.c). */
const char *tb_probe_peak_isa(int int8, const char *isa);
/* 1 when a matmul variant of `format` at ISA level `isa` is judged against
 * the ternary-step peak probe (the AVX2 ternary GEMMs), else 0. */
int tb_probe_peak_tern(const char *format, const char *isa);
int tb_matmul_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which);
/* The decoder's cases (e2e.c): which = "e2e" (the options' models, formats,
 * tests, batches; defaults when absent).  -EINVAL with a one-line reason in
 * o->err for a model or format that cannot be used. */
int tb_e2e_add_cases(tb_caselist *out, const tb_suite_opts *o, const char *which);
const tb_workload *tb_e2e_workload(void);
/* After filtering, the plan tells the decoder workload which of its cases
 * will run, so a decoder shared by several is freed after its last one. */
void tb_e2e_count_uses(const tb_caselist *cases);

#endif
