/* runner.c - measures one case (see tb-runner.h).
 * Protocol: setup -> verify (a failing case is stored as 'wrong' and never
 * timed) -> calibrate twice (x10 while far below, else scale to target;
 * keep the smaller count, frozen thereafter) -> warm-up -> repetitions,
 * each: samplers begin (energy outermost, then counters) -> rusage, steal,
 * CPU id -> clock -> run -> clock -> rusage, steal, CPU id -> samplers end.
 * Statistics over ns per iteration, stability flags, modelled energy. */
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

#define TB_CASE_TIMEOUT_S 60.0
#define TB_MAX_ITERS (1ull << 40)

void tb_result_metric(tb_case_result *r, const char *name, double value, const char *unit, const char *note)
{
    if (r->nmetrics >= TB_MAX_METRICS)
        return;
    tb_metric *m = &r->metrics[r->nmetrics++];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->value = value;
    snprintf(m->unit, sizeof m->unit, "%s", unit);
    snprintf(m->note, sizeof m->note, "%s", note ? note : "");
}

static uint64_t time_iters(const tb_case *c, void *ctx, uint64_t iters)
{
    uint64_t t0 = tb_now_ns();
    c->wl->run(ctx, iters);
    return tb_now_ns() - t0;
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

static void derive_metrics(tb_case_result *r)
{
    double med = r->st.median; /* ns per iteration */
    double bytes = r->counts.bytes_weights + r->counts.bytes_acts + r->counts.bytes_out;
    double ops = 0;
    for (int k = 0; k < TB_OP__COUNT; k++)
        ops += r->counts.ops[k];
    if (bytes > 0 && med > 0)
        tb_result_metric(r, "gbps", bytes / med, "GB/s", "analytic bytes / median time");
    if (ops > 0 && med > 0)
        tb_result_metric(r, "gops", ops / med, "GOP/s", "analytic ops / median time");
    if (r->counts.bytes_weights > 0 && med > 0)
        tb_result_metric(r, "weight_gbps", r->counts.bytes_weights / med, "GB/s", "weight bytes / median time");
}

int tb_runner_case(const tb_case *c, const tb_run_opts *o, tb_sampler_set *ss, tb_case_result *r)
{
    void *ctx = NULL;
    memset(r, 0, sizeof *r);
    r->c = c;
    r->v.verified = -1;
    r->v.max_abs_err = r->v.nmse = NAN;
    r->clock_res_ns = tb_clock_res_ns();
    snprintf(r->status, sizeof r->status, "error");
    tb_utc_now(r->started_at, sizeof r->started_at);

    char why[256] = "";
    int rc = c->wl->setup(c, &ctx, why, sizeof why);
    if (rc < 0) {
        snprintf(r->status, sizeof r->status, "%s", rc == -ENOMEM || rc == -E2BIG ? "does_not_fit" : "error");
        snprintf(r->status_reason, sizeof r->status_reason, "setup: %s", why[0] ? why : strerror(-rc));
        goto done;
    }
    c->wl->counts(ctx, &r->counts);
    if (c->wl->verify) {
        rc = c->wl->verify(ctx, &r->v);
        if (rc < 0 || r->v.verified == 0) {
            snprintf(r->status, sizeof r->status, "wrong");
            snprintf(r->status_reason, sizeof r->status_reason, "verification failed: %s",
                     r->v.reason[0] ? r->v.reason : strerror(rc < 0 ? -rc : EINVAL));
            if (r->v.verified != 0)
                r->v.verified = 0;
            goto done;
        }
    }
    double min_ns = o->min_time_s * 1e9;
    uint64_t a = calibrate(c, ctx, min_ns), b = calibrate(c, ctx, min_ns);
    r->iters = a < b ? a : b;
    uint64_t w0 = tb_now_ns();
    do
        c->wl->run(ctx, r->iters);
    while (tb_now_ns() - w0 < o->warmup_s * 1e9);
    r->warmup_ns = tb_now_ns() - w0;

    r->reps = calloc((size_t)o->reps, sizeof *r->reps);
    if (!r->reps) {
        snprintf(r->status_reason, sizeof r->status_reason, "out of memory");
        goto done;
    }
    uint64_t case_start = tb_now_ns();
    tb_reading rd[TB_MAX_CHANNELS * 8];
    double max_steal = 0;
    for (int k = 0; k < o->reps; k++) {
        tb_rep *p = &r->reps[k];
        struct rusage u0, u1;
        if (ss)
            tb_sampler_set_begin(ss);
        tb_plat_steal s0, s1;
        tb_plat_steal_read(&s0);
        getrusage(RUSAGE_SELF, &u0);
        p->cpu_start = sched_getcpu();
        uint64_t c0 = tb_plat_cpu_ns(), t0 = tb_now_ns();
        c->wl->run(ctx, r->iters);
        uint64_t t1 = tb_now_ns(), c1 = tb_plat_cpu_ns();
        p->cpu_end = sched_getcpu();
        getrusage(RUSAGE_SELF, &u1);
        tb_plat_steal_read(&s1);
        if (ss) {
            int n = 0;
            tb_sampler_set_end(ss, rd, (int)(sizeof rd / sizeof rd[0]), &n);
            if (push_readings(r, o, rd, n, k + 1) < 0) {
                snprintf(r->status_reason, sizeof r->status_reason, "out of memory");
                goto done;
            }
        }
        p->iters = r->iters;
        p->wall_ns = t1 - t0;
        p->cpu_ns = c1 - c0;
        p->nvcsw = u1.ru_nvcsw - u0.ru_nvcsw;
        p->nivcsw = u1.ru_nivcsw - u0.ru_nivcsw;
        p->minflt = u1.ru_minflt - u0.ru_minflt;
        p->majflt = u1.ru_majflt - u0.ru_majflt;
        p->steal_ticks = tb_plat_steal_ticks(&s0, &s1);
        double sf = tb_plat_steal_frac(&s0, &s1); /* NAN when unreadable */
        if (sf > max_steal)
            max_steal = sf;
        r->nreps = k + 1;
        if (k + 1 >= 3 && (tb_now_ns() - case_start) / 1e9 > TB_CASE_TIMEOUT_S)
            break; /* case timeout: keep what we have (>= 3 reps) */
    }

    double per_iter[1024];
    int n = r->nreps < 1024 ? r->nreps : 1024;
    double min_rep = INFINITY;
    int migrations = 0;
    for (int k = 0; k < n; k++) {
        const tb_rep *p = &r->reps[k];
        per_iter[k] = (double)p->wall_ns / (double)p->iters;
        if (p->wall_ns < min_rep)
            min_rep = (double)p->wall_ns;
        if (p->cpu_start != p->cpu_end)
            migrations++;
    }
    if (tb_stats_compute(per_iter, n, &r->st) == 0) {
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
            .freq_unpinned = o->freq_unpinned,
            .first_rep_modz = mad_raw > 0 ? 0.6745 * (per_iter[0] - r->st.median) / mad_raw : 0,
        };
        tb_stats_flags(&si, r->flags, sizeof r->flags, r->flags_reason, sizeof r->flags_reason);
        derive_metrics(r);
    }
    r->nmodel = tb_energy_model(&r->counts, r->model, 4);
    snprintf(r->status, sizeof r->status, "ok");
done:
    if (ctx)
        c->wl->teardown(ctx);
    tb_utc_now(r->ended_at, sizeof r->ended_at);
    return 0;
}

void tb_case_result_free(tb_case_result *r)
{
    free(r->reps);
    free(r->readings);
    free(r->reading_rep);
    free(r->reading_idle_w);
    r->reading_idle_w = NULL;
    r->reps = NULL;
    r->readings = NULL;
    r->reading_rep = NULL;
}
