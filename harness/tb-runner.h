/* tb-runner.h - the measurement runner: per case setup -> verify ->
 * calibrate -> warm-up -> repetitions inside the samplers -> statistics ->
 * one store transaction.  Owns the per-repetition clock/rusage record. */
#ifndef TB_RUNNER_H
#define TB_RUNNER_H

#include <stdint.h>
#include "tb-sampler.h"
#include "tb-stats.h"
#include "tb-workload.h"

typedef struct tb_rep {
    uint64_t iters, wall_ns, cpu_ns;
    long nvcsw, nivcsw, minflt, majflt;
    int cpu_start, cpu_end;
    int64_t steal_ticks;  /* -1 when /proc/stat is unreadable */
    char outlier[16];
} tb_rep;

#define TB_MAX_METRICS 16
typedef struct tb_metric {
    char name[32];
    double value;        /* NAN = missing (note says why) */
    char unit[16];
    char note[128];
} tb_metric;

typedef struct tb_case_result {
    const tb_case *c;
    char status[16];          /* ok|wrong|does_not_fit|error|skipped */
    char status_reason[256];
    tb_verdict v;
    uint64_t iters;           /* frozen iterations per repetition */
    uint64_t warmup_ns;
    double clock_res_ns;
    tb_counts counts;         /* analytic, per iteration */
    int nreps;
    tb_rep *reps;
    int have_stats;
    tb_stats st;              /* of ns per iteration */
    char flags[128], flags_reason[512];
    tb_reading *readings;     /* sampler readings, reading_rep[i] is their repetition */
    int *reading_rep;
    double *reading_idle_w;   /* idle watts matched to each energy reading, NAN if none */
    int nreadings, capreadings;
    tb_model_energy model[4];
    int nmodel;
    tb_metric metrics[TB_MAX_METRICS];
    int nmetrics;
    char started_at[32], ended_at[32];
} tb_case_result;

typedef struct tb_run_opts {
    int reps;                 /* repetitions (default 10) */
    double min_time_s;        /* minimum repetition time (default 0.02) */
    double warmup_s;          /* warm-up time (default 0.2) */
    int quiet;
    int progress;             /* 1: progress line on stderr */
    int freq_unpinned;        /* from the fingerprint */
    const tb_reading *idle;   /* idle baseline per energy channel (W), may be NULL */
    int nidle;
} tb_run_opts;

/* Measure one case into *r (allocates reps/readings; tb_case_result_free). */
int tb_runner_case(const tb_case *c, const tb_run_opts *o, tb_sampler_set *samplers, tb_case_result *r);
void tb_case_result_free(tb_case_result *r);
/* Add a derived metric to the result. */
void tb_result_metric(tb_case_result *r, const char *name, double value, const char *unit, const char *note);

/* Clock helpers (CLOCK_MONOTONIC_RAW). */
uint64_t tb_now_ns(void);
double tb_clock_res_ns(void);
void tb_utc_now(char *buf, int len);  /* ISO-8601 UTC */

#endif
