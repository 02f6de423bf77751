/* pool-global.c - the process-wide worker pool every workload shares:
 * created once by the CLI (tb_bench_pool_init) with --threads workers,
 * pinned one per allowed CPU, or left on the process's whole affinity mask
 * with pin = 0 (--no-pin; tests/unit/test-pool-pin.c checks both). */
#include "tb-bench.h"

static tb_pool *g_pool;

int tb_bench_pool_init(int max_threads, int pin)
{
    if (g_pool)
        return 0;
    tb_bench_cpus_available(); /* counted before pinning narrows the caller's mask */
    return tb_pool_create(max_threads, pin, &g_pool);
}

tb_pool *tb_bench_pool(void)
{
    if (!g_pool)
        tb_bench_pool_init(1, 0); /* lazily, for tests: no pinning side effects */
    return g_pool;
}

void tb_bench_pool_free(void)
{
    tb_pool_free(g_pool);
    g_pool = NULL;
}
