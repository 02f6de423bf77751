/* test-pool-chunks.c - kernels/pool.c's work sharing (tb_pool_chunks): over
 * many jobs of 1..4 threads hammering one counter, every index of [0, total)
 * is handed out exactly once, pieces start on multiples of the chunk size
 * and end there or at total (also when total is not a multiple; total 0
 * hands out nothing), each thread's pieces come in increasing order, with
 * the guided sizes (checked from one thread sharing out for two: 1/4 of
 * what is left in whole chunks, at least one), and a job of one thread
 * gets [0, total) in one piece; tb_pool_chunk_units rounds to the
 * alignment; tb_pool_run_shared hands a range function every index once.
 * Run by the TSan pass (scripts/test.sh). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tb-pool.h"
#include "tb-test.h"

#define MAXT 4
#define MAXTOTAL 5000

typedef struct job {
    tb_pool_chunks chunks;
    _Atomic int hits[MAXTOTAL];
    _Atomic int bad_bounds;   /* pieces off the chunk grid, empty or past total */
    _Atomic int out_of_order; /* a thread got a piece below its previous one */
    _Atomic int bad_guided;   /* guided check: not contiguous or not the guided size */
    int guided_check;         /* one thread runs a counter set up for two */
    _Atomic int calls[MAXT];  /* pieces each thread took */
} job;

static void job_fn(void *arg, int tid, int nt)
{
    job *j = arg;
    long b, e, last = -1, last_end = 0, chunk = j->chunks.chunk, total = j->chunks.total;
    while (tb_pool_chunks_next(&j->chunks, &b, &e)) {
        if (b < 0 || b % chunk != 0 || (e % chunk != 0 && e != total) || b >= e || e > total)
            atomic_fetch_add(&j->bad_bounds, 1);
        else
            for (long i = b; i < e; i++)
                atomic_fetch_add_explicit(&j->hits[i], 1, memory_order_relaxed);
        if (b <= last)
            atomic_fetch_add(&j->out_of_order, 1);
        if (j->guided_check) {
            long size = (total - b) / 4 / chunk * chunk;
            size = size < chunk ? chunk : size;
            if (b != last_end || e != (total - b < size ? total : b + size))
                atomic_fetch_add(&j->bad_guided, 1);
        }
        last = b;
        last_end = e;
        atomic_fetch_add(&j->calls[tid], 1);
    }
    /* once empty, it stays empty */
    if (tb_pool_chunks_next(&j->chunks, &b, &e))
        atomic_fetch_add(&j->bad_bounds, 1);
}

static void test_exactly_once(tb_pool *p, job *j)
{
    static const long totals[] = {0, 1, 15, 16, 17, 1000, 4099, MAXTOTAL};
    static const long chunks[] = {0, 1, 16, 64, 256, 6000};
    /* run 0: one thread takes every piece of a counter set up for two, and
     * checks their sizes; runs 1..MAXT: that many threads */
    for (int run = 0; run <= MAXT; run++)
        for (size_t ti = 0; ti < sizeof totals / sizeof totals[0]; ti++)
            for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++)
                for (int rep = 0; rep < 20; rep++) {
                    const int nt = run ? run : 1;
                    memset(j, 0, sizeof *j);
                    tb_pool_chunks_init(&j->chunks, totals[ti], chunks[ci], run ? run : 2);
                    j->guided_check = run == 0;
                    tb_pool_run(p, nt, job_fn, j);
                    const long total = totals[ti], chunk = chunks[ci] < 1 ? 1 : chunks[ci];
                    int missed = 0, calls = 0;
                    for (long i = 0; i < MAXTOTAL; i++)
                        missed += atomic_load(&j->hits[i]) != (i < total);
                    for (int t = 0; t < MAXT; t++)
                        calls += atomic_load(&j->calls[t]);
                    CHECK(missed == 0);
                    CHECK(atomic_load(&j->bad_bounds) == 0);
                    CHECK(atomic_load(&j->out_of_order) == 0);
                    CHECK(atomic_load(&j->bad_guided) == 0);
                    CHECK(calls <= (total + chunk - 1) / chunk);
                    if (run == 1) /* one thread: one piece */
                        CHECK(calls == (total > 0));
                    else
                        CHECK((calls == 0) == (total == 0));
                }
}

/* tb_pool_run_shared: the range function sees every index once, on 1..MAXT
 * threads, and pieces on the chunk grid. */
typedef struct shared_hits {
    _Atomic int hits[MAXTOTAL];
    _Atomic int bad;
    long chunk, total;
} shared_hits;

static void shared_fn(void *arg, long b, long e)
{
    shared_hits *h = arg;
    if (b < 0 || b >= e || e > h->total || b % h->chunk != 0 ||
        (e % h->chunk != 0 && e != h->total))
        atomic_fetch_add(&h->bad, 1);
    else
        for (long i = b; i < e; i++)
            atomic_fetch_add_explicit(&h->hits[i], 1, memory_order_relaxed);
}

static void test_run_shared(tb_pool *p)
{
    static shared_hits h;
    for (int nt = 1; nt <= MAXT; nt++)
        for (long total = 0; total <= MAXTOTAL; total += 1237) {
            memset(&h, 0, sizeof h);
            h.chunk = 16;
            h.total = total;
            tb_pool_run_shared(p, nt, total, 16, shared_fn, &h);
            int missed = 0;
            for (long i = 0; i < MAXTOTAL; i++)
                missed += atomic_load(&h.hits[i]) != (i < total);
            CHECK(missed == 0);
            CHECK(atomic_load(&h.bad) == 0);
        }
}

static void test_units(void)
{
    CHECK(tb_pool_chunk_units(1024, 16) == TB_POOL_CHUNK_BYTES / 1024);
    CHECK(tb_pool_chunk_units(1000, 16) % 16 == 0);
    CHECK(tb_pool_chunk_units(1000, 16) * 1000 <= TB_POOL_CHUNK_BYTES);
    CHECK((tb_pool_chunk_units(1000, 16) + 16) * 1000 > TB_POOL_CHUNK_BYTES);
    CHECK(tb_pool_chunk_units(TB_POOL_CHUNK_BYTES * 8, 4) == 4); /* at least one alignment */
    CHECK(tb_pool_chunk_units(TB_POOL_CHUNK_BYTES, 1) == 1);
    CHECK(tb_pool_chunk_units(0, 16) == 16);
    CHECK(tb_pool_chunk_units(100, 0) == TB_POOL_CHUNK_BYTES / 100);
}

int main(void)
{
    tb_pool *p = NULL;
    job *j = malloc(sizeof *j);
    if (!j || tb_pool_create(MAXT, 0, &p) != 0) {
        fprintf(stderr, "cannot create a pool of %d threads\n", MAXT);
        return 1;
    }
    test_exactly_once(p, j);
    test_run_shared(p);
    test_units();
    tb_pool_free(p);
    free(j);
    TEST_DONE();
}
