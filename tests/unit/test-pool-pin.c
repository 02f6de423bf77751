/* test-pool-pin.c - --no-pin leaves threads unpinned: the process-wide
 * pool made by tb_bench_pool_init(threads, pin = 0) keeps every thread,
 * the caller included, on the process's whole affinity mask, seen both
 * from inside each thread (sched_getaffinity) and from outside
 * (/proc/self/task/ * /status, Cpus_allowed_list); with pin = 1 each thread
 * has one CPU of its own, and freeing the pool gives the caller its mask
 * back. */
#define _GNU_SOURCE
#include "tb-bench.h"
#include "tb-test.h"

#include <dirent.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define NT 3

static cpu_set_t seen[NT];
static atomic_int seen_ok[NT];

static void record(void *arg, int tid, int nt)
{
    if (tid < NT && sched_getaffinity(0, sizeof seen[tid], &seen[tid]) == 0)
        atomic_store(&seen_ok[tid], 1);
}

/* Cpus_allowed_list of every thread of this process, '|'-joined. */
static int task_lists(char *out, size_t len, int *ntasks)
{
    out[0] = 0;
    *ntasks = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[300], line[256];
        snprintf(p, sizeof p, "/proc/self/task/%s/status", e->d_name);
        FILE *f = fopen(p, "re");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "Cpus_allowed_list:", 18)) {
                char *v = line + 18;
                v += strspn(v, " \t");
                v[strcspn(v, "\n")] = 0;
                size_t u = strlen(out);
                snprintf(out + u, len - u, "%s%s", u ? "|" : "", v);
                (*ntasks)++;
            }
        fclose(f);
    }
    closedir(d);
    return 0;
}

static void test_unpinned(const cpu_set_t *mask, const char *list)
{
    CHECK(tb_bench_pool_init(NT, 0) == 0);
    CHECK(tb_pool_size(tb_bench_pool()) == NT);
    CHECK(tb_pool_pin_error(tb_bench_pool()) == NULL);
    tb_pool_run(tb_bench_pool(), NT, record, NULL);
    for (int t = 0; t < NT; t++) {
        CHECK(atomic_load(&seen_ok[t]));
        CHECK(CPU_EQUAL(&seen[t], mask)); /* the whole mask, not one CPU */
    }
    char all[4096];
    int ntasks = 0;
    CHECK(task_lists(all, sizeof all, &ntasks) == 0);
    CHECK(ntasks >= NT);
    /* every thread (caller, workers) lists the process's CPUs */
    for (char *save = NULL, *t = strtok_r(all, "|", &save); t; t = strtok_r(NULL, "|", &save))
        if (strcmp(t, list)) {
            fprintf(stderr, "a thread has Cpus_allowed_list %s, the process %s\n", t, list);
            CHECK(!"--no-pin thread pinned");
        }
    tb_bench_pool_free();
}

static void test_pinned(const cpu_set_t *mask)
{
    int ncpu = CPU_COUNT(mask), n = ncpu < NT ? ncpu : NT;
    CHECK(tb_bench_pool_init(n, 1) == 0);
    if (tb_pool_pin_error(tb_bench_pool())) {
        fprintf(stderr, "note: pinning refused here: %s\n", tb_pool_pin_error(tb_bench_pool()));
        tb_bench_pool_free();
        return;
    }
    memset(seen_ok, 0, sizeof seen_ok);
    tb_pool_run(tb_bench_pool(), n, record, NULL);
    for (int t = 0; t < n; t++) {
        CHECK(atomic_load(&seen_ok[t]) && CPU_COUNT(&seen[t]) == 1);
        for (int u = 0; u < t; u++)
            CHECK(!CPU_EQUAL(&seen[t], &seen[u]));
    }
    tb_bench_pool_free();
    cpu_set_t after;
    CHECK(sched_getaffinity(0, sizeof after, &after) == 0 && CPU_EQUAL(&after, mask));
}

int main(void)
{
    cpu_set_t mask;
    CHECK(sched_getaffinity(0, sizeof mask, &mask) == 0);
    char list[512];
    int n = 0;
    CHECK(task_lists(list, sizeof list, &n) == 0 && n == 1); /* one thread yet */
    test_unpinned(&mask, list);
    test_pinned(&mask);
    CHECK(tb_bench_cpus_available() == CPU_COUNT(&mask));
    TEST_DONE();
}
