/* run-measure.c - the measure stage of `tritbench run`: installs the stop
 * signals' handlers (run-signals.c) first, then opens the samplers, the
 * store (upgrading a version-1 file after a backup; marking runs whose
 * process was killed as abandoned) and the worker pool, records the
 * machine, build, run and the facts of the whole run (frequency policy,
 * hypervisor, pinning, wrap guard), takes the idle baseline, then measures
 * the cases group by group through the runner (a group's formats in
 * interleaved rounds), derives each case's figures in memory (ceilings
 * from this run's probes) and hands them to run-store.c, which stores each
 * case in its own transaction, the group's baseline first (progress on a
 * terminal).  While another process holds the database past the store's
 * lock wait, measured cases are kept in memory and written when it frees.
 * A stop signal ends the loop after the current repetition: what is
 * complete is stored and the run is marked 'interrupted' with a run fact
 * naming the signal.  A store failure other than the lock (disk full,
 * read-only) stops the run.  Every tb_store_* write of a run is here or in
 * run-store.c; the summary is run-report.c's. */
#define _GNU_SOURCE
#include "tb-run.h"
#include "tb-cli.h"
#include "tb-json.h"
#include "tb-machine.h"
#include "tb-platform.h"
#include "tb-runner.h"
#include "tb-sampler.h"
#include "tb-store.h"
#include "samplers/tb-sampler-extra.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void progress(int i, int n, const char *key, uint64_t t0, int tty)
{
    if (!tty)
        return;
    double el = (tb_plat_now_ns() - t0) / 1e9;
    double eta = i > 0 ? el / i * (n - i) : NAN;
    char etab[32];
    if (isnan(eta))
        snprintf(etab, sizeof etab, "?");
    else
        snprintf(etab, sizeof etab, "%.0fs", eta);
    fprintf(stderr, "\r\033[K[%d/%d] %.0fs elapsed, ETA %s  %s", i + 1, n, el, etab, key);
    fflush(stderr);
}

/* The store's lock-wait notices, on their own line under a progress bar. */
static void notice(void *ctx, const char *line)
{
    if (*(const int *)ctx)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "tritbench: %s\n", line);
}

/* After a group: store what is measured.  While the lock is held past the
 * store's wait, keep the results and try briefly after each later group;
 * 0, or -1 on a store failure that ends the run. */
static int flush(const tb_run_args *a, tb_run_session *s, tb_run_pending *p, int *tty)
{
    int rc = tb_run_flush(s, p);
    if (rc == -EBUSY) {
        if (!p->held) {
            if (*tty)
                fputs("\r\033[K", stderr);
            fprintf(stderr, "tritbench: %s: still locked by another process; keeping the %d measured case(s) in "
                    "memory and measuring on; they are stored when the lock frees\n", a->db, p->measured - p->next);
            tb_store_set_wait(s->store, 1.0, notice, tty);
            p->held = 1;
        }
        return 0;
    }
    if (rc < 0)
        return -1;
    if (p->held) {
        tb_store_set_wait(s->store, TB_STORE_WAIT_S, notice, tty);
        fprintf(stderr, "tritbench: %s: the lock is free again; the kept cases are stored\n", a->db);
        p->held = 0;
    }
    return 0;
}

/* Cases derived while the run's ceilings were fewer than they are now (the
 * suite's end-of-run probes came later) are derived again (tb_derive_again:
 * the measured matmul and decoder cases), so a ceiling is the better of its start and
 * end probes for each, as tb-ceilings.h says, and their stored figures are
 * replaced.  A store still locked after the store's wait leaves this and the
 * remaining cases with their start-of-run figures (said once, not waited for
 * again per case); other store failures count. */
static int rederive(tb_run_session *s, tb_run_pending *p, const tb_ceilings *ceil, const int *ceil_n)
{
    for (int k = 0; k < p->measured; k++) {
        if (ceil_n[k] >= ceil->n || p->cid[k] <= 0 || !tb_derive_again(&p->res[k], ceil))
            continue;
        int rc = tb_store_case_derived(s->store, p->cid[k], &p->res[k]);
        if (rc == -EBUSY) {
            fprintf(stderr, "tritbench: %s: the database stayed locked: cases from %s on keep figures "
                    "derived against the start-of-run ceilings only\n", tb_store_errmsg(s->store),
                    p->cases->v[k].key);
            return 0;
        }
        if (rc < 0) {
            fprintf(stderr, "tritbench: %s\n", tb_store_errmsg(s->store));
            return -1;
        }
    }
    return 0;
}

/* The runner loop: groups of cases (consecutive cases with one non-empty
 * group key) measured, their figures derived, stored; until done, a stop
 * signal or a store failure.  Then the cases derived before the last
 * ceiling came in are derived again (rederive). */
static int measure_cases(const tb_run_args *a, const tb_caselist *cases, const tb_run_opts *ro, tb_run_session *s)
{
    static int tty;
    tty = isatty(2);
    tb_store_set_wait(s->store, TB_STORE_WAIT_S, notice, &tty);
    tb_ceilings *ceil = malloc(sizeof *ceil);
    const tb_case **group = malloc((size_t)cases->n * sizeof *group);
    int *ceil_n = calloc((size_t)cases->n + 1, sizeof *ceil_n); /* ceilings each case was derived with */
    tb_run_pending p;
    if (!ceil || !group || !ceil_n || tb_run_pending_init(&p, cases) < 0) {
        free(ceil);
        free(group);
        free(ceil_n);
        s->failures++;
        return tb_die(TB_EXIT_FAIL, "run: out of memory for %d cases", cases->n);
    }
    tb_ceilings_init(ceil, tb_bench_llc_bytes());
    uint64_t t0 = tb_plat_now_ns();
    int failed = 0;
    for (int i = 0; i < cases->n && !tb_run_signal() && !failed;) {
        int n = tb_run_group_len(cases, i);
        for (int k = 0; k < n; k++)
            group[k] = &cases->v[i + k];
        progress(i, cases->n, n > 1 ? cases->v[i].group : cases->v[i].key, t0, tty);
        tb_case_result *res = &p.res[i];
        tb_runner_group(group, n, ro, s->samplers, res);
        for (int k = 0; k < n; k++) {
            tb_derive(&res[k], ceil);
            ceil_n[i + k] = ceil->n;
            tb_derive_ceiling(ceil, &res[k]);
            if (res[k].status == TB_STATUS_WRONG || res[k].status == TB_STATUS_ERROR) {
                s->failures++;
                if (tty)
                    fputs("\r\033[K", stderr);
                fprintf(stderr, "tritbench: %s: %s: %s\n", group[k]->key, tb_status_name(res[k].status),
                        res[k].status_reason);
            }
            if (res[k].status != TB_STATUS_SKIPPED)
                s->measured++;
        }
        tb_derive_group_ratios(res, n);
        i += n;
        p.measured = i;
        failed = flush(a, s, &p, &tty) < 0;
    }
    if (tty)
        fputs("\r\033[K", stderr);
    if (!failed && p.next < p.measured) {
        /* the lock is still held: wait for it once more, in full */
        tb_store_set_wait(s->store, TB_STORE_WAIT_S, notice, &tty);
        fprintf(stderr, "tritbench: %s: waiting up to %.0f s to store the %d case(s) kept in memory\n", a->db,
                TB_STORE_WAIT_S, p.measured - p.next);
        if (tb_run_flush(s, &p) == -EBUSY) {
            tb_die(TB_EXIT_FAIL, "%d measured case(s) are lost: %s", p.measured - p.next, tb_store_errmsg(s->store));
            failed = 1;
        }
    }
    if (!failed && p.next == p.measured)
        failed = rederive(s, &p, ceil, ceil_n) < 0;
    if (failed)
        s->failures++;
    s->interrupted = tb_run_signal();
    tb_run_pending_free(&p);
    free(ceil);
    free(group);
    free(ceil_n);
    return failed ? -1 : 0;
}

/* Facts of the whole run, stored once rather than on every case. */
static int run_facts(const tb_run_args *a, const tb_machine *m, tb_run_session *s)
{
    int bad = 0;
    char why[256];
    tb_freq_policy fp;
    tb_plat_freq_policy(m, &fp);
    if (fp.state == TB_FREQ_UNKNOWN)
        bad |= tb_store_run_fact(s->store, s->run_id, "freq_unknown", fp.reason) < 0;
    else if (fp.state == TB_FREQ_UNPINNED)
        bad |= tb_store_run_fact(s->store, s->run_id, "freq_unpinned", fp.reason) < 0;
    if (m->hypervisor[0] && strcmp(m->hypervisor, "none") && strcmp(m->hypervisor, "undetectable")) {
        snprintf(why, sizeof why, "virtual machine (%s): steal time and caches shared with other guests can perturb "
                 "figures", m->hypervisor);
        bad |= tb_store_run_fact(s->store, s->run_id, "hypervisor", why) < 0;
    }
    if (!a->pin)
        bad |= tb_store_run_fact(s->store, s->run_id, "unpinned", "--no-pin: threads not pinned to CPUs") < 0;
    else if (tb_pool_pin_error(tb_bench_pool()))
        bad |= tb_store_run_fact(s->store, s->run_id, "unpinned", tb_pool_pin_error(tb_bench_pool())) < 0;
    if (tb_sampler_set_guard_error(s->samplers))
        bad |= tb_store_run_fact(s->store, s->run_id, "wrap_guard_missing", tb_sampler_set_guard_error(s->samplers)) < 0;
    return bad ? -1 : 0;
}

/* (Re)create v_params_<workload> for every workload the run measures. */
static int declare_workloads(const tb_caselist *cases, tb_run_session *s)
{
    const tb_workload *seen[32];
    int n = 0;
    for (int i = 0; i < cases->n; i++) {
        int known = 0;
        for (int k = 0; k < n; k++)
            known |= seen[k] == cases->v[i].wl;
        if (known || n == 32)
            continue;
        seen[n++] = cases->v[i].wl;
        if (tb_store_declare_workload(s->store, cases->v[i].wl) < 0)
            return -1;
    }
    return 0;
}

int tb_run_measure(const tb_run_args *a, const tb_caselist *cases, tb_run_session *s)
{
    tb_run_signals_install();
    static char env[16384];
    if (tb_env_json(env, sizeof env) < 0)
        return tb_die(TB_EXIT_FAIL, "run: the TRITBENCH_* environment exceeds %zu bytes; cannot record it",
                      sizeof env);
    s->ncases = cases->n;
    int rc = tb_sampler_set_open(a->samplers, a->events, &s->samplers);
    if (rc < 0)
        return tb_die(TB_EXIT_USAGE, "--sampler %s: %s (try: tritbench list samplers)", a->samplers,
                      rc == -EINVAL ? "unknown sampler name" : strerror(-rc));
    if (tb_run_signal()) {
        int sig = tb_run_signal();
        tb_run_signals_restore();
        fprintf(stderr, "tritbench: %s before the database was opened; nothing recorded\n", tb_run_signal_name(sig));
        return TB_EXIT_SIGNAL(sig);
    }
    if (mkdir_parent(a->db) < 0)
        return tb_die(TB_EXIT_FAIL, "--db %s: cannot create its directory", a->db);
    char err[1024], backup[1200];
    if (tb_store_open_upgrade(a->db, &s->store, err, sizeof err, backup, sizeof backup) < 0) {
        s->store = NULL;
        return tb_die(TB_EXIT_FAIL, "%s", err);
    }
    if (backup[0]) {
        int old = 0; /* the backup is named "<db>.v<old>-backup-<stamp>" */
        const char *dot = strrchr(backup, '.');
        if (!dot || sscanf(dot, ".v%d-backup", &old) != 1)
            old = 0;
        fprintf(stderr, "tritbench: %s: upgraded from schema %d to %d; the old file is kept as %s\n", a->db, old,
                TB_SCHEMA_VERSION, backup);
    }
    if (tb_store_reaped(s->store))
        fprintf(stderr, "tritbench: %s: %d earlier run(s) marked interrupted: their process was killed or the "
                "machine restarted (run fact 'abandoned')\n", a->db, tb_store_reaped(s->store));
    /* the pool pins its threads (the caller is worker 0) to the allowed CPUs */
    if (tb_bench_pool_init((int)a->threads, a->pin) < 0)
        return tb_die(TB_EXIT_FAIL, "cannot create %ld worker threads", a->threads);
    s->pool = 1;

    tb_machine m;
    tb_machine_probe(&m);
    tb_build_info b;
    char hash[80], isav[2048], hs[256];
    if (tb_build_fill(&b, hash, sizeof hash, isav, sizeof isav) < 0)
        return tb_die(TB_EXIT_FAIL, "cannot hash /proc/self/exe: the build cannot be identified");
    int64_t mid, bid;
    if (tb_store_machine(s->store, &m, &mid) < 0 || tb_store_build(s->store, &b, &bid) < 0 ||
        tb_store_run_begin(s->store, mid, bid, a->suite, a->cmdline, a->options_json, env,
                           host_state(hs, sizeof hs), &s->run_id) < 0)
        return tb_die(TB_EXIT_FAIL, "cannot record the run: %s", tb_store_errmsg(s->store));
    int nref, rref = tb_store_reference_load(s->store, &nref);
    if (rref < 0 && rref != -ENOENT)
        fprintf(stderr, "tritbench: published reference figures not loaded: %s\n", tb_store_errmsg(s->store));
    int bad = 0;
    for (int i = 0, n = tb_sampler_set_status_count(s->samplers); i < n; i++) {
        const char *name;
        tb_probe p;
        tb_sampler_set_status_at(s->samplers, i, &name, &p);
        bad |= tb_store_sampler_status(s->store, s->run_id, name, &p) < 0;
    }
    if (bad || run_facts(a, &m, s) < 0 || declare_workloads(cases, s) < 0) {
        tb_die(TB_EXIT_FAIL, "cannot record the run: %s", tb_store_errmsg(s->store));
        tb_store_run_end(s->store, s->run_id, "failed", NULL);
        return TB_EXIT_FAIL;
    }

    /* Idle baseline, only when a source that can measure energy is live. */
    static tb_reading idle[TB_MAX_CHANNELS * 8];
    int nidle = 0;
    if (tb_sampler_set_has_energy(s->samplers) && a->idle_s > 0 && !tb_run_signal()) {
        if (!a->quiet)
            fprintf(stderr, "tritbench: measuring idle power for %.1f s\n", a->idle_s);
        if (tb_sampler_set_idle_baseline(s->samplers, a->idle_s, idle, (int)(sizeof idle / sizeof idle[0]),
                                         &nidle) < 0)
            nidle = 0;
        for (int i = 0; i < nidle; i++)
            if (tb_store_idle_baseline(s->store, s->run_id, &idle[i]) < 0)
                fprintf(stderr, "tritbench: %s\n", tb_store_errmsg(s->store));
    }

    tb_run_opts ro = {
        .reps = (int)a->reps, .min_time_s = a->min_time_s, .warmup_s = a->warmup_s,
        .pin_error = a->pin ? tb_pool_pin_error(tb_bench_pool()) : NULL,
        .idle = idle, .nidle = nidle, .stop = tb_run_stop_flag(),
    };
    measure_cases(a, cases, &ro, s); /* failures counted in s */
    if (s->interrupted) {
        char why[256];
        snprintf(why, sizeof why, "%s received: stopped after the current repetition; %d of %d case(s) measured",
                 tb_run_signal_name(s->interrupted), s->measured, s->ncases);
        if (tb_store_run_fact(s->store, s->run_id, "interrupted", why) < 0)
            fprintf(stderr, "tritbench: %s\n", tb_store_errmsg(s->store));
    }
    /* after a failed store (disk full) this may fail too: the run then
     * stays 'running' until the next open marks it abandoned */
    if (tb_store_run_end(s->store, s->run_id, s->interrupted ? "interrupted" : s->failures ? "failed" : "ok",
                         host_state(hs, sizeof hs)) < 0) {
        tb_die(TB_EXIT_FAIL, "cannot record the end of run %lld: %s", (long long)s->run_id, tb_store_errmsg(s->store));
        s->failures++;
    }
    tb_run_signals_restore();
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
