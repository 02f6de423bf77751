/* test-runner.c - the runner with a fake workload and a fake sampler:
 * calibration reaches the minimum repetition time; a wrong case is never
 * timed; a need beyond the machine (-E2BIG) in setup or in the reference
 * check is does_not_fit, a failed allocation or another failed check is
 * error, never wrong; failed statistics are not ok;
 * steal (a /proc/stat fixture the workload advances) and migration flags;
 * sampler readings attached to the right repetition; interleaved rounds
 * in alternating order with the paired ratio over the baseline; the case
 * time limit and a pinning failure flagged; a stop request finishes the
 * current repetition, keeps it (flagged interrupted) and skips the cases
 * that got none, and one before the group sets nothing up. */
#define _GNU_SOURCE
#include "samplers/tb-sampler-internal.h"
#include "tb-runner.h"
#include "tb-test.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- fake workload: spins `ns_per_iter` per iteration ---- */
typedef struct fake_spec {
    int setup_rc, verify_rc, verified;
    double ns_per_iter;
    int hop_cpu;       /* run() moves itself to another CPU */
    int add_steal;     /* run() advances the /proc/stat fixture's steal */
    int *set_up;       /* setup sets it (the group's last case: its rounds come next) */
    const int *after;  /* once set, the second run (the first timed one, after the re-warm) sets *stop */
    int *stop;
    uint64_t *runs;    /* teardown stores how many times run() was called */
} fake_spec;

typedef struct fake_ctx {
    const fake_spec *sp;
    uint64_t runs, iters;
    int armed;
} fake_ctx;

static char g_stat[256];
static long long g_steal;
/* every run() call of the group's cases: which case, how many iterations */
static struct { int id; uint64_t iters; } g_calls[4096];
static int g_ncalls;
static const fake_spec *g_ids[8];

static void write_stat(void)
{
    FILE *f = fopen(g_stat, "w");
    if (f) {
        fprintf(f, "cpu  100 0 100 1000 0 0 0 %lld 0 0\ncpu0 50 0 50 500 0 0 0 0 0 0\n", g_steal);
        fclose(f);
    }
}

static uint64_t mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_RAW, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int f_setup(const tb_case *c, void **ctx, tb_setup_info *info)
{
    const fake_spec *sp = c->spec;
    if (sp->setup_rc) {
        snprintf(info->why, sizeof info->why, "fake setup failure");
        return sp->setup_rc;
    }
    fake_ctx *x = calloc(1, sizeof *x);
    x->sp = sp;
    *ctx = x;
    if (sp->set_up)
        *sp->set_up = 1;
    return 0;
}

static int f_verify(void *ctx, tb_verdict *v)
{
    fake_ctx *x = ctx;
    v->verified = x->sp->verified;
    snprintf(v->reason, sizeof v->reason, "fake check");
    return x->sp->verify_rc;
}

static void f_run(void *ctx, uint64_t iters)
{
    fake_ctx *x = ctx;
    x->runs++;
    x->iters += iters;
    for (int i = 0; i < 8; i++)
        if (g_ids[i] == x->sp && g_ncalls < 4096) {
            g_calls[g_ncalls].id = i;
            g_calls[g_ncalls++].iters = iters;
        }
    if (x->sp->stop && *x->sp->after && x->armed++) /* a signal arrives during this timed repetition */
        *x->sp->stop = 1;
    uint64_t t0 = mono();
    while ((double)(mono() - t0) < x->sp->ns_per_iter * (double)iters)
        ;
    if (x->sp->hop_cpu) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(sched_getcpu() == 0 ? 1 : 0, &set);
        sched_setaffinity(0, sizeof set, &set);
    }
    if (x->sp->add_steal) {
        g_steal += 50; /* 0.5 s of steal at 100 Hz: far above 2% of any repetition */
        write_stat();
    }
}

static void f_counts(void *ctx, tb_counts *out)
{
    memset(out, 0, sizeof *out);
    out->v[TB_CNT_INT8_ADD] = 1000;
}

static fake_ctx *g_last_ctx;
static void f_teardown(void *ctx)
{
    fake_ctx *x = ctx;
    if (x && x->sp->runs)
        *x->sp->runs = x->runs;
    g_last_ctx = NULL;
    free(ctx);
}

static const tb_workload fake_wl = {
    .name = "fake", .version = "1", .key_name = "fake",
    .setup = f_setup, .verify = f_verify, .run = f_run, .counts = f_counts, .teardown = f_teardown,
};

/* steps(): the last iteration's two steps, stamped with the run count */
static tb_step g_steps[2];
static int64_t f_steps(void *ctx, const tb_step **out)
{
    fake_ctx *x = ctx;
    g_steps[0] = (tb_step){.ns = (int64_t)x->runs, .n_tokens = 8, .phase = TB_STEP_PREFILL};
    g_steps[1] = (tb_step){.ns = (int64_t)x->runs, .n_tokens = 1, .phase = TB_STEP_DECODE};
    *out = g_steps;
    return 2;
}
static const tb_workload fake_steps_wl = {
    .name = "fake", .version = "1", .key_name = "fake", .setup = f_setup, .verify = f_verify,
    .run = f_run, .counts = f_counts, .teardown = f_teardown, .steps = f_steps,
};

static tb_case mk(const fake_spec *sp, const char *key)
{
    tb_case c = {.wl = &fake_wl, .spec = sp, .threads = 1};
    snprintf(c.key, sizeof c.key, "%s", key);
    return c;
}

/* ---- fake counter sampler: +7 per read ---- */
static uint64_t g_count;
static int fs_probe(tb_probe *p)
{
    memset(p, 0, sizeof *p);
    p->state = TB_AVAIL_LIVE;
    return 0;
}
static int fs_open(void **ctx, const char *events, tb_chan *ch, int max, int *nch, char *why, size_t len)
{
    memset(ch, 0, sizeof *ch);
    snprintf(ch[0].name, sizeof ch[0].name, "ticks");
    snprintf(ch[0].unit, sizeof ch[0].unit, "count");
    ch[0].scale = 1;
    *nch = 1;
    *ctx = &g_count;
    return 0;
}
static int fs_read(void *ctx, tb_raw *v)
{
    memset(v, 0, sizeof *v);
    g_count += 7;
    v[0].value = g_count;
    return 0;
}
static void fs_close(void *ctx) { (void)ctx; }
static const tb_sampler fake_sampler = {
    .name = "fakeR", .layer = TB_LAYER_COUNTER, .probe = fs_probe, .open = fs_open, .read = fs_read, .close = fs_close,
};
static const tb_sampler *const fake_registry[] = {&fake_sampler, NULL};

static int has_flag(const tb_case_result *r, const char *f) { return strstr(r->flags, f) != NULL; }

int main(void)
{
    char dir[] = "/tmp/tb-runner-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    snprintf(g_stat, sizeof g_stat, "%s/stat", dir);
    write_stat();
    setenv("TRITBENCH_PROC_ROOT", dir, 1);

    tb_run_opts o = {.reps = 6, .min_time_s = 0.002, .warmup_s = 0.001};
    tb_case_result r;

    /* calibration: a 10 us iteration reaches >= 2 ms repetitions */
    fake_spec ok = {.verified = 1, .ns_per_iter = 10000};
    tb_case c = mk(&ok, "fake/ok");
    CHECK(tb_runner_case(&c, &o, NULL, &r) == 0);
    CHECK(r.status == TB_STATUS_OK && r.have_stats && r.nreps == 6);
    /* 2 ms / 10 us = 200 on a quiet machine; preemption during calibration
     * only lowers the count, and the spin can never run faster than asked */
    CHECK(r.iters >= 1 && r.iters <= 2000); /* never overshoots 10x; a loaded host may lower it */
    for (int k = 0; k < r.nreps; k++)
        CHECK(r.reps[k].wall_ns >= r.iters * 10000 && r.reps[k].round == k);
    CHECK(r.st.median >= 10000 && r.best_ns <= r.st.median);
    CHECK(!strstr(r.flags, "freq")); /* run facts are not case flags */
    tb_case_result_free(&r);

    /* a slow case (one iteration >= min_time): one calibration call, one
     * warm-up call, then the repetitions; the second calibration, which
     * could only say 1 again, is skipped */
    uint64_t slow_runs = 0;
    fake_spec slow = {.verified = 1, .ns_per_iter = 3e6, .runs = &slow_runs};
    tb_run_opts os = o;
    os.reps = 3;
    c = mk(&slow, "fake/slow");
    CHECK(tb_runner_case(&c, &os, NULL, &r) == 0);
    CHECK(r.status == TB_STATUS_OK && r.iters == 1 && r.nreps == 3);
    CHECK(slow_runs == 1 + 1 + 3);
    tb_case_result_free(&r);

    /* per-step timings are kept after every timed repetition, in order */
    c = mk(&ok, "fake/steps");
    c.wl = &fake_steps_wl;
    CHECK(tb_runner_case(&c, &o, NULL, &r) == 0);
    CHECK(r.status == TB_STATUS_OK && r.nreps == 6 && r.nsteps == 12);
    for (int64_t i = 0; i < r.nsteps; i++) {
        CHECK(r.step_rep[i] == (int)(i / 2) + 1);
        CHECK(r.steps[i].phase == (i % 2 ? TB_STEP_DECODE : TB_STEP_PREFILL));
        if (i >= 2)
            CHECK(r.steps[i].ns > r.steps[i - 2].ns); /* each repetition's own run */
    }
    tb_case_result_free(&r);
    CHECK(r.steps == NULL && r.nsteps == 0);

    /* wrong: never timed */
    fake_spec wrong = {.verified = 0, .ns_per_iter = 1000};
    c = mk(&wrong, "fake/wrong");
    CHECK(tb_runner_case(&c, &o, NULL, &r) == 0);
    CHECK(r.status == TB_STATUS_WRONG && r.nreps == 0 && r.iters == 0);
    CHECK(strstr(r.status_reason, "verification failed") != NULL);
    tb_case_result_free(&r);

    /* a need beyond the machine (-E2BIG) is does_not_fit, a failed
     * allocation (-ENOMEM) an error; in setup and in the reference check,
     * and never wrong */
    fake_spec big = {.setup_rc = -E2BIG};
    c = mk(&big, "fake/too-big");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_DOES_NOT_FIT && strstr(r.status_reason, "fake setup failure"));
    tb_case_result_free(&r);
    fake_spec oom = {.setup_rc = -ENOMEM};
    c = mk(&oom, "fake/oom");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_ERROR && strstr(r.status_reason, "fake setup failure"));
    tb_case_result_free(&r);
    fake_spec vbig = {.verify_rc = -E2BIG, .verified = 0, .ns_per_iter = 1000};
    c = mk(&vbig, "fake/verify-too-big");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_DOES_NOT_FIT && r.nreps == 0 && r.v.verified == -1);
    CHECK(strstr(r.status_reason, "could not run") != NULL);
    tb_case_result_free(&r);
    fake_spec voom = {.verify_rc = -ENOMEM, .verified = 0, .ns_per_iter = 1000};
    c = mk(&voom, "fake/verify-oom");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_ERROR && r.nreps == 0 && r.v.verified == -1);
    tb_case_result_free(&r);
    fake_spec veio = {.verify_rc = -EIO, .verified = 0, .ns_per_iter = 1000};
    c = mk(&veio, "fake/verify-eio");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_ERROR && r.nreps == 0);
    tb_case_result_free(&r);

    /* no repetitions: statistics fail, the case is not ok */
    tb_run_opts none = o;
    none.reps = 0;
    c = mk(&ok, "fake/no-reps");
    tb_runner_case(&c, &none, NULL, &r);
    CHECK(r.status == TB_STATUS_ERROR && strstr(r.status_reason, "statistics"));
    tb_case_result_free(&r);

    /* steal from the /proc/stat fixture */
    fake_spec steal = {.verified = 1, .ns_per_iter = 10000, .add_steal = 1};
    c = mk(&steal, "fake/steal");
    tb_runner_case(&c, &o, NULL, &r);
    CHECK(r.status == TB_STATUS_OK && has_flag(&r, "vm_steal"));
    CHECK(r.reps[0].steal_ticks > 0);
    tb_case_result_free(&r);

    /* migration, where there are two CPUs to move between */
    cpu_set_t all;
    sched_getaffinity(0, sizeof all, &all);
    if (CPU_COUNT(&all) >= 2 && CPU_ISSET(0, &all) && CPU_ISSET(1, &all)) {
        fake_spec hop = {.verified = 1, .ns_per_iter = 10000, .hop_cpu = 1};
        c = mk(&hop, "fake/hop");
        tb_runner_case(&c, &o, NULL, &r);
        CHECK(r.status == TB_STATUS_OK && has_flag(&r, "migrated"));
        tb_case_result_free(&r);
        sched_setaffinity(0, sizeof all, &all);
    } else {
        printf("skip migration check: fewer than 2 CPUs allowed\n");
    }

    /* readings from the sampler set, one per repetition, in order */
    tb_sampler_set_use_registry(fake_registry);
    tb_sampler_set *ss = NULL;
    CHECK(tb_sampler_set_open("fakeR", NULL, &ss) == 0);
    c = mk(&ok, "fake/readings");
    g_count = 0;
    tb_runner_case(&c, &o, ss, &r);
    CHECK(r.status == TB_STATUS_OK && r.nreadings == r.nreps);
    for (int i = 0; i < r.nreadings; i++) {
        CHECK(r.reading_rep[i] == i + 1);
        CHECK(r.readings[i].value == 7); /* end - begin of one repetition */
    }
    tb_case_result_free(&r);
    tb_sampler_set_close(ss);
    tb_sampler_set_use_registry(NULL);

    /* a group: interleaved rounds in alternating order, paired ratio */
    fake_spec base = {.verified = 1, .ns_per_iter = 20000}, fast = {.verified = 1, .ns_per_iter = 10000},
              bad = {.verified = 0, .ns_per_iter = 10000};
    tb_case g[3] = {mk(&base, "fake/base"), mk(&fast, "fake/fast"), mk(&bad, "fake/bad")};
    g[0].baseline = 1;
    for (int i = 0; i < 3; i++)
        snprintf(g[i].group, sizeof g[i].group, "fake/group");
    const tb_case *gp[3] = {&g[0], &g[1], &g[2]};
    tb_case_result gr[3];
    g_ids[0] = &base;
    g_ids[1] = &fast;
    g_ids[2] = &bad;
    g_ncalls = 0;
    tb_runner_group(gp, 3, &o, NULL, gr);
    CHECK(gr[0].status == TB_STATUS_OK && gr[1].status == TB_STATUS_OK && gr[2].status == TB_STATUS_WRONG);
    CHECK(gr[2].nreps == 0);
    CHECK(!gr[0].ratio.valid && gr[1].ratio.valid && gr[1].ratio.n == 6);
    /* 20 us over 10 us; wide bounds: spin loops stretch on a loaded machine */
    CHECK(gr[1].ratio.median > 1.05 && gr[1].ratio.median < 8);
    /* the last 24 calls are the 6 rounds: per case an untimed re-warm of a
     * tenth of its frozen count, then its timed repetition; forward on even
     * rounds, backward on odd ones */
    int rounds_ok = g_ncalls >= 24;
    for (int k = 0; k < 6 && rounds_ok; k++)
        for (int j = 0; j < 2 && rounds_ok; j++) {
            int id = k % 2 == 0 ? j : 1 - j;
            uint64_t frozen = gr[id].iters, rewarm = frozen / 10 > 0 ? frozen / 10 : 1;
            int at = g_ncalls - 24 + 4 * k + 2 * j;
            rounds_ok = g_calls[at].id == id && g_calls[at].iters == rewarm && g_calls[at + 1].id == id &&
                        g_calls[at + 1].iters == frozen;
        }
    CHECK(rounds_ok);
    for (int i = 0; i < 3; i++)
        tb_case_result_free(&gr[i]);

    /* case time limit, interruption, pinning failure */
    tb_run_opts lim = o;
    lim.reps = 50;
    lim.case_limit_s = 0.02;
    c = mk(&ok, "fake/limit");
    tb_runner_case(&c, &lim, NULL, &r);
    CHECK(r.status == TB_STATUS_OK && r.nreps >= 3 && r.nreps < 50 && has_flag(&r, "rep_limit"));
    CHECK(strstr(r.flags_reason, "case limit") != NULL);
    tb_case_result_free(&r);
    /* a stop request during the first case's first repetition: that
     * repetition is finished and kept, the second case (next in the
     * round) never starts one and is skipped */
    int stop = 0, ready = 0;
    tb_run_opts st = o;
    st.stop = &stop;
    st.pin_error = "worker 1: CPU 5 not allowed";
    fake_spec stopper = {.verified = 1, .ns_per_iter = 10000, .after = &ready, .stop = &stop},
              after = {.verified = 1, .ns_per_iter = 10000, .set_up = &ready};
    tb_case sg[2] = {mk(&stopper, "fake/stopper"), mk(&after, "fake/after")};
    for (int i = 0; i < 2; i++)
        snprintf(sg[i].group, sizeof sg[i].group, "fake/stopgroup");
    const tb_case *sgp[2] = {&sg[0], &sg[1]};
    tb_runner_group(sgp, 2, &st, NULL, gr);
    CHECK(stop == 1);
    CHECK(gr[0].status == TB_STATUS_OK && gr[0].nreps == 1 && gr[0].have_stats);
    CHECK(has_flag(&gr[0], "interrupted") && has_flag(&gr[0], "unpinned"));
    CHECK(strstr(gr[0].flags_reason, "CPU 5 not allowed") != NULL);
    CHECK(strstr(gr[0].flags_reason, "interrupted after 1 of 6") != NULL);
    CHECK(gr[1].status == TB_STATUS_SKIPPED && gr[1].nreps == 0);
    CHECK(strstr(gr[1].status_reason, "before its first repetition") != NULL);
    for (int i = 0; i < 2; i++)
        tb_case_result_free(&gr[i]);
    /* a stop request before the group: nothing is set up */
    tb_runner_group(sgp, 2, &st, NULL, gr);
    for (int i = 0; i < 2; i++) {
        CHECK(gr[i].status == TB_STATUS_SKIPPED && gr[i].nreps == 0 && gr[i].c == sgp[i]);
        CHECK(strstr(gr[i].status_reason, "before its setup") != NULL);
        tb_case_result_free(&gr[i]);
    }

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    TEST_DONE();
}
