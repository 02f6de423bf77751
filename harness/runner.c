/* runner.c - measures a group of cases (see tb-runner.h).
 * Protocol per case: setup -> counts -> verify (a failing case is stored
 * as 'wrong' and never timed; a check that could not run is 'error', or
 * 'does_not_fit' when it needs more memory than the machine has) -> calibrate twice (x10
 * while far below, else scale to target; keep the smaller count, frozen
 * thereafter) -> warm-up.  Then rounds: round k runs one repetition of
 * every live case, forward on even rounds and backward on odd ones, so
 * slow drifts of the host hit every case alike; in a group of several, an
 * untimed re-warm (a tenth of a repetition) precedes each repetition, so
 * the caches hold what they would if the case ran alone.  Each repetition: samplers
 * begin (energy outermost, then counters) -> rusage, steal, CPU id ->
 * clock -> run -> clock -> rusage, steal, CPU id -> samplers end.
 * Afterwards: statistics over ns per iteration, stability flags, the
 * paired ratio of each case over the group's baseline.
 * Stop requests (tb_run_opts.stop, set by a signal) are polled before each
 * case's setup, during warm-up and after every repetition: the current
 * repetition is finished, the repetitions done so far are kept (flagged
 * 'interrupted'), and a case that got none is 'skipped'. */
#define _GNU_SOURCE
#include "tb-platform.h"
#include "tb-runner.h"

#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define TB_CASE_LIMIT_S 60.0
#define TB_MAX_ITERS (1ull << 40)

static const char *const status_names[TB_STATUS__COUNT] = {"ok", "wrong", "does_not_fit", "error", "skipped"};

const char *tb_status_name(tb_status s) { return s < TB_STATUS__COUNT ? status_names[s] : "error"; }

int tb_result_metric(tb_case_result *r, const char *name, double value, const char *unit, const char *note)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (!strcmp(r->metrics[i].name, name)) {
            r->metrics[i].value = value;
            snprintf(r->metrics[i].unit, sizeof r->metrics[i].unit, "%s", unit);
            snprintf(r->metrics[i].note, sizeof r->metrics[i].note, "%s", note ? note : "");
            return 0;
        }
    if (r->nmetrics >= TB_MAX_METRICS)
        return -ENOSPC;
    tb_metric *m = &r->metrics[r->nmetrics++];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->value = value;
    snprintf(m->unit, sizeof m->unit, "%s", unit);
    snprintf(m->note, sizeof m->note, "%s", note ? note : "");
    return 0;
}

double tb_result_metric_value(const tb_case_result *r, const char *name)
{
    for (int i = 0; i < r->nmetrics; i++)
        if (!strcmp(r->metrics[i].name, name))
            return r->metrics[i].value;
    return NAN;
}

void tb_result_flag(tb_case_result *r, const char *flag, const char *reason)
{
    size_t o = strlen(r->flags);
    snprintf(r->flags + o, sizeof r->flags - o, "%s%s", o ? "," : "", flag);
    o = strlen(r->flags_reason);
    snprintf(r->flags_reason + o, sizeof r->flags_reason - o, "%s%s: %s", o ? "; " : "", flag, reason);
}

static int stop_requested(const tb_run_opts *o) { return o->stop && *o->stop; }

static void set_status(tb_case_result *r, tb_status s, const char *fmt, const char *detail)
{
    r->status = s;
    snprintf(r->status_reason, sizeof r->status_reason, fmt, detail);
}

static uint64_t time_iters(const tb_case *c, void *ctx, uint64_t iters)
{
    uint64_t t0 = tb_plat_now_ns();
    c->wl->run(ctx, iters);
    return tb_plat_now_ns() - t0;
}

static uint64_t calibrate(const tb_case *c, void *ctx, double min_ns)
{
    uint64_t iters = 1;
    for (int guard = 0; guard < 64; guard++) {
        uint64_t t = time_iters(c, ctx, iters);
        if (t >= min_ns || iters >= TB_MAX_ITERS)
            return iters;
        if (t < min_ns / 10)
            iters *= 10;
        else
            iters = (uint64_t)ceil(iters * (min_ns * 1.1) / (double)(t ? t : 1));
    }
    return iters;
}

static double idle_for(const tb_run_opts *o, const tb_reading *g)
{
    for (int i = 0; i < o->nidle; i++)
        if (g->chan.kind == TB_CHAN_ENERGY && !strcmp(o->idle[i].sampler, g->sampler) &&
            !strcmp(o->idle[i].chan.name, g->chan.name))
            return o->idle[i].value;
    return NAN;
}

static int push_readings(tb_case_result *r, const tb_run_opts *o, const tb_reading *g, int n, int rep)
{
    if (r->nreadings + n > r->capreadings) {
        int cap = (r->capreadings ? r->capreadings * 2 : 64) + n;
        tb_reading *nr = realloc(r->readings, (size_t)cap * sizeof *nr);
        if (!nr)
            return -ENOMEM;
        r->readings = nr;
        int *np = realloc(r->reading_rep, (size_t)cap * sizeof *np);
        if (!np)
            return -ENOMEM;
        r->reading_rep = np;
        double *ni = realloc(r->reading_idle_w, (size_t)cap * sizeof *ni);
        if (!ni)
            return -ENOMEM;
        r->reading_idle_w = ni;
        r->capreadings = cap;
    }
    for (int i = 0; i < n; i++) {
        r->readings[r->nreadings] = g[i];
        r->reading_idle_w[r->nreadings] = idle_for(o, &g[i]);
        r->reading_rep[r->nreadings++] = rep;
    }
    return 0;
}

/* setup, counts, verify; leaves r->ctx set and status OK when the case can
 * be timed. */
static void prepare_case(const tb_case *c, tb_case_result *r)
{
    memset(r, 0, sizeof *r);
    r->c = c;
    r->v.verified = -1;
    r->v.max_abs_err = r->v.nmse = NAN;
    r->best_ns = NAN;
    r->clock_res_ns = tb_plat_clock_res_ns();
    r->status = TB_STATUS_ERROR;
    tb_plat_utc_now(r->started_at, sizeof r->started_at);

    tb_setup_info info;
    memset(&info, 0, sizeof info);
    int rc = c->wl->setup(c, &r->ctx, &info);
    for (int i = 0; i < info.nfacts; i++)
        tb_result_metric(r, info.facts[i].name, info.facts[i].value, info.facts[i].unit, info.facts[i].note);
    if (info.flags[0]) {
        char fl[sizeof info.flags];
        snprintf(fl, sizeof fl, "%s", info.flags);
        char *save = NULL;
        for (char *t = strtok_r(fl, ",", &save); t; t = strtok_r(NULL, ",", &save))
            tb_result_flag(r, t, info.flags_reason[0] ? info.flags_reason : "set by the workload's setup");
    }
    if (rc < 0) {
        r->ctx = NULL;
        /* -E2BIG: the case needs more than the machine has (computed before
         * allocating); a failed allocation (-ENOMEM) is an error */
        set_status(r, rc == -E2BIG ? TB_STATUS_DOES_NOT_FIT : TB_STATUS_ERROR, "setup: %s",
                   info.why[0] ? info.why : strerror(-rc));
        return;
    }
    c->wl->counts(r->ctx, &r->counts);
    if (c->wl->verify) {
        rc = c->wl->verify(r->ctx, &r->v);
        if (rc < 0) {
            char d[200];
            snprintf(d, sizeof d, "%s", r->v.reason[0] ? r->v.reason : strerror(-rc));
            r->v.verified = -1;
            set_status(r, rc == -E2BIG ? TB_STATUS_DOES_NOT_FIT : TB_STATUS_ERROR,
                       "verification could not run: %s", d);
            return;
        }
        if (r->v.verified == 0) {
            set_status(r, TB_STATUS_WRONG, "verification failed: %s",
                       r->v.reason[0] ? r->v.reason : "output differs from the reference");
            return;
        }
    }
    r->status = TB_STATUS_OK;
}

/* Keep the steps the workload timed in the repetition just measured (its
 * last iteration); outside the timed region. */
static int push_steps(const tb_case *c, tb_case_result *r, int rep)
{
    const tb_step *st = NULL;
    int64_t n = c->wl->steps ? c->wl->steps(r->ctx, &st) : 0;
    if (n <= 0 || !st)
        return 0;
    if (r->nsteps + n > r->capsteps) {
        int64_t cap = r->capsteps ? r->capsteps : 256;
        while (cap < r->nsteps + n)
            cap *= 2;
        tb_step *ns = realloc(r->steps, (size_t)cap * sizeof *ns);
        if (!ns)
            return -ENOMEM;
        r->steps = ns;
        int *nr = realloc(r->step_rep, (size_t)cap * sizeof *nr);
        if (!nr)
            return -ENOMEM;
        r->step_rep = nr;
        r->capsteps = cap;
    }
    memcpy(r->steps + r->nsteps, st, (size_t)n * sizeof *st);
    for (int64_t i = 0; i < n; i++)
        r->step_rep[r->nsteps + i] = rep;
    r->nsteps += n;
    return 0;
}

static int measure_rep(const tb_case *c, tb_case_result *r, const tb_run_opts *o, tb_sampler_set *ss, int round,
                       int shared)
{
    /* In a group the other cases ran since this one's last repetition and
     * took the caches: re-warm untimed (a tenth of a repetition, at least
     * one iteration) so a hot case is timed hot and a cold one in its
     * steady state, as when it runs alone. */
    if (shared)
        c->wl->run(r->ctx, r->iters / 10 > 0 ? r->iters / 10 : 1);
    tb_rep *p = &r->reps[r->nreps];
    tb_reading rd[TB_MAX_CHANNELS * 8];
    struct rusage u0, u1;
    int begin_rc = ss ? tb_sampler_set_begin(ss) : 0;
    tb_plat_steal s0, s1;
    tb_plat_steal_read(&s0);
    getrusage(RUSAGE_SELF, &u0);
    p->cpu_start = sched_getcpu();
    uint64_t c0 = tb_plat_cpu_ns(), t0 = tb_plat_now_ns();
    c->wl->run(r->ctx, r->iters);
    uint64_t t1 = tb_plat_now_ns(), c1 = tb_plat_cpu_ns();
    p->cpu_end = sched_getcpu();
    getrusage(RUSAGE_SELF, &u1);
    tb_plat_steal_read(&s1);
    if (ss) {
        int n = 0, end_rc = begin_rc < 0 ? begin_rc : tb_sampler_set_end(ss, rd, (int)(sizeof rd / sizeof rd[0]), &n);
        if ((begin_rc < 0 || end_rc < 0) && !strstr(r->flags, "samples_lost")) {
            char why[160];
            snprintf(why, sizeof why, "sampler set %s failed at repetition %d: %s", begin_rc < 0 ? "begin" : "end",
                     r->nreps + 1, strerror(-(begin_rc < 0 ? begin_rc : end_rc)));
            tb_result_flag(r, "samples_lost", why);
        }
        if (n > 0 && push_readings(r, o, rd, n, r->nreps + 1) < 0)
            return -ENOMEM;
    }
    p->iters = r->iters;
    p->wall_ns = t1 - t0;
    p->cpu_ns = c1 - c0;
    p->nvcsw = u1.ru_nvcsw - u0.ru_nvcsw;
    p->nivcsw = u1.ru_nivcsw - u0.ru_nivcsw;
    p->minflt = u1.ru_minflt - u0.ru_minflt;
    p->majflt = u1.ru_majflt - u0.ru_majflt;
    p->steal_ticks = tb_plat_steal_ticks(&s0, &s1);
    p->steal_frac = tb_plat_steal_frac(&s0, &s1); /* NAN when unreadable */
    p->round = round;
    r->nreps++;
    return push_steps(c, r, r->nreps);
}

static void finish_stats(tb_case_result *r)
{
    int n = r->nreps;
    double *per_iter = malloc((size_t)(n > 0 ? n : 1) * sizeof *per_iter);
    if (!per_iter) {
        set_status(r, TB_STATUS_ERROR, "statistics: %s", "out of memory");
        return;
    }
    double min_rep = INFINITY, max_steal = 0;
    int migrations = 0;
    for (int k = 0; k < n; k++) {
        const tb_rep *p = &r->reps[k];
        per_iter[k] = (double)p->wall_ns / (double)p->iters;
        if (p->wall_ns < min_rep)
            min_rep = (double)p->wall_ns;
        if (isnan(r->best_ns) || per_iter[k] < r->best_ns)
            r->best_ns = per_iter[k];
        if (p->steal_frac > max_steal) /* averaged over the CPUs by the platform module */
            max_steal = p->steal_frac;
        if (p->cpu_start != p->cpu_end)
            migrations++;
    }
    int rc = tb_stats_compute(per_iter, n, &r->st);
    if (rc < 0) {
        char d[96];
        snprintf(d, sizeof d, "%d repetition(s): %s", n, strerror(-rc));
        set_status(r, TB_STATUS_ERROR, "statistics failed over %s", d);
        free(per_iter);
        return;
    }
    r->have_stats = 1;
    for (int k = 0; k < n; k++)
        tb_stats_outlier_label(&r->st, per_iter[k], r->reps[k].outlier, sizeof r->reps[k].outlier);
    double mad_raw = r->st.mad / 1.4826;
    tb_stability_in si = {
        .wall = &r->st,
        .min_rep_ns = min_rep,
        .clock_res_ns = r->clock_res_ns,
        .max_steal_frac = max_steal,
        .migrations = migrations,
        .first_rep_modz = mad_raw > 0 ? 0.6745 * (per_iter[0] - r->st.median) / mad_raw : 0,
    };
    char fl[128], why[512];
    tb_stats_flags(&si, fl, sizeof fl, why, sizeof why);
    if (fl[0]) {
        size_t o = strlen(r->flags);
        snprintf(r->flags + o, sizeof r->flags - o, "%s%s", o ? "," : "", fl);
        o = strlen(r->flags_reason);
        snprintf(r->flags_reason + o, sizeof r->flags_reason - o, "%s%s", o ? "; " : "", why);
    }
    free(per_iter);
}

/* Per round, baseline ns/iter over case ns/iter; median and CI over rounds. */
static void paired_ratio(tb_case_result *base, tb_case_result *r)
{
    int n = 0;
    double *q = malloc((size_t)(r->nreps > 0 ? r->nreps : 1) * sizeof *q);
    if (!q)
        return;
    for (int i = 0; i < r->nreps; i++)
        for (int j = 0; j < base->nreps; j++)
            if (base->reps[j].round == r->reps[i].round) {
                double tb = (double)base->reps[j].wall_ns / (double)base->reps[j].iters;
                double tc = (double)r->reps[i].wall_ns / (double)r->reps[i].iters;
                if (tc > 0)
                    q[n++] = tb / tc;
                break;
            }
    tb_stats s;
    if (n >= 1 && tb_stats_compute(q, n, &s) == 0) {
        r->ratio.valid = 1;
        r->ratio.n = n;
        r->ratio.median = s.median;
        r->ratio.ci_lo = s.ci_lo;
        r->ratio.ci_hi = s.ci_hi;
    }
    free(q);
}

int tb_runner_group(const tb_case *const *cases, int n, const tb_run_opts *o, tb_sampler_set *ss,
                    tb_case_result *r)
{
    int reps = o->reps;
    for (int i = 0; i < n; i++)
        if (cases[i]->wl->min_reps > reps)
            reps = cases[i]->wl->min_reps;
    double min_ns = o->min_time_s * 1e9;
    int live = 0;
    for (int i = 0; i < n; i++) {
        if (stop_requested(o)) {
            memset(&r[i], 0, sizeof r[i]);
            r[i].c = cases[i];
            r[i].v.verified = -1;
            r[i].v.max_abs_err = r[i].v.nmse = r[i].best_ns = NAN;
            r[i].clock_res_ns = tb_plat_clock_res_ns();
            tb_plat_utc_now(r[i].started_at, sizeof r[i].started_at);
            set_status(&r[i], TB_STATUS_SKIPPED, "%s", "interrupted before its setup");
            continue;
        }
        prepare_case(cases[i], &r[i]);
        if (r[i].status != TB_STATUS_OK)
            continue;
        r[i].reps = calloc((size_t)reps, sizeof *r[i].reps);
        if (!r[i].reps) {
            set_status(&r[i], TB_STATUS_DOES_NOT_FIT, "%s", "out of memory for the repetition records");
            continue;
        }
        /* the smaller of two calibrations; when one iteration already
         * lasts min_ns the answer is 1 whatever the second says: skip it
         * (a slow case, e.g. a decoder test, saves one whole iteration) */
        uint64_t a = calibrate(cases[i], r[i].ctx, min_ns), b = a > 1 ? calibrate(cases[i], r[i].ctx, min_ns) : 1;
        r[i].iters = a < b ? a : b;
        uint64_t w0 = tb_plat_now_ns();
        do
            cases[i]->wl->run(r[i].ctx, r[i].iters);
        while (tb_plat_now_ns() - w0 < o->warmup_s * 1e9 && !stop_requested(o));
        r[i].warmup_ns = tb_plat_now_ns() - w0;
        live++;
    }

    double limit_s = (o->case_limit_s > 0 ? o->case_limit_s : TB_CASE_LIMIT_S) * (live > 0 ? live : 1);
    uint64_t start = tb_plat_now_ns();
    int rounds = 0, cut = 0, stopped = 0;
    stopped = stop_requested(o);
    for (int k = 0; k < reps && live > 0 && !stopped; k++) {
        for (int j = 0; j < n; j++) {
            int i = (k % 2 == 0) ? j : n - 1 - j;
            if (r[i].status != TB_STATUS_OK)
                continue;
            if (measure_rep(cases[i], &r[i], o, ss, k, live > 1) < 0) {
                set_status(&r[i], TB_STATUS_ERROR, "%s", "out of memory for sampler readings");
                live--;
            }
            if (stop_requested(o)) { /* this repetition is done: keep it, start no other */
                stopped = 1;
                break;
            }
        }
        rounds = k + 1;
        if (stopped)
            break;
        if (k + 1 >= 3 && k + 1 < reps && (tb_plat_now_ns() - start) / 1e9 > limit_s) {
            cut = 1;
            break;
        }
    }

    for (int i = 0; i < n; i++) {
        if (r[i].status != TB_STATUS_OK)
            continue;
        if (cut) {
            char why[160];
            snprintf(why, sizeof why, "stopped after %d of %d repetitions at the %.0f s case limit", rounds, reps,
                     limit_s / (live > 0 ? live : 1));
            tb_result_flag(&r[i], "rep_limit", why);
        }
        if (stopped && r[i].nreps == 0) {
            set_status(&r[i], TB_STATUS_SKIPPED, "%s", "interrupted before its first repetition");
            continue;
        }
        if (stopped) {
            char why[160];
            snprintf(why, sizeof why, "interrupted after %d of %d repetitions", r[i].nreps, reps);
            tb_result_flag(&r[i], "interrupted", why);
        }
        if (o->pin_error)
            tb_result_flag(&r[i], "unpinned", o->pin_error);
        finish_stats(&r[i]);
    }
    int b = -1;
    for (int i = 0; i < n; i++)
        if (cases[i]->baseline)
            b = i;
    for (int i = 0; i < n && b >= 0; i++)
        if (i != b && r[i].status == TB_STATUS_OK && r[b].status == TB_STATUS_OK)
            paired_ratio(&r[b], &r[i]);
    for (int i = 0; i < n; i++) {
        if (r[i].ctx)
            cases[i]->wl->teardown(r[i].ctx);
        r[i].ctx = NULL;
        tb_plat_utc_now(r[i].ended_at, sizeof r[i].ended_at);
    }
    return 0;
}

int tb_runner_case(const tb_case *c, const tb_run_opts *o, tb_sampler_set *ss, tb_case_result *r)
{
    const tb_case *one[1] = {c};
    return tb_runner_group(one, 1, o, ss, r);
}

void tb_case_result_free(tb_case_result *r)
{
    free(r->reps);
    free(r->readings);
    free(r->reading_rep);
    free(r->reading_idle_w);
    free(r->steps);
    free(r->step_rep);
    r->steps = NULL;
    r->step_rep = NULL;
    r->nsteps = r->capsteps = 0;
    r->reading_idle_w = NULL;
    r->reps = NULL;
    r->readings = NULL;
    r->reading_rep = NULL;
}
