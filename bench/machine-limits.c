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

/* The machine's description, probed once. */
static const tb_machine *machine(void)
{
    static tb_machine m;
    static int probed;
    if (!probed) {
        tb_machine_probe(&m);
        probed = 1;
    }
    return &m;
}

double tb_bench_llc_bytes(void)
{
    const tb_machine *m = machine();
    return m->l3 > 0 ? (double)m->l3 : m->l2 > 0 ? (double)m->l2 : 0;
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

double tb_bench_mem_available_bytes(void)
{
    static double avail = -1;
    if (avail >= 0)
        return avail;
    int64_t a = 0;
    if (tb_plat_meminfo("MemAvailable", &a) < 0 || a <= 0)
        a = (int64_t)tb_bench_mem_total_bytes();
    avail = a > 0 ? (double)a : 0;
    return avail;
}

double tb_bench_mem_total_bytes(void)
{
    const tb_machine *m = machine();
    return m->mem_bytes > 0 ? (double)m->mem_bytes : 0;
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
