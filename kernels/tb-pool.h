/* tb-pool.h - persistent worker pool shared by all kernels and probes.
 * Threads are created once (tb_pool_create) and reused for every call;
 * the calling thread takes part as worker 0.  A job of nthreads wakes only
 * workers 1..nthreads-1; the others stay asleep.  After a job a worker
 * spins for a short, clock-bounded time (~100 us) and then sleeps on a
 * futex, so an idle pool costs no CPU.
 * One job at a time: tb_pool_run() must not be called concurrently; the
 * thread calling it acts as worker 0 (pinned only if it created the pool). */
#ifndef TB_POOL_H
#define TB_POOL_H

typedef struct tb_pool tb_pool;

/* fn(arg, tid, nthreads) runs once for each tid in [0, nthreads). */
typedef void (*tb_pool_fn)(void *arg, int tid, int nthreads);

/* Create a pool able to run `size` threads (size-1 workers + caller).
 * pin != 0 pins thread i (the caller is 0) to the i-th CPU of the calling
 * thread's affinity mask (sched_getaffinity), not to CPU i; a pin that
 * fails is recorded (tb_pool_pin_error), not fatal.  The caller's former
 * affinity is restored by tb_pool_free.  0 or -errno. */
int tb_pool_create(int size, int pin, tb_pool **out);
void tb_pool_free(tb_pool *p);
int tb_pool_size(const tb_pool *p);
/* NULL when pinning was not asked for or every pin succeeded; otherwise a
 * one-line reason for the first failure, e.g.
 * "worker 3: CPU 5 not allowed: EINVAL".  Valid until tb_pool_free. */
const char *tb_pool_pin_error(const tb_pool *p);
/* Run fn on nthreads threads (1..size) and return when all are done. */
void tb_pool_run(tb_pool *p, int nthreads, tb_pool_fn fn, void *arg);
/* Split [0, total) into nthreads ranges whose bounds are multiples of
 * `align` (except the end), so threads never share output cache lines. */
void tb_pool_split(long total, long align, int tid, int nthreads, long *begin, long *end);

#endif
