/* tb-pool.h - persistent worker pool shared by all kernels and probes.
 * Threads are created once (tb_pool_create) and reused for every call;
 * the calling thread takes part as worker 0.  Workers spin briefly after a
 * job, then sleep on a condition variable, so an idle pool costs no CPU.
 * One job at a time: tb_pool_run() must not be called concurrently. */
#ifndef TB_POOL_H
#define TB_POOL_H

typedef struct tb_pool tb_pool;

/* fn(arg, tid, nthreads) runs once for each tid in [0, nthreads). */
typedef void (*tb_pool_fn)(void *arg, int tid, int nthreads);

/* Create a pool able to run `size` threads (size-1 workers + caller).
 * pin != 0 pins worker i to CPU i (caller untouched).  0 or -errno. */
int tb_pool_create(int size, int pin, tb_pool **out);
void tb_pool_free(tb_pool *p);
int tb_pool_size(const tb_pool *p);
/* Run fn on nthreads threads (1..size) and return when all are done. */
void tb_pool_run(tb_pool *p, int nthreads, tb_pool_fn fn, void *arg);
/* Split [0, total) into nthreads ranges whose bounds are multiples of
 * `align` (except the end), so threads never share output cache lines. */
void tb_pool_split(long total, long align, int tid, int nthreads, long *begin, long *end);

#endif
