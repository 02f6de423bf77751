/* test-pool.c - kernels/pool.c's wake protocol: every tid in [0, nthreads)
 * runs exactly once per job for nthreads = 1..size, over thousands of
 * back-to-back jobs of mixed sizes; a job wakes only the workers it uses;
 * an idle pool sleeps (process CPU time over a 200 ms sleep stays small);
 * pinning follows the affinity mask and reports what it could not do.
 * Bounds are generous: the machine may be a loaded 2-vCPU guest. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "pool-internal.h"
#include "tb-pool.h"
#include "tb-test.h"

#define MAXT 16

typedef struct job {
    _Atomic int hits[MAXT];
    _Atomic int bad_nt;  /* calls whose nthreads differs from the job's */
    _Atomic int bad_tid; /* calls with tid outside [0, nthreads) */
    int want_nt;
} job;

static void job_fn(void *arg, int tid, int nt)
{
    job *j = arg;
    if (nt != j->want_nt)
        atomic_fetch_add(&j->bad_nt, 1);
    if (tid < 0 || tid >= nt || tid >= MAXT)
        atomic_fetch_add(&j->bad_tid, 1);
    else
        atomic_fetch_add(&j->hits[tid], 1);
}

/* One job of nt threads; 1 when every tid ran exactly once. */
static int run_once(tb_pool *p, int nt)
{
    job j;
    memset(&j, 0, sizeof j);
    j.want_nt = nt;
    tb_pool_run(p, nt, job_fn, &j);
    int ok = j.bad_nt == 0 && j.bad_tid == 0;
    for (int t = 0; t < MAXT; t++)
        ok &= atomic_load(&j.hits[t]) == (t < nt);
    return ok;
}

static uint64_t jobs_of(const tb_pool *p, int tid)
{
    tb_pool_stats s;
    tb_pool_stats_get(p, tid, &s);
    return s.jobs;
}

static void test_exactly_once(void)
{
    for (int size = 1; size <= 6; size++) {
        tb_pool *p = NULL;
        CHECK(tb_pool_create(size, 0, &p) == 0);
        if (!p)
            return;
        CHECK(tb_pool_size(p) == size);
        CHECK(tb_pool_pin_error(p) == NULL);
        for (int nt = 1; nt <= size; nt++)
            CHECK(run_once(p, nt));
        /* nthreads above the size is clamped to it */
        job j;
        memset(&j, 0, sizeof j);
        j.want_nt = size;
        tb_pool_run(p, size + 3, job_fn, &j);
        CHECK(j.bad_nt == 0 && j.bad_tid == 0);
        tb_pool_free(p);
    }
}

static void test_back_to_back(void)
{
    enum { SIZE = 4, JOBS = 4000 };
    tb_pool *p = NULL;
    CHECK(tb_pool_create(SIZE, 0, &p) == 0);
    if (!p)
        return;
    uint64_t want[SIZE] = {0};
    int bad = 0;
    for (int i = 0; i < JOBS; i++) {
        int nt = 1 + (int)((i * 7u + i / 13u) % SIZE); /* mixed sizes, all of 1..4 */
        if (i % 500 == 499) {
            struct timespec ts = {0, 300000}; /* 0.3 ms: let workers fall asleep now and then */
            nanosleep(&ts, NULL);
        }
        bad += !run_once(p, nt);
        for (int t = 1; t < nt; t++)
            want[t]++;
    }
    CHECK(bad == 0);
    for (int t = 1; t < SIZE; t++)
        CHECK(jobs_of(p, t) == want[t]);
    tb_pool_free(p);
}

static void test_wakes_only_used(void)
{
    tb_pool *p = NULL;
    CHECK(tb_pool_create(4, 0, &p) == 0);
    if (!p)
        return;
    CHECK(run_once(p, 4));
    uint64_t j0[4];
    for (int t = 1; t < 4; t++)
        j0[t] = jobs_of(p, t);
    for (int i = 0; i < 200; i++)
        CHECK(run_once(p, 1));
    for (int t = 1; t < 4; t++)
        CHECK(jobs_of(p, t) == j0[t]); /* 1-thread jobs wake nobody */
    for (int i = 0; i < 50; i++)
        CHECK(run_once(p, 2));
    CHECK(jobs_of(p, 1) == j0[1] + 50);
    CHECK(jobs_of(p, 2) == j0[2]);
    CHECK(jobs_of(p, 3) == j0[3]);
    tb_pool_free(p);
}

static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_idle_is_asleep(void)
{
    tb_pool *p = NULL;
    CHECK(tb_pool_create(4, 0, &p) == 0);
    if (!p)
        return;
    CHECK(run_once(p, 4));
    double c0 = cpu_ms();
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    double used = cpu_ms() - c0;
    /* 3 workers spin ~0.1 ms each before sleeping; the old pool burnt ~8 ms each */
    if (used >= 10)
        fprintf(stderr, "idle pool used %.2f ms of CPU over a 200 ms sleep\n", used);
    CHECK(used < 10);
    tb_pool_stats s;
    for (int t = 1; t < 4; t++) {
        tb_pool_stats_get(p, t, &s);
        CHECK(s.sleeps >= 1);
    }
    CHECK(run_once(p, 4)); /* sleepers wake for the next job */
    tb_pool_free(p);
}

static void test_pinning(void)
{
    cpu_set_t before, allowed;
    CHECK(sched_getaffinity(0, sizeof before, &before) == 0);
    allowed = before;
    int ncpu = CPU_COUNT(&allowed);
    int size = ncpu < MAXT ? ncpu : MAXT;

    tb_pool *p = NULL;
    CHECK(tb_pool_create(size, 1, &p) == 0);
    if (!p)
        return;
    const char *err = tb_pool_pin_error(p);
    if (err) {
        /* a restricted container may refuse; the reason must still be one line */
        fprintf(stderr, "note: pinning refused here: %s\n", err);
        CHECK(strchr(err, '\n') == NULL && strncmp(err, "worker ", 7) == 0);
    } else {
        /* thread i on the i-th allowed CPU, the caller (0) included */
        int i = 0;
        for (int c = 0; c < CPU_SETSIZE && i < size; c++) {
            if (!CPU_ISSET(c, &allowed))
                continue;
            tb_pool_stats s;
            tb_pool_stats_get(p, i, &s);
            CHECK(s.cpu == c);
            i++;
        }
        cpu_set_t now;
        CHECK(sched_getaffinity(0, sizeof now, &now) == 0);
        CHECK(CPU_COUNT(&now) == 1);
    }
    for (int nt = 1; nt <= size; nt++)
        CHECK(run_once(p, nt));
    tb_pool_free(p);
    cpu_set_t after;
    CHECK(sched_getaffinity(0, sizeof after, &after) == 0);
    CHECK(CPU_EQUAL(&after, &before)); /* tb_pool_free restores the caller */

    /* more threads than allowed CPUs: the extra ones are reported */
    if (ncpu + 1 > MAXT)
        return;
    CHECK(tb_pool_create(ncpu + 1, 1, &p) == 0);
    if (!p)
        return;
    err = tb_pool_pin_error(p);
    CHECK(err != NULL);
    if (err) {
        char want[64];
        snprintf(want, sizeof want, "worker %d:", ncpu);
        CHECK(strncmp(err, "worker ", 7) == 0 && strchr(err, '\n') == NULL);
        if (strstr(err, "not allowed") == NULL)
            CHECK(strncmp(err, want, strlen(want)) == 0);
    }
    CHECK(run_once(p, ncpu + 1));
    tb_pool_free(p);
    CHECK(sched_getaffinity(0, sizeof after, &after) == 0);
    CHECK(CPU_EQUAL(&after, &before));
}

int main(void)
{
    test_exactly_once();
    test_back_to_back();
    test_wakes_only_used();
    test_idle_is_asleep();
    test_pinning();
    TEST_DONE();
}
