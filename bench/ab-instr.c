/* ab-instr.c - the deterministic layer of `tritbench ab --instructions`:
 * instructions per iteration of one case, counted by valgrind's cachegrind
 * (no cache simulation) over two counting runs of the child (N1 and N2
 * iterations after the same setup and verification), so that setup,
 * verification and start-up cancel: Ir = (Ir(N2) - Ir(N1)) / (N2 - N1).
 * Debian 12's valgrind (3.19) cannot decode AVX-512, so the caller plans
 * the children at --isa avx2 and says so.  Also the probe of a hardware
 * instruction counter (perf), which the caller reports. */
#define _GNU_SOURCE
#include "tb-ab.h"
#include "tb-cli.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int tb_ab_pmu_live(char *why, int wlen)
{
    struct perf_event_attr at;
    memset(&at, 0, sizeof at);
    at.size = sizeof at;
    at.type = PERF_TYPE_HARDWARE;
    at.config = PERF_COUNT_HW_INSTRUCTIONS;
    at.disabled = 1;
    at.exclude_kernel = 1;
    at.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &at, 0, -1, -1, 0);
    if (fd >= 0) {
        close((int)fd);
        return 1;
    }
    snprintf(why, (size_t)wlen, "perf_event_open(instructions): %s%s", strerror(errno),
             errno == ENOENT || errno == EOPNOTSUPP ? " (no hardware PMU: a virtual machine without PMU passthrough?)"
             : errno == EACCES || errno == EPERM ? " (perf_event_paranoid)" : "");
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
