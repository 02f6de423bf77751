/* pool.c - persistent thread pool (see tb-pool.h).
 *
 * Hand-off: each worker owns a futex word `seq` in its own cache line.  A
 * job of nthreads writes the job, then stores a new sequence number into the
 * words of workers 1..nthreads-1 only, and wakes those of them that sleep.
 * A worker spins on its word for SPIN_NS of clock time after its last job,
 * then sleeps on it (futex), so an idle pool costs no CPU and a small job
 * never disturbs the workers it does not use.
 * Completion: an atomic countdown `pending`; the caller spins on it for up
 * to WAIT_SPIN_NS (it is inside the timed region, so waking it costs
 * accuracy), then sleeps on it and the last worker wakes it.
 * Memory order: job fields are published by the release store of `seq` and
 * read after the worker's acquire load; workers' results are published by
 * the release decrement of `pending`.  Sleep/wake use a `sleeping` flag and
 * seq_cst accesses on both sides (a store then a load each), so either the
 * sleeper sees the new value or the waker sees the flag.
 * Work sharing (tb_pool_chunks): one counter in its own cache line, each
 * piece claimed by a relaxed compare-and-swap. */
#define _GNU_SOURCE
#include "tb-pool.h"
#include "pool-internal.h"
#include "cpu-arch.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Idle spin after a job: long enough to bridge back-to-back jobs (the
 * hand-off of the next job costs no syscall), short enough that an idle
 * pool is asleep within a fraction of a millisecond. */
#define SPIN_NS 100000
/* Caller's spin while waiting for the workers before it sleeps: a sleeping
 * caller adds a wake-up (~10-50 us in a VM) to the measured time, which is
 * <= a few % of any job that lasts this long. */
#define WAIT_SPIN_NS 1000000
#define CLOCK_EVERY 64 /* pause instructions between clock reads */

typedef struct worker {
    _Alignas(64) _Atomic uint32_t seq; /* futex word: last job sequence sent */
    _Atomic int sleeping;              /* 1 while in (or about to enter) futex wait */
    _Atomic uint64_t jobs, sleeps;     /* test counters (pool-internal.h) */
    int cpu;                           /* pinned CPU or -1 */
    pthread_t thread;
    int started;
    tb_pool *pool;
    int tid;
} worker;

struct tb_pool {
    int size;
    worker *w;                /* size entries; w[0] is the caller (cpu only) */
    /* the current job, written by the caller before the seq stores */
    tb_pool_fn fn;
    void *arg;
    int nthreads;
    uint32_t gen;             /* sequence number of the last job */
    _Atomic int quit;
    _Alignas(64) _Atomic uint32_t pending; /* futex word: workers still running */
    _Atomic int caller_sleeping;
    /* pinning */
    char pin_error[128];
    int restore_caller;
    pthread_t creator;
    cpu_set_t caller_mask;
};

static inline void cpu_relax(void) { tb_cpu_relax(); }

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t val)
{
    /* returns at once (EAGAIN) if *word != val: no lost wake-up */
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Wait until (*word == val) == until_equal: spin for up to spin_ns of
 * clock time, then sleep on the futex.  Returns the value that ended the
 * wait (loaded with acquire or stronger). */
static uint32_t wait_word(_Atomic uint32_t *word, uint32_t val, int until_equal,
                          _Atomic int *sleeping, uint64_t spin_ns, _Atomic uint64_t *sleeps)
{
    uint32_t v;
    uint64_t t0 = 0;
    for (unsigned i = 1;; i++) {
        v = atomic_load_explicit(word, memory_order_acquire);
        if ((v == val) == until_equal)
            return v;
        cpu_relax();
        if (i % CLOCK_EVERY == 0) {
            uint64_t t = now_ns();
            if (!t0)
                t0 = t;
            else if (t - t0 >= spin_ns)
                break;
        }
    }
    if (sleeps)
        atomic_fetch_add_explicit(sleeps, 1, memory_order_relaxed);
    for (;;) {
        atomic_store(sleeping, 1); /* seq_cst: pairs with the waker's store-then-load */
        v = atomic_load(word);
        if ((v == val) == until_equal)
            break;
        futex_wait(word, v);
    }
    atomic_store_explicit(sleeping, 0, memory_order_relaxed);
    return v;
}

static void *worker_main(void *v)
{
    worker *w = v;
    tb_pool *p = w->pool;
    uint32_t seen = 0;
    for (;;) {
        seen = wait_word(&w->seq, seen, 0, &w->sleeping, SPIN_NS, &w->sleeps);
        if (atomic_load_explicit(&p->quit, memory_order_acquire))
            return NULL;
        p->fn(p->arg, w->tid, p->nthreads);
        atomic_fetch_add_explicit(&w->jobs, 1, memory_order_relaxed);
        if (atomic_fetch_sub(&p->pending, 1) == 1 && atomic_load(&p->caller_sleeping))
            futex_wake(&p->pending);
    }
}

static const char *errno_name(int e)
{
    switch (e) {
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case EFAULT: return "EFAULT";
    default: return strerror(e);
    }
}

/* The i-th CPU of mask, or -1 when it has fewer than i+1. */
static int nth_cpu(const cpu_set_t *mask, int i)
{
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, mask) && i-- == 0)
            return c;
    return -1;
}

static void pin_thread(tb_pool *p, const cpu_set_t *allowed, int tid, pthread_t t)
{
    int cpu = nth_cpu(allowed, tid), rc = 0;
    if (cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        rc = pthread_setaffinity_np(t, sizeof one, &one);
        if (!rc) {
            p->w[tid].cpu = cpu;
            return;
        }
    }
    if (p->pin_error[0])
        return; /* the first failure is the one reported */
    if (cpu < 0)
        snprintf(p->pin_error, sizeof p->pin_error, "worker %d: not pinned, only %d CPUs in the affinity mask",
                 tid, CPU_COUNT(allowed));
    else
        snprintf(p->pin_error, sizeof p->pin_error, "worker %d: CPU %d not allowed: %s", tid, cpu,
                 errno_name(rc));
}

int tb_pool_create(int size, int pin, tb_pool **out)
{
    if (size < 1)
        return -EINVAL;
    tb_pool *p = aligned_alloc(64, (sizeof *p + 63) & ~(size_t)63); /* `pending` is 64-aligned */
    if (!p)
        return -ENOMEM;
    memset(p, 0, sizeof *p);
    int rc = -ENOMEM;
    size_t bytes = ((size_t)size * sizeof(worker) + 63) & ~(size_t)63;
    p->w = aligned_alloc(64, bytes);
    if (!p->w)
        goto fail;
    memset(p->w, 0, bytes);
    p->size = size;
    for (int i = 0; i < size; i++) {
        p->w[i].pool = p;
        p->w[i].tid = i;
        p->w[i].cpu = -1;
    }
    cpu_set_t allowed;
    if (pin && sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
        snprintf(p->pin_error, sizeof p->pin_error, "sched_getaffinity: %s", errno_name(errno));
        pin = 0;
    }
    for (int i = 1; i < size; i++) {
        int e = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);
        if (e) {
            rc = -e;
            goto fail;
        }
        p->w[i].started = 1;
        if (pin)
            pin_thread(p, &allowed, i, p->w[i].thread);
    }
    if (pin) {
        p->creator = pthread_self();
        p->caller_mask = allowed;
        p->restore_caller = 1;
        pin_thread(p, &allowed, 0, p->creator);
    }
    *out = p;
    return 0;
fail:
    tb_pool_free(p);
    return rc;
}

void tb_pool_free(tb_pool *p)
{
    if (!p)
        return;
    if (p->w) {
        atomic_store(&p->quit, 1);
        for (int i = 1; i < p->size; i++) {
            if (!p->w[i].started)
                continue;
            /* any value but the one the worker has seen (its last seq) */
            atomic_store(&p->w[i].seq, atomic_load(&p->w[i].seq) + 1);
            futex_wake(&p->w[i].seq);
            pthread_join(p->w[i].thread, NULL);
        }
    }
    if (p->restore_caller && pthread_equal(p->creator, pthread_self()))
        pthread_setaffinity_np(p->creator, sizeof p->caller_mask, &p->caller_mask);
    free(p->w);
    free(p);
}

int tb_pool_size(const tb_pool *p) { return p ? p->size : 1; }

const char *tb_pool_pin_error(const tb_pool *p) { return p && p->pin_error[0] ? p->pin_error : NULL; }

void tb_pool_run(tb_pool *p, int nthreads, tb_pool_fn fn, void *arg)
{
    if (!p || nthreads <= 1 || p->size <= 1) {
        fn(arg, 0, 1);
        return;
    }
    if (nthreads > p->size)
        nthreads = p->size;
    p->fn = fn;
    p->arg = arg;
    p->nthreads = nthreads;
    uint32_t g = ++p->gen;
    if (g == 0) /* 0 is every worker's initial `seen`: skip it on wrap */
        g = ++p->gen;
    atomic_store_explicit(&p->pending, (uint32_t)(nthreads - 1), memory_order_relaxed);
    for (int i = 1; i < nthreads; i++) {
        worker *w = &p->w[i];
        atomic_store(&w->seq, g); /* seq_cst, release of the job fields */
        if (atomic_load(&w->sleeping))
            futex_wake(&w->seq);
    }
    fn(arg, 0, nthreads);
    wait_word(&p->pending, 0, 1, &p->caller_sleeping, WAIT_SPIN_NS, NULL);
}

void tb_pool_stats_get(const tb_pool *p, int tid, tb_pool_stats *out)
{
    memset(out, 0, sizeof *out);
    out->cpu = -1;
    if (!p || tid < 0 || tid >= p->size)
        return;
    const worker *w = &p->w[tid];
    out->jobs = atomic_load_explicit(&w->jobs, memory_order_relaxed);
    out->sleeps = atomic_load_explicit(&w->sleeps, memory_order_relaxed);
    out->cpu = w->cpu;
}

void tb_pool_split(long total, long align, int tid, int nthreads, long *begin, long *end)
{
    if (align < 1)
        align = 1;
    long blocks = (total + align - 1) / align;
    long per = blocks / nthreads, rem = blocks % nthreads;
    long b0 = tid * per + (tid < rem ? tid : rem);
    long b1 = b0 + per + (tid < rem ? 1 : 0);
    *begin = b0 * align < total ? b0 * align : total;
    *end = b1 * align < total ? b1 * align : total;
}

void tb_pool_chunks_init(tb_pool_chunks *c, long total, long chunk, int nthreads)
{
    c->total = total > 0 ? total : 0;
    c->chunk = chunk > 0 ? chunk : 1;
    if (nthreads <= 1 && c->total > c->chunk) /* one thread: one piece, as the static split */
        c->chunk = c->total;
    c->parts = 2L * (nthreads > 1 ? nthreads : 1);
    atomic_store_explicit(&c->next, 0, memory_order_relaxed);
}

int tb_pool_chunks_next(tb_pool_chunks *c, long *begin, long *end)
{
    long b = atomic_load_explicit(&c->next, memory_order_relaxed), size;
    do {
        if (b >= c->total)
            return 0;
        /* 1/parts of what is left, in whole chunks, at least one */
        size = (c->total - b) / c->parts / c->chunk * c->chunk;
        if (size < c->chunk)
            size = c->chunk;
    } while (!atomic_compare_exchange_weak_explicit(&c->next, &b, b + size, memory_order_relaxed,
                                                    memory_order_relaxed));
    *begin = b;
    *end = c->total - b < size ? c->total : b + size;
    return 1;
}

long tb_pool_chunk_units(long unit_bytes, long align)
{
    if (align < 1)
        align = 1;
    long units = unit_bytes > 0 ? TB_POOL_CHUNK_BYTES / unit_bytes : align;
    units = units / align * align;
    return units > 0 ? units : align;
}

typedef struct shared_job {
    tb_pool_chunks chunks;
    tb_pool_range_fn fn;
    void *arg;
} shared_job;

static void shared_worker(void *arg, int tid, int nthreads)
{
    (void)tid;
    (void)nthreads;
    shared_job *j = arg;
    long b, e;
    while (tb_pool_chunks_next(&j->chunks, &b, &e))
        j->fn(j->arg, b, e);
}

void tb_pool_run_shared(tb_pool *p, int nthreads, long total, long chunk, tb_pool_range_fn fn,
                        void *arg)
{
    shared_job j = {.fn = fn, .arg = arg};
    tb_pool_chunks_init(&j.chunks, total, chunk, nthreads);
    tb_pool_run(p, nthreads, shared_worker, &j);
}
