/* ab-instr.c - the deterministic layer of `tritbench ab --instructions`:
 * instructions per iteration of one case, as a difference of two counts
 * (N1 and N2 iterations after the same setup and verification), so that
 * setup, verification and start-up cancel: (I(N2) - I(N1)) / (N2 - N1).
 * Two counters:
 *   perf        where the PMU is live: the serving child counts its own
 *               user-space instructions (PERF_COUNT_HW_INSTRUCTIONS,
 *               exclude_kernel) around the iterations ("icount"), at the
 *               native ISA, AVX-512 included;
 *   cachegrind  else: valgrind's cachegrind (no cache simulation) counts
 *               two whole counting runs of the child.  Debian 12's
 *               valgrind (3.19) cannot decode AVX-512, so the caller
 *               plans the children at --isa avx2 and says so.
 * Also the probe of the hardware counter, which picks between them. */
#define _GNU_SOURCE
#include "tb-ab.h"
#include "tb-cli.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int icount_open(char *why, int wlen)
{
    struct perf_event_attr at;
    memset(&at, 0, sizeof at);
    at.size = sizeof at;
    at.type = PERF_TYPE_HARDWARE;
    at.config = PERF_COUNT_HW_INSTRUCTIONS;
    at.disabled = 1;
    at.exclude_kernel = 1;
    at.exclude_hv = 1;
    at.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    long fd = syscall(SYS_perf_event_open, &at, 0, -1, -1, 0);
    if (fd < 0) {
        int e = errno;
        snprintf(why, (size_t)wlen, "perf_event_open(instructions, exclude_kernel): %s", strerror(e));
        errno = e;
    }
    return (int)fd;
}

int tb_ab_icount(int *fd, void (*run)(void *ctx, uint64_t iters), void *ctx, uint64_t iters, uint64_t *count,
                 char *why, int wlen)
{
    if (*fd < 0 && (*fd = icount_open(why, wlen)) < 0)
        return -1;
    run(ctx, 1); /* uncounted: first-call effects stay out of both counts */
    uint64_t v[3] = {0, 0, 0}; /* value, time enabled, time running */
    if (ioctl(*fd, PERF_EVENT_IOC_RESET, 0) < 0 || ioctl(*fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
        snprintf(why, (size_t)wlen, "perf counter reset/enable: %s", strerror(errno));
        return -1;
    }
    run(ctx, iters);
    int dis = ioctl(*fd, PERF_EVENT_IOC_DISABLE, 0);
    ssize_t n = read(*fd, v, sizeof v);
    if (dis < 0 || n != (ssize_t)sizeof v) {
        snprintf(why, (size_t)wlen, "perf counter read: %s", dis < 0 || n < 0 ? strerror(errno) : "short read");
        return -1;
    }
    if (v[1] == 0 || v[2] != v[1]) {
        snprintf(why, (size_t)wlen, "the instruction counter ran %llu of %llu ns (multiplexed with other events): "
                 "a scaled count is not exact", (unsigned long long)v[2], (unsigned long long)v[1]);
        return -1;
    }
    *count = v[0];
    return 0;
}

int tb_ab_instructions_perf(const char *bin, const char *key, char *const *run_argv, int run_argc, long iters1,
                            long iters2, double *ir, char *commit, char *why, int wlen)
{
    tb_abproc p;
    unsigned long long c[2] = {0, 0};
    long it[2] = {iters1, iters2};
    char cmd[64], line[256];
    int rc = -1;
    if (tb_abproc_start(&p, bin, NULL, key, "serve", run_argv, run_argc) < 0 || tb_abproc_ready(&p) < 0) {
        snprintf(why, (size_t)wlen, "%s", p.why);
    } else if (p.proto < 2) {
        snprintf(why, (size_t)wlen, "%s speaks ab protocol %d: it cannot count instructions with perf (built before "
                 "`icount`); use --counter cachegrind", bin, p.proto);
    } else {
        rc = 0;
        for (int k = 0; k < 2 && rc == 0; k++) {
            snprintf(cmd, sizeof cmd, "icount %ld", it[k]);
            if (tb_abproc_cmd(&p, cmd, line, sizeof line) < 0 || sscanf(line, "ic %llu", &c[k]) != 1) {
                snprintf(why, (size_t)wlen, "icount %ld: %s", it[k], p.why[0] ? p.why : tb_clip(line));
                rc = -1;
            }
        }
    }
    snprintf(commit, 48, "%s%s", p.commit, p.dirty ? "+dirty" : "");
    int st = tb_abproc_stop(&p);
    if (rc == 0 && st != 0) {
        snprintf(why, (size_t)wlen, "%s ab-child exited with status %d", bin, st);
        rc = -1;
    }
    if (rc == 0 && !(c[1] > c[0])) {
        snprintf(why, (size_t)wlen, "%llu instructions for %ld iterations, %llu for %ld: not a count per iteration",
                 c[1], iters2, c[0], iters1);
        rc = -1;
    }
    if (rc == 0)
        *ir = (double)(c[1] - c[0]) / (double)(iters2 - iters1);
    return rc;
}

int tb_ab_pmu_live(char *why, int wlen)
{
    int fd = icount_open(why, wlen); /* the child's very counter */
    if (fd >= 0) {
        close(fd);
        return 1;
    }
    int e = errno;
    snprintf(why, (size_t)wlen, "perf_event_open(instructions): %s%s", strerror(e),
             e == ENOENT || e == EOPNOTSUPP ? " (no hardware PMU: a virtual machine without PMU passthrough?)"
             : e == EACCES || e == EPERM ? " (perf_event_paranoid)" : "");
    return 0;
}

/* One counting run under cachegrind: total Ir of the process. */
static int count_run(const char *bin, const char *key, char *const *run_argv, int run_argc, long iters, double *ir,
                     char *commit, char *why, int wlen)
{
    char path[] = "/tmp/tritbench-cg-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(why, (size_t)wlen, "cannot create a cachegrind output file in /tmp: %s", strerror(errno));
        return -1;
    }
    close(fd);
    char outopt[64], logopt[64], log[sizeof path + 4], mode[32];
    snprintf(outopt, sizeof outopt, "--cachegrind-out-file=%s", path);
    snprintf(log, sizeof log, "%s.log", path); /* valgrind's own messages; kept when the run fails */
    snprintf(logopt, sizeof logopt, "--log-file=%s", log);
    snprintf(mode, sizeof mode, "count:%ld", iters);
    char *prefix[] = {(char *)"valgrind", (char *)"--tool=cachegrind", (char *)"--cache-sim=no",
                      (char *)"--branch-sim=no", (char *)"-q", outopt, logopt, NULL};
    tb_abproc p;
    char line[256];
    int rc = -1;
    if (tb_abproc_start(&p, bin, prefix, key, mode, run_argv, run_argc) < 0 || tb_abproc_line(&p, line, sizeof line) < 0) {
        snprintf(why, (size_t)wlen, "%s", p.why);
    } else if (!strncmp(line, "fail ", 5)) {
        snprintf(why, (size_t)wlen, "%s", line + 5);
    } else {
        rc = 0;
    }
    snprintf(commit, 48, "%s%s", p.commit, p.dirty ? "+dirty" : "");
    int st = tb_abproc_stop(&p);
    if (rc == 0 && st != 0) {
        snprintf(why, (size_t)wlen, "valgrind %s exited with status %d (valgrind's log: %s)", bin, st, log);
        rc = -1;
    }
    if (rc == 0)
        unlink(log);
    FILE *f = rc == 0 ? fopen(path, "r") : NULL;
    if (rc == 0 && !f) {
        snprintf(why, (size_t)wlen, "cachegrind wrote no %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f) {
        rc = -1;
        char l[512];
        while (fgets(l, sizeof l, f))
            if (sscanf(l, "summary: %lf", ir) == 1)
                rc = 0;
        fclose(f);
        if (rc < 0)
            snprintf(why, (size_t)wlen, "%s: no 'summary:' line", path);
    }
    unlink(path);
    return rc;
}

int tb_ab_instructions(const char *bin, const char *key, char *const *run_argv, int run_argc, int extra_iters,
                       double *ir, char *commit, char *why, int wlen)
{
    double a = 0, b = 0;
    if (count_run(bin, key, run_argv, run_argc, 1, &a, commit, why, wlen) < 0 ||
        count_run(bin, key, run_argv, run_argc, 1 + extra_iters, &b, commit, why, wlen) < 0)
        return -1;
    if (!(b > a)) {
        snprintf(why, (size_t)wlen, "%.0f instructions with %d more iteration(s) than %.0f: not a count per iteration",
                 b, extra_iters, a);
        return -1;
    }
    *ir = (b - a) / extra_iters;
    return 0;
}
