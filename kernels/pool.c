/* pool.c - persistent thread pool (see tb-pool.h).  Job hand-off is a
 * generation counter: workers spin on it for a short while, then sleep on
 * a condition variable; completion is an atomic countdown the caller spins on. */
#define _GNU_SOURCE
#include "tb-pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SPIN_ROUNDS 200000

struct tb_pool {
    int size;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    _Atomic unsigned long gen;  /* bumped once per job */
    _Atomic int pending;        /* workers still running the current job */
    _Atomic int sleepers;
    int quit;
    tb_pool_fn fn;
    void *arg;
    int nthreads;
};

struct worker_arg { tb_pool *p; int tid; int pin; };

static inline void cpu_relax(void) { __builtin_ia32_pause(); }

static void *worker(void *v)
{
    struct worker_arg wa = *(struct worker_arg *)v;
    free(v);
    tb_pool *p = wa.p;
    if (wa.pin) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(wa.tid, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    unsigned long seen = 0;
    for (;;) {
        unsigned long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
            if (++spins < SPIN_ROUNDS) {
                cpu_relax();
                continue;
            }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleepers, 1);
            while (atomic_load(&p->gen) == seen && !p->quit)
                pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleepers, 1);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        seen = g;
        if (p->quit)
            return NULL;
        if (wa.tid < p->nthreads)
            p->fn(p->arg, wa.tid, p->nthreads);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

int tb_pool_create(int size, int pin, tb_pool **out)
{
    if (size < 1)
        return -EINVAL;
    tb_pool *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->size = size;
    p->threads = calloc((size_t)size, sizeof *p->threads);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!p->threads)
        goto fail;
    for (int i = 1; i < size; i++) {
        struct worker_arg *wa = malloc(sizeof *wa);
        if (!wa)
            goto fail;
        *wa = (struct worker_arg){p, i, pin};
        if (pthread_create(&p->threads[i], NULL, worker, wa) != 0) {
            free(wa);
            p->size = i;
            goto fail;
        }
    }
    *out = p;
    return 0;
fail:
    tb_pool_free(p);
    return -ENOMEM;
}

void tb_pool_free(tb_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    atomic_fetch_add(&p->gen, 1);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->size; i++)
        if (p->threads && p->threads[i])
            pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}

int tb_pool_size(const tb_pool *p) { return p ? p->size : 1; }

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
    atomic_store(&p->pending, p->size - 1);
    atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
    if (atomic_load(&p->sleepers) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0, nthreads);
    while (atomic_load_explicit(&p->pending, memory_order_acquire) > 0)
        cpu_relax();
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
