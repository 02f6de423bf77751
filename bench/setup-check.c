/* setup-check.c - the checks every workload's setup makes before it
 * allocates: the bytes a case needs against the machine's memory (a need
 * larger than the machine is does_not_fit, decided here before any malloc;
 * a malloc that fails later is an error, not does_not_fit), and the
 * oversubscribed flag of a pool with more threads than CPUs. */
#include "tb-bench.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void tb_setup_flag(tb_setup_info *info, const char *flag, const char *reason)
{
    size_t o = strlen(info->flags);
    snprintf(info->flags + o, sizeof info->flags - o, "%s%s", o ? "," : "", flag);
    o = strlen(info->flags_reason);
    snprintf(info->flags_reason + o, sizeof info->flags_reason - o, "%s%s", o ? "; " : "", reason);
}

static void mib(double b, char *buf, size_t len)
{
    if (b >= 1024.0 * 1048576)
        snprintf(buf, len, "%.1f GiB", b / (1024.0 * 1048576));
    else
        snprintf(buf, len, "%.0f MiB", b / 1048576);
}

int tb_bench_setup_check(const tb_case *c, double need_bytes, const char *what, tb_setup_info *info)
{
    int pool = tb_pool_size(tb_bench_pool()), cpus = tb_bench_cpus_available();
    if (pool > cpus) {
        char why[160];
        snprintf(why, sizeof why, "--oversubscribe: the pool has %d threads on %d CPUs (this case runs %d)", pool,
                 cpus, c->threads);
        tb_setup_flag(info, "oversubscribed", why);
    }
    double total = tb_bench_mem_total_bytes();
    if (total > 0 && need_bytes > total) {
        char need[32], have[32];
        mib(need_bytes, need, sizeof need);
        mib(total, have, sizeof have);
        snprintf(info->why, sizeof info->why, "needs %s (%s), more than this machine's %s of memory", need, what,
                 have);
        return -E2BIG;
    }
    return 0;
}
