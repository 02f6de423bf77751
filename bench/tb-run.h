/* tb-run.h - the stages of `tritbench run`, one file each:
 *   parse   (cli-run.c)     argv -> tb_run_args, every value validated
 *   plan    (run-plan.c)    suite + filter -> the case list
 *   measure (run-measure.c) samplers, store, runner loop -> stored cases
 *           (run-store.c)   measured groups -> the store, kept in memory
 *                           while another process holds the lock
 *           (run-signals.c) SIGINT/SIGTERM/SIGHUP: stop after the current
 *                           repetition; a second one exits at once
 *   report  (run-report.c)  the summary tables
 * Stages that fail print one line and return the exit code (tb-cli.h;
 * 128 + N after signal N). */
#ifndef TB_RUN_H
#define TB_RUN_H

#include <stdint.h>
#include "tb-bench.h"
#include "tb-runner.h"

struct tb_store;
struct tb_sampler_set;

typedef struct tb_run_args {
    const char *suite;
    const char *db;           /* a file path (tb_check_db_path) */
    const char *filter;       /* NULL = every case */
    const char *samplers;     /* "all", "none" or a comma list */
    const char *events;       /* NULL = the samplers' defaults */
    const char *isa_name;     /* --isa as given, "native" by default */
    uint32_t isa_cap;         /* tb_isa_parse(isa_name) */
    const char *cache_name;   /* --cache as given, NULL = the suite's default */
    unsigned cache_modes;     /* TB_CACHE_* bits of --cache, 0 = the suite's default */
    long reps, threads;
    double min_time_s, warmup_s, idle_s;
    int quiet, pin;
    tb_e2e_opts e2e;          /* decoder suites' options */
    char *cmdline;            /* "tritbench run ..." as typed (malloc'd) */
    char options_json[4096];  /* the options above, for the runs table */
} tb_run_args;

/* Exit status after stop signal sig: 130 SIGINT, 143 SIGTERM, 129 SIGHUP. */
#define TB_EXIT_SIGNAL(sig) (128 + (sig))

/* Measured cases on their way to the store (run-store.c): results are
 * kept until stored, in case order, each group's baseline first. */
typedef struct tb_run_pending {
    const tb_caselist *cases;
    tb_case_result *res;      /* one per case; [0, measured) hold results */
    int64_t *cid;             /* case id once stored, 0 before */
    int measured;             /* cases measured so far */
    int next;                 /* first case of the first group not wholly stored */
    int held;                 /* a lock wait ran out: results are being kept */
} tb_run_pending;

/* What measure leaves for report; tb_run_close frees it. */
typedef struct tb_run_session {
    struct tb_store *store;
    struct tb_sampler_set *samplers;
    int pool;                 /* 1 when the worker pool was created */
    int64_t run_id;
    int ncases, measured, stored, failures;
    int interrupted;          /* the stop signal's number, 0 none */
} tb_run_session;

/* 0 parsed; TB_OPT_HELP / TB_OPT_ERROR as tb_opt_next (help or error printed). */
int tb_run_parse(int argc, char **argv, tb_run_args *a);
void tb_run_args_free(tb_run_args *a);
/* 0, or an exit code with the error printed.  *out: tb_caselist_free. */
int tb_run_plan(const tb_run_args *a, tb_caselist *out);
/* Measure every case into a new run of the store; 0 once the run is recorded
 * (per-case failures are counted in *s), else an exit code, error printed. */
int tb_run_measure(const tb_run_args *a, const tb_caselist *cases, tb_run_session *s);
/* Summary tables and closing lines; the run's exit code. */
int tb_run_report(const tb_run_args *a, const tb_run_session *s);
void tb_run_close(tb_run_session *s);

/* run-signals.c */
void tb_run_signals_install(void);
void tb_run_signals_restore(void);
int tb_run_signal(void);                 /* the first stop signal, 0 none */
const char *tb_run_signal_name(int sig); /* "SIGINT", ... */
volatile const int *tb_run_stop_flag(void);

/* run-store.c */
/* Cases i.. that are measured together (one non-empty group key). */
int tb_run_group_len(const tb_caselist *cases, int i);
int tb_run_pending_init(tb_run_pending *p, const tb_caselist *cases);
void tb_run_pending_free(tb_run_pending *p);
/* Store every measured case not yet stored.  0 all stored; -EBUSY another
 * process held the lock past the store's wait (the rest stays in p, to be
 * tried again); another negative errno: a store failure, printed. */
int tb_run_flush(tb_run_session *s, tb_run_pending *p);

#endif
