/* pool-internal.h - test-only view into a tb_pool's workers: how often each
 * ran a job and slept, and where it was pinned.  Not for kernels or bench;
 * tests/unit/test-pool.c checks the wake protocol with it. */
#ifndef TB_POOL_INTERNAL_H
#define TB_POOL_INTERNAL_H

#include <stdint.h>
#include "tb-pool.h"

typedef struct tb_pool_stats {
    uint64_t jobs;   /* jobs this worker ran (it is woken for no other reason) */
    uint64_t sleeps; /* times it gave up spinning and slept on its futex */
    int cpu;         /* CPU it was pinned to, -1 when not pinned */
} tb_pool_stats;

/* Counters of worker tid (1..size-1; tid 0, the caller, has cpu only).
 * Read while the pool is idle (between tb_pool_run calls). */
void tb_pool_stats_get(const tb_pool *p, int tid, tb_pool_stats *out);

#endif
