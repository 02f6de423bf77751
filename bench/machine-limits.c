/* machine-limits.c - the machine facts case lists size themselves by: the
 * last-level cache (cold copies, bandwidth ladder) and the memory a group
 * of cold cases may take.  Probed once per process. */
#include "tb-bench.h"
#include "tb-machine.h"

#include <stdio.h>
#include <string.h>

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
    double avail = 0;
    FILE *f = fopen("/proc/meminfo", "re");
    if (f) {
        char line[128];
        long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
                avail = (double)kb * 1024;
        fclose(f);
    }
    if (avail <= 0) {
        tb_machine m;
        tb_machine_probe(&m);
        avail = m.mem_bytes > 0 ? (double)m.mem_bytes : 4.0 * (1 << 30);
    }
    budget = avail / 2;
    return budget;
}
