/* time-gemv.c - interleaved A/B timing of GEMV (n = 1) variants by name:
 * each round runs every variant once (rotating the order) over C identical
 * copies of its prepared matrix (C = 1: the same copy each time, cache-hot
 * when it fits; C copies beyond the LLC: streamed from memory), and prints
 * each variant's median and best GB/s of packed weights.  With small
 * L2-resident matrices it gives a variant's compute ceiling next to another.
 * NOT a ctest and not a benchmark of record (tritbench run does those): it
 * gives the side-by-side ratios quoted in kernels/README.md.
 * Build: cmake --build build --target time-gemv
 * Usage: time-gemv ROWS COLS THREADS COPIES ROUNDS VARIANT... */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tb-kernel.h"
#include "tb-pool.h"

#define MAX_VARIANTS 8

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long arg_long(const char *s, const char *name, long lo, long hi)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "time-gemv: %s '%s': want an integer in [%ld, %ld]\n", name, s, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 7 || argc - 6 > MAX_VARIANTS) {
        fprintf(stderr, "usage: time-gemv ROWS COLS THREADS COPIES ROUNDS VARIANT... (1 to %d)\n",
                MAX_VARIANTS);
        return 2;
    }
    const int64_t rows = arg_long(argv[1], "ROWS", 1, 1L << 20);
    const int64_t cols = arg_long(argv[2], "COLS", 1, 1L << 18);
    const int nt = (int)arg_long(argv[3], "THREADS", 1, 256);
    const int copies = (int)arg_long(argv[4], "COPIES", 1, 4096);
    const int rounds = (int)arg_long(argv[5], "ROUNDS", 1, 100000);
    const int nv = argc - 6;
    const tb_kernel *k[MAX_VARIANTS];
    for (int v = 0; v < nv; v++) {
        k[v] = tb_kernel_find(argv[6 + v]);
        if (!k[v] || k[v]->gpu) {
            fprintf(stderr, "time-gemv: VARIANT '%s': no such CPU variant\n", argv[6 + v]);
            return 2;
        }
    }
    float *w = malloc((size_t)(rows * cols) * sizeof *w), *x = malloc((size_t)cols * sizeof *x);
    float *y = malloc((size_t)rows * sizeof *y);
    tb_kmat **m = calloc((size_t)(nv * copies), sizeof *m);
    double *t = malloc((size_t)(nv * rounds) * sizeof *t);
    tb_pool *pool = NULL;
    if (!w || !x || !y || !m || !t || tb_pool_create(nt, 1, &pool) != 0) {
        fprintf(stderr, "time-gemv: out of memory or no pool of %d threads\n", nt);
        return 1;
    }
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (int64_t i = 0; i < rows * cols; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        w[i] = (float)((int64_t)(s >> 40) - (1 << 23)) / (float)(1 << 23);
    }
    for (int64_t i = 0; i < cols; i++)
        x[i] = w[i % (rows * cols)] * 3.0f;
    size_t sbytes = 64;
    for (int v = 0; v < nv; v++) {
        if (k[v]->prepare(w, rows, cols, &m[v * copies]) != 0) {
            fprintf(stderr, "time-gemv: %s: prepare failed for %lldx%lld\n", k[v]->name,
                    (long long)rows, (long long)cols);
            return 1;
        }
        for (int c = 1; c < copies; c++)
            if (k[v]->clone(m[v * copies], &m[v * copies + c]) != 0) {
                fprintf(stderr, "time-gemv: %s: out of memory for %d copies\n", k[v]->name,
                        copies);
                return 1;
            }
        size_t b = k[v]->scratch_bytes ? k[v]->scratch_bytes(m[v * copies], 1) : 0;
        if (b > sbytes)
            sbytes = b;
    }
    void *scratch = aligned_alloc(64, (sbytes + 63) / 64 * 64);
    if (!scratch) {
        fprintf(stderr, "time-gemv: out of memory for scratch\n");
        return 1;
    }
    for (int v = 0; v < nv; v++) /* warm-up: one pass over the copies */
        for (int c = 0; c < copies; c++)
            k[v]->run(m[v * copies + c], x, 1, y, scratch, pool, nt);
    for (int r = 0; r < rounds; r++)
        for (int i = 0; i < nv; i++) {
            int v = (i + r) % nv;
            double t0 = now_s();
            for (int c = 0; c < copies; c++)
                k[v]->run(m[v * copies + c], x, 1, y, scratch, pool, nt);
            t[v * rounds + r] = (now_s() - t0) / copies;
        }
    printf("%lldx%lld n=1, %d thread(s), %d cop%s, %d interleaved rounds\n", (long long)rows,
           (long long)cols, nt, copies, copies == 1 ? "y" : "ies", rounds);
    for (int v = 0; v < nv; v++) {
        double *tv = t + v * rounds;
        qsort(tv, (size_t)rounds, sizeof *tv, cmp_double);
        double gb = (double)k[v]->bytes(m[v * copies], NULL, NULL) / 1e9;
        printf("  %-18s median %10.1f us  %7.2f GB/s   best %7.2f GB/s\n", k[v]->name,
               tv[rounds / 2] * 1e6, gb / tv[rounds / 2], gb / tv[0]);
    }
    for (int i = 0; i < nv * copies; i++)
        if (m[i])
            k[i / copies]->free(m[i]);
    tb_pool_free(pool);
    free(scratch);
    free(t);
    free(m);
    free(y);
    free(x);
    free(w);
    return 0;
}
