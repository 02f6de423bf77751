/* run-measure.c - the measure stage of `tritbench run`: opens the samplers,
 * the store and the worker pool, records the machine, build and run, takes
 * the idle baseline, then measures every case through the runner and
 * stores each in its own transaction (progress on a terminal).  SIGINT and
 * SIGTERM stop it between cases; what was stored is kept.
 * Every tb_store_* write of a run is here; the summary is run-report.c's. */
#define _GNU_SOURCE
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-json.h"
#include "tb-machine.h"
#include "tb-runner.h"
#include "tb-sampler.h"
#include "tb-store.h"
#include "samplers/tb-sampler-extra.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t g_interrupted;
static void on_signal(int sig) { g_interrupted = sig; }

/* Create the directories above path; 0 or -errno. */
static int mkdir_parent(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return -ENOMEM;
    int rc = 0;
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = 0;
        struct stat sb;
        if (stat(dir, &sb) == 0) {
            rc = S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
        } else {
            for (char *p = dir + 1; *p; p++)
                if (*p == '/') {
                    *p = 0;
                    mkdir(dir, 0777);
                    *p = '/';
                }
            rc = mkdir(dir, 0777) == 0 || errno == EEXIST ? 0 : -errno;
        }
    }
    free(dir);
    return rc;
}

/* Load averages as JSON in buf, or NULL (stored as unknown) if they do not fit. */
static const char *host_state(char *buf, int len)
{
    double la[3] = {NAN, NAN, NAN};
    if (getloadavg(la, 3) < 0)
        la[0] = NAN;
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_num(&j, "loadavg1", la[0]);
    tb_json_kv_num(&j, "loadavg5", la[1]);
    tb_json_obj_end(&j);
    if (tb_json_ok(&j))
        return buf;
    fprintf(stderr, "tritbench: host state longer than %d bytes; stored as unknown\n", len);
    return NULL;
}

/* The environment variables that change what is measured; -1 if too long. */
static int env_json(char *buf, int len)
{
    tb_json j;
    tb_json_init(&j, buf, len);
    tb_json_obj_begin(&j);
    tb_json_kv_str(&j, "TB_ISA", getenv("TB_ISA"));
    tb_json_kv_str(&j, "OMP_NUM_THREADS", getenv("OMP_NUM_THREADS"));
    tb_json_kv_str(&j, "TRITBENCH_SYSFS_ROOT", getenv("TRITBENCH_SYSFS_ROOT"));
    tb_json_kv_str(&j, "TRITBENCH_DEV_ROOT", getenv("TRITBENCH_DEV_ROOT"));
    tb_json_obj_end(&j);
    return tb_json_ok(&j) ? 0 : -1;
}

static void progress(int i, int n, const char *key, uint64_t t0, int tty)
{
    if (!tty)
        return;
    double el = (tb_now_ns() - t0) / 1e9;
    double eta = i > 0 ? el / i * (n - i) : NAN;
    char etab[32];
    if (isnan(eta))
        snprintf(etab, sizeof etab, "?");
    else
        snprintf(etab, sizeof etab, "%.0fs", eta);
    fprintf(stderr, "\r\033[K[%d/%d] %.0fs elapsed, ETA %s  %s", i + 1, n, el, etab, key);
    fflush(stderr);
}

/* The caller is worker 0 of the pool: keep it on CPU 0. */
static void pin_caller(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    sched_setaffinity(0, sizeof set, &set);
}

/* The runner loop: every case measured and stored, until done or a signal. */
static void measure_cases(const tb_run_args *a, const tb_caselist *cases, const tb_run_opts *ro,
                          tb_run_session *s)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    uint64_t t0 = tb_now_ns();
    for (int i = 0; i < cases->n && !g_interrupted; i++) {
        const tb_case *c = &cases->v[i];
        progress(i, cases->n, c->key, t0, ro->progress);
        tb_case_result r;
        tb_runner_case(c, ro, s->samplers, &r);
        if (!strcmp(r.status, "wrong") || !strcmp(r.status, "error")) {
            s->failures++;
            if (ro->progress)
                fputs("\r\033[K", stderr);
            fprintf(stderr, "tritbench: %s: %s: %s\n", c->key, r.status, r.status_reason);
        }
        if (tb_store_case(s->store, s->run_id, &r, NULL) < 0) {
            tb_die(TB_EXIT_FAIL, "--db %s: cannot store case %s: %s", a->db, c->key, tb_store_errmsg(s->store));
            s->failures++;
        } else {
            s->stored++;
        }
        tb_case_result_free(&r);
    }
    if (ro->progress)
        fputs("\r\033[K", stderr);
    s->interrupted = g_interrupted != 0;
}

int tb_run_measure(const tb_run_args *a, const tb_caselist *cases, tb_run_session *s)
{
    static char env[16384];
    if (env_json(env, sizeof env) < 0)
        return tb_die(TB_EXIT_FAIL, "run: TB_ISA, OMP_NUM_THREADS and TRITBENCH_* together exceed %zu bytes; "
                      "cannot record them", sizeof env);
    s->ncases = cases->n;
    int rc = tb_sampler_set_open(a->samplers, a->events, &s->samplers);
    if (rc < 0)
        return tb_die(TB_EXIT_USAGE, "--sampler %s: %s (try: tritbench list samplers)", a->samplers,
                      rc == -EINVAL ? "unknown sampler name" : strerror(-rc));
    if (mkdir_parent(a->db) < 0)
        return tb_die(TB_EXIT_FAIL, "--db %s: cannot create its directory", a->db);
    char err[512];
    if (tb_store_open(a->db, &s->store, err, sizeof err) < 0) {
        s->store = NULL;
        return tb_die(TB_EXIT_FAIL, "%s", err);
    }
    if (tb_bench_pool_init((int)a->threads) < 0)
        return tb_die(TB_EXIT_FAIL, "cannot create %ld worker threads", a->threads);
    s->pool = 1;
    if (a->pin)
        pin_caller();

    tb_machine m;
    tb_machine_probe(&m);
    tb_build_info b;
    char hash[64], isav[2048], hs[256];
    tb_build_fill(&b, hash, sizeof hash, isav, sizeof isav);
    int64_t mid, bid;
    if (tb_store_machine(s->store, &m, &mid) < 0 || tb_store_build(s->store, &b, &bid) < 0 ||
        tb_store_run_begin(s->store, mid, bid, a->suite, a->cmdline, a->options_json, env,
                           host_state(hs, sizeof hs), &s->run_id) < 0)
        return tb_die(TB_EXIT_FAIL, "--db %s: cannot record the run: %s", a->db, tb_store_errmsg(s->store));
    for (int i = 0, n = tb_sampler_set_status_count(s->samplers); i < n; i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(s->samplers, i, &name, &p);
        tb_store_sampler_status(s->store, s->run_id, name, &p);
    }

    /* Idle baseline, only when a source that can measure energy is live. */
    static tb_reading idle[TB_MAX_CHANNELS * 8];
    int nidle = 0;
    if (tb_sampler_set_has_energy(s->samplers) && a->idle_s > 0) {
        if (!a->quiet)
            fprintf(stderr, "tritbench: measuring idle power for %.1f s\n", a->idle_s);
        if (tb_sampler_set_idle_baseline(s->samplers, a->idle_s, idle, (int)(sizeof idle / sizeof idle[0]),
                                         &nidle) < 0)
            nidle = 0;
        for (int i = 0; i < nidle; i++)
            tb_store_idle_baseline(s->store, s->run_id, &idle[i]);
    }

    tb_run_opts ro = {
        .reps = (int)a->reps, .min_time_s = a->min_time_s, .warmup_s = a->warmup_s, .quiet = a->quiet,
        .progress = isatty(2),
        .freq_unpinned = strcmp(m.governor, "performance") != 0 || strcmp(m.boost, "off") != 0,
        .idle = idle, .nidle = nidle,
    };
    measure_cases(a, cases, &ro, s);
    tb_store_run_end(s->store, s->run_id, s->interrupted ? "interrupted" : s->failures ? "failed" : "ok",
                     host_state(hs, sizeof hs));
    return 0;
}

void tb_run_close(tb_run_session *s)
{
    if (s->store)
        tb_store_close(s->store);
    tb_sampler_set_close(s->samplers);
    if (s->pool)
        tb_bench_pool_free();
    memset(s, 0, sizeof *s);
}
