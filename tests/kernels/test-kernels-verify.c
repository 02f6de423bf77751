/* test-kernels-verify.c - every registered kernel variant usable on this CPU
 * (all formats, ternary included: the registry is iterated, nothing is
 * named) against its reference variant on seeded data, over awkward shapes
 * (rows, cols in {1,3,7,...,257} plus K-blocking shapes, n in
 * {1,2,5,17,64}, 1 and 2 threads): bit-exact (memcmp) where max_nmse == 0,
 * else NMSE <= max_nmse.  Each reference is in turn checked against the
 * exact fp64 product within a per-format quantization bound, so a broken
 * reference cannot pass.  Also checks that run() writes every output and
 * nothing past y.
 * With an argument (an ISA file suffix, e.g. "avxvnni", "neon") only the
 * variants built from files of that suffix are checked, and the test exits
 * 77 (skipped) when this CPU can run none of them: ctest runs it so for
 * AVX-VNNI, so a CPU without it reports a skip, not a silent pass, and
 * scripts/test-arm64.sh for "neon" and "neondot" under a qemu CPU model
 * without dotprod.
 *
 * Error measure: sum (y - yref)^2 / sum_{r,j,c} (W[r][c] x[j][c])^2, i.e.
 * NMSE normalised by the products' energy (equal to E[sum y^2] for
 * independent zero-mean data, but immune to a tiny output that cancels). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tb-kernel.h"
#include "tb-pool.h"

static int failures;

/* ---- seeded data (splitmix64 + Irwin-Hall, roughly N(0,1)) ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static float rng_normal(uint64_t *s)
{
    uint64_t r = rng_next(s);
    double sum = 0;
    for (int i = 0; i < 4; i++)
        sum += (double)((r >> (16 * i)) & 0xffff) / 65536.0;
    return (float)((sum - 2.0) * 1.7320508075688772); /* var(sum of 4 U) = 1/3 */
}

/* ---- per-format bound of the reference vs the exact product ---- */

static double ref_bound(const tb_kernel *ref, int *sign_weights)
{
    *sign_weights = 0;
    if (!strcmp(ref->format, "fp16"))
        return 1e-6; /* weights rounded to 11 bits: ~ 2^-22 / 3 */
    if (!strcmp(ref->format, "bf16"))
        return 1e-4; /* weights and activations rounded to 8 bits: ~ 2 * 2^-16 / 3 */
    if (!strcmp(ref->format, "int8"))
        return 1e-3; /* two absmax/127 roundings: ~ 2 * (3/127)^2 / 12 */
    /* Any other format (ternary): weights +-1 are exactly representable
     * by any absmean/absmax ternary recipe, so only the activation side
     * errs: int8 absmax ~ (3/127)^2 / 12, float ~ 0.  (Variants are
     * compared with their reference on weights with zeros too.) */
    *sign_weights = 1;
    return ref->act == TB_ACT_I8 ? 1e-3 : 1e-6;
}

typedef struct shape {
    int64_t rows, cols, n;
    int threads;
} shape;

static double err_energy(const float *a, const float *b, size_t len)
{
    double e = 0;
    for (size_t i = 0; i < len; i++) {
        double d = (double)a[i] - (double)b[i];
        e += d * d;
    }
    return e;
}

static void fail(const tb_kernel *k, const shape *s, const char *what)
{
    fprintf(stderr, "FAIL %s rows=%lld cols=%lld n=%lld threads=%d: %s\n", k->name,
            (long long)s->rows, (long long)s->cols, (long long)s->n, s->threads, what);
    failures++;
}

/* Prepare k on w and run it on x into a fresh y with a canary tail.
 * Returns y (caller frees) or NULL after reporting a failure. */
static float *run_variant(const tb_kernel *k, const shape *s, const float *w, const float *x,
                          tb_pool *pool)
{
    char msg[200];
    tb_kmat *m = NULL;
    int rc = k->prepare(w, s->rows, s->cols, &m);
    if (rc) {
        snprintf(msg, sizeof msg, "prepare returned %d", rc);
        fail(k, s, msg);
        return NULL;
    }
    size_t ylen = (size_t)(s->rows * s->n);
    size_t sb = k->scratch_bytes(m, s->n);
    void *scratch = sb ? aligned_alloc(64, (sb + 63) & ~(size_t)63) : NULL;
    float *y = malloc(ylen * sizeof *y + 64);
    if ((sb && !scratch) || !y) {
        fail(k, s, "out of memory");
        free(scratch);
        free(y);
        k->free(m);
        return NULL;
    }
    memset(y, 0xff, ylen * sizeof *y + 64); /* NaN everywhere: unwritten outputs show */
    k->run(m, x, s->n, y, scratch, pool, s->threads);
    const unsigned char *tail = (const unsigned char *)(y + ylen);
    for (int i = 0; i < 64; i++)
        if (tail[i] != 0xff) {
            fail(k, s, "run() wrote past the end of y");
            break;
        }
    for (size_t i = 0; i < ylen; i++)
        if (isnan(y[i])) {
            snprintf(msg, sizeof msg, "output %zu (token %zu, row %zu) not written or NaN", i,
                     i / (size_t)s->rows, i % (size_t)s->rows);
            fail(k, s, msg);
            break;
        }
    free(scratch);
    k->free(m);
    return y;
}

static void check_shape(const tb_kernel *k, const tb_kernel *ref, const shape *s, uint64_t seed,
                        tb_pool *pool)
{
    char msg[200];
    int sign_w;
    const double rbound = ref_bound(ref, &sign_w);
    size_t wl = (size_t)(s->rows * s->cols), xl = (size_t)(s->n * s->cols),
           yl = (size_t)(s->rows * s->n);
    float *w = malloc(wl * sizeof *w), *x = malloc(xl * sizeof *x);
    double *exact = malloc(yl * sizeof *exact);
    if (!w || !x || !exact) {
        fail(k, s, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < wl; i++) {
        float v = rng_normal(&seed);
        /* a ternary reference against fp64: +-1 only (exact); a variant
         * against its reference: -1, 0, +1 about a third each, so every
         * code (0, 1, 2 and their decoding) is exercised */
        w[i] = !sign_w ? v * 0.02f
               : k == ref ? (v < 0 ? -1.0f : 1.0f)
                          : (v < -0.43f ? -1.0f : v > 0.43f ? 1.0f : 0.0f);
    }
    for (size_t i = 0; i < xl; i++)
        x[i] = rng_normal(&seed);

    /* the fp64 product and the energy: for the reference (vs exact) and for
     * NMSE variants; a bit-exact comparison needs neither (and under qemu
     * this triple loop was most of the test's time) */
    const int need_exact = k == ref || k->max_nmse != 0;
    double energy = 0;
    for (int64_t j = 0; need_exact && j < s->n; j++)
        for (int64_t r = 0; r < s->rows; r++) {
            double acc = 0;
            for (int64_t c = 0; c < s->cols; c++) {
                double p = (double)w[r * s->cols + c] * (double)x[j * s->cols + c];
                acc += p;
                energy += p * p;
            }
            exact[j * s->rows + r] = acc;
        }
    if (energy == 0)
        energy = 1;

    float *yr = run_variant(ref, s, w, x, pool);
    if (!yr)
        goto done;
    if (k == ref) {
        double e = 0;
        for (size_t i = 0; i < yl; i++)
            e += ((double)yr[i] - exact[i]) * ((double)yr[i] - exact[i]);
        if (!(e / energy <= rbound)) {
            snprintf(msg, sizeof msg, "reference vs exact fp64 product: NMSE %.3g > %.3g",
                     e / energy, rbound);
            fail(k, s, msg);
        }
    } else {
        float *y = run_variant(k, s, w, x, pool);
        if (y) {
            if (k->max_nmse == 0) {
                if (memcmp(y, yr, yl * sizeof *y)) {
                    size_t i = 0;
                    while (i < yl && !memcmp(&y[i], &yr[i], sizeof *y))
                        i++;
                    snprintf(msg, sizeof msg,
                             "not bit-exact vs %s: first difference at token %zu row %zu: "
                             "%.9g vs %.9g",
                             ref->name, i / (size_t)s->rows, i % (size_t)s->rows, y[i], yr[i]);
                    fail(k, s, msg);
                }
            } else {
                double nm = err_energy(y, yr, yl) / energy;
                if (!(nm <= k->max_nmse)) {
                    snprintf(msg, sizeof msg, "NMSE vs %s %.3g > bound %.3g", ref->name, nm,
                             k->max_nmse);
                    fail(k, s, msg);
                }
            }
            free(y);
        }
    }
    free(yr);
done:
    free(w);
    free(x);
    free(exact);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    static const int64_t dims[] = {1, 3, 7, 15, 17, 31, 33, 63, 65, 127, 129, 255, 256, 257};
    static const int64_t ns[] = {1, 2, 5, 17, 64};
    /* shapes that cross every K block size in use (256..1024 columns),
     * activations too big for the panel-outer GEMM order (> 1 MiB packed),
     * and the longest K of the paper's models (11008: LLaMA-2 7B down,
     * 13824: 13B down), where an error growing with K would show;
     * {520, 1300, 199, 1}, on one thread, crosses fp16-avx2.c's row chunk
     * (32 panels) and token chunk (192 tokens); {33, 4100, 20, 2} gives
     * tl_avx2's GEMM through codes two K slices, the last one padded to 32 */
    static const shape extra[] = {
        {100, 2051, 17, 2}, {33, 1030, 13, 1}, {64, 4096, 1, 2},  {48, 1500, 64, 2},
        {130, 700, 3, 2},   {40, 2051, 129, 2}, {47, 2051, 129, 1}, {17, 11008, 1, 2},
        {20, 13824, 5, 2},  {520, 1300, 199, 1}, {33, 4100, 20, 2},
        /* one column past a K block (1024: int8/tq2 i8mm GEMM; 960: tq1), odd n */
        {35, 1025, 7, 2},   {17, 961, 3, 1},
        /* a GEMV of several work-sharing chunks (~256 KiB of weights each,
         * tb_pool_chunks), the last one partial, on two threads */
        {700, 4096, 1, 2},
    };
    const int nd = (int)(sizeof dims / sizeof dims[0]), nn = (int)(sizeof ns / sizeof ns[0]);
    tb_pool *pool;
    if (tb_pool_create(2, 0, &pool)) {
        fprintf(stderr, "cannot create the thread pool\n");
        return 1;
    }
    const uint32_t isa = tb_isa_allowed();
    int tested = 0, skipped = 0, shapes = 0;
    for (int ki = 0; ki < tb_kernel_count(); ki++) {
        const tb_kernel *k = tb_kernel_at(ki);
        if (only && strcmp(k->isa, only))
            continue;
        if (!tb_kernel_usable(k, isa)) {
            printf("skip %-20s (needs ISA this CPU lacks)\n", k->name);
            skipped++;
            continue;
        }
        const tb_kernel *ref = tb_kernel_find(k->ref);
        if (!ref || strcmp(ref->format, k->format) || ref->isa_mask != 0) {
            fprintf(stderr, "FAIL %s: reference '%s' missing, of another format, or not portable\n",
                    k->name, k->ref);
            failures++;
            continue;
        }
        if (k == ref && k->max_nmse != 0) {
            fprintf(stderr, "FAIL %s: a reference must have max_nmse 0\n", k->name);
            failures++;
        }
        int before = failures;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        uint64_t seed = 0x5eed0000u + (uint64_t)ki;
        for (int i = 0; i < nd; i++)
            for (int j = 0; j < nd; j++) {
                shape s = {dims[i], dims[j], ns[(3 * i + j) % nn], 1 + (i + j) % 2};
                check_shape(k, ref, &s, seed++, pool);
                shapes++;
            }
        for (size_t e = 0; e < sizeof extra / sizeof extra[0]; e++) {
            check_shape(k, ref, &extra[e], seed++, pool);
            shapes++;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        printf("%-4s %-20s vs %-12s %-9s %6.2f s\n", failures == before ? "ok" : "FAIL", k->name,
               ref->name, k->max_nmse == 0 ? "bit-exact" : "nmse",
               (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
        tested++;
    }
    tb_pool_free(pool);
    printf("%d variants tested (%d shape runs), %d skipped, %d failure(s)\n", tested, shapes,
           skipped, failures);
    if (tested == 0 && only && skipped > 0) {
        printf("SKIP: this CPU runs no -%s variant\n", only);
        return 77;
    }
    if (tested == 0) {
        fprintf(stderr, "FAIL: no kernel variant registered%s%s\n", only ? " for ISA " : "",
                only ? only : "");
        return 1;
    }
    return failures ? 1 : 0;
}
