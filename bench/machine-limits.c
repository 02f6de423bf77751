/* machine-limits.c - the machine facts case lists size themselves by: the
 * last-level cache (cold copies, bandwidth ladder) and the memory a group
 * of cold cases may take, and the machine's memory a case's need is
 * checked against.  Probed once per process. */
#define _GNU_SOURCE
#include "tb-bench.h"
#include "tb-machine.h"
#include "tb-platform.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

double tb_bench_llc_bytes(void)
{
    static double llc = -1;
    if (llc < 0) {
        tb_machine m;
        tb_machine_probe(&m);
        llc = m.l3 > 0 ? (double)m.l3 : m.l2 > 0 ? (double)m.l2 : 0;
    }
    return llc;
}

double tb_bench_l2_bytes(void)
{
    static double l2 = -1;
    if (l2 < 0) {
        tb_machine m;
        tb_machine_probe(&m);
        l2 = m.l2 > 0 ? (double)m.l2 : 0;
    }
    return l2;
}

/* Half of MemAvailable (or of the total when /proc/meminfo is unreadable):
 * what the cold copies of one group may take together. */
double tb_bench_mem_budget_bytes(void)
{
    static double budget = -1;
    if (budget >= 0)
        return budget;
    int64_t avail = 0;
    if (tb_plat_meminfo("MemAvailable", &avail) < 0 || avail <= 0) {
        double total = tb_bench_mem_total_bytes();
        avail = total > 0 ? (int64_t)total : (int64_t)4 << 30;
    }
    budget = (double)avail / 2;
    return budget;
}

double tb_bench_mem_total_bytes(void)
{
    static double total = -1;
    if (total < 0) {
        tb_machine m;
        tb_machine_probe(&m);
        total = m.mem_bytes > 0 ? (double)m.mem_bytes : 0;
    }
    return total;
}

int tb_bench_cpus_available(void)
{
    static int n = 0;
    if (n > 0)
        return n;
    cpu_set_t set;
    int c = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
    if (c < 1)
        c = (int)sysconf(_SC_NPROCESSORS_ONLN);
    n = c < 1 ? 1 : c;
    return n;
}
