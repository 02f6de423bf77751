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

#include <stdatomic.h>

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

/* Work sharing (the GEMV and GEMM drivers): [0, total) handed out in increasing
 * order, a piece at a time, to whichever thread asks next, so a thread
 * slowed by its CPU (a hybrid part's E-core, a VM's steal time, a late
 * wake-up) takes less instead of holding up the call.  Guided
 * self-scheduling: each piece is 1/(2 * nthreads) of what is left, rounded
 * down to whole chunks, at least one chunk, so the first pieces are long
 * contiguous streams (like the static split) and only the tail is cut fine.
 * Bounds are multiples of `chunk` (except total).  Initialise before
 * tb_pool_run: the hand-off publishes it, relaxed atomics suffice.  With
 * nthreads <= 1 it hands out [0, total) whole: one stream, one call. */
typedef struct tb_pool_chunks {
    _Alignas(64) _Atomic long next; /* first unit not yet handed out */
    long total, chunk, parts;
} tb_pool_chunks;

/* chunk < 1 counts as 1, nthreads < 1 as 1. */
void tb_pool_chunks_init(tb_pool_chunks *c, long total, long chunk, int nthreads);
/* The next piece [*begin, *end): 1, or 0 when none is left. */
int tb_pool_chunks_next(tb_pool_chunks *c, long *begin, long *end);
/* The drivers' chunk (the smallest piece): the units (rows, panels,
 * tiles) of about TB_POOL_CHUNK_BYTES of weights, rounded down to a multiple
 * of `align` units, at least `align`; unit_bytes is one unit's weight bytes.
 * Not smaller: a piece's first lines miss the software prefetch, which runs
 * ahead within one thread's stream (16 KiB for the ternary GEMVs). */
#define TB_POOL_CHUNK_BYTES (256L * 1024)
long tb_pool_chunk_units(long unit_bytes, long align);

/* fn(arg, begin, end) over [0, total) on nthreads threads, the pieces shared
 * out by a tb_pool_chunks of `chunk` units (what the GEMV and GEMM drivers
 * run). */
typedef void (*tb_pool_range_fn)(void *arg, long begin, long end);
void tb_pool_run_shared(tb_pool *p, int nthreads, long total, long chunk, tb_pool_range_fn fn,
                        void *arg);

#endif
