/* tb-runner.h - the measurement runner.  A group of cases (one case, or
 * the formats of one shape that are compared with each other) is measured
 * together: per case setup -> verify (a wrong case is never timed) ->
 * calibrate -> warm-up; then repetitions in interleaved rounds (round k
 * runs one repetition of every live case, in alternating order), each
 * repetition inside the samplers; then statistics, stability flags and
 * the paired ratios of every case over the group's baseline.  The runner
 * owns the per-repetition clock/rusage record and the case status. */
#ifndef TB_RUNNER_H
#define TB_RUNNER_H

#include <stdint.h>
#include "tb-sampler.h"
#include "tb-stats.h"
#include "tb-workload.h"

typedef enum tb_status {
    TB_STATUS_OK = 0,
    TB_STATUS_WRONG,        /* verified and differs from the reference: never timed */
    TB_STATUS_DOES_NOT_FIT, /* not enough memory (setup or the reference check) */
    TB_STATUS_ERROR,        /* setup, verification or statistics could not be done */
    TB_STATUS_SKIPPED,      /* not measured (interrupted, unsupported) */
    TB_STATUS__COUNT
} tb_status;
const char *tb_status_name(tb_status s); /* "ok", "wrong", ... as stored */

typedef struct tb_rep {
    uint64_t iters, wall_ns, cpu_ns;
    long nvcsw, nivcsw, minflt, majflt;
    int cpu_start, cpu_end;
    int64_t steal_ticks;  /* -1 when /proc/stat is unreadable */
    double steal_frac;    /* steal / elapsed, averaged over CPUs; NAN when unreadable */
    int round;            /* interleaving round (0-based) */
    char outlier[16];
} tb_rep;

#define TB_MAX_METRICS 48
typedef struct tb_metric {
    char name[32];
    double value;        /* NAN = missing (note says why) */
    char unit[16];
    char note[160];
} tb_metric;

/* Paired ratio of a case over its group's baseline: per round, baseline
 * ns/iter divided by this case's ns/iter; median and 95% CI over rounds.
 * scale: 0 when the ratio is of the measured times; else the factor the
 * derivation applied to it (tb_derive_group_ratios: the two cases' times
 * scaled to a whole model from --layers K builds). */
typedef struct tb_ratio {
    int valid;
    int n;                   /* paired rounds */
    double median, ci_lo, ci_hi;
    double scale;
} tb_ratio;

typedef struct tb_case_result {
    const tb_case *c;
    tb_status status;
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
    double best_ns;           /* fastest repetition, ns per iteration */
    char flags[160], flags_reason[768];
    tb_reading *readings;     /* sampler readings, reading_rep[i] is their repetition */
    int *reading_rep;
    double *reading_idle_w;   /* idle watts matched to each energy reading, NAN if none */
    int nreadings, capreadings;
    tb_ratio ratio;
    tb_step *steps;           /* per-step timings (decoder workloads), all repetitions */
    int *step_rep;            /* 1-based repetition of steps[i] */
    int64_t nsteps, capsteps;
    tb_metric metrics[TB_MAX_METRICS];
    int nmetrics;
    char started_at[32], ended_at[32];
    /* private to the runner while the group is measured */
    void *ctx;
} tb_case_result;

typedef struct tb_run_opts {
    int reps;                 /* repetitions (default 10; a workload may ask for more) */
    double min_time_s;        /* minimum repetition time (default 0.02) */
    double warmup_s;          /* warm-up time (default 0.2) */
    double case_limit_s;      /* time limit per case (default 60 s); 0 = default */
    const char *pin_error;    /* set when the pool could not pin: every case is flagged */
    const tb_reading *idle;   /* idle baseline per energy channel (W), may be NULL */
    int nidle;
    volatile const int *stop; /* set asynchronously (SIGINT): finish the round, stop */
} tb_run_opts;

/* Measure the n cases of one group into r[0..n) (allocates; free each with
 * tb_case_result_free).  Returns 0; statuses say what happened per case. */
int tb_runner_group(const tb_case *const *cases, int n, const tb_run_opts *o, tb_sampler_set *samplers,
                    tb_case_result *r);
/* One case alone (a group of one). */
int tb_runner_case(const tb_case *c, const tb_run_opts *o, tb_sampler_set *samplers, tb_case_result *r);
void tb_case_result_free(tb_case_result *r);
/* Add a derived metric to the result; -ENOSPC when full. */
int tb_result_metric(tb_case_result *r, const char *name, double value, const char *unit, const char *note);
/* Append a flag (comma list) and its reason ("flag: reason; ..."). */
void tb_result_flag(tb_case_result *r, const char *flag, const char *reason);
/* Value of a stored metric, NAN when absent. */
double tb_result_metric_value(const tb_case_result *r, const char *name);

#endif
