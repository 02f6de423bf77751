/* decoder-speed.c - indicative decode speed of the decoder against the sum
 * of its own projection GEMVs timed alone (the same packed matrices, the
 * same copies cycled, the same pool), to see how much the decoder adds
 * around its matmuls.  Not a benchmark of record (no repetitions policy,
 * no store): `tritbench run e2e` is.
 *   decoder-speed [MODEL] [FORMAT] [THREADS] [TOKENS] [COPIES]
 * defaults: 700M fp16 2 16 1.  Prints the build time, the decoder's median
 * ms/token and tokens/s, the median per-token sum of the 7 x layers
 * projection GEMVs and the head GEMV, and their ratio. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoder-internal.h"
#include "tb-bench.h"
#include "tb-platform.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *model = argc > 1 ? argv[1] : "700M", *format = argc > 2 ? argv[2] : "fp16";
    int nt = argc > 3 ? atoi(argv[3]) : 2, ntok = argc > 4 ? atoi(argv[4]) : 16;
    int copies = argc > 5 ? atoi(argv[5]) : 1;
    char err[256];
    const tb_model_config *c = tb_model_config_find(model);
    if (!c || nt < 1 || ntok < 1 || ntok > 4096 || copies < 1) {
        fprintf(stderr, "decoder-speed: usage: decoder-speed [MODEL] [FORMAT] [THREADS 1..] [TOKENS 1..4096] [COPIES]\n");
        return 2;
    }
    if (tb_bench_pool_init(nt, 1) < 0) {
        fprintf(stderr, "decoder-speed: cannot create a pool of %d threads\n", nt);
        return 1;
    }
    tb_pool *pool = tb_bench_pool();
    tb_decoder_opts o = { .format = format, .ctx = ntok + 1, .copies = copies, .max_threads = nt };
    tb_decoder_plan p;
    if (tb_decoder_plan_bytes(c, &o, &p, err, sizeof err) < 0) {
        fprintf(stderr, "decoder-speed: %s\n", err);
        return 2;
    }
    printf("%s %s: projections %.1f MiB x %d copies, head %.1f MiB, embedding %.1f MiB, peak %.1f MiB\n", c->name,
           format, p.proj_bytes / 1048576, copies, p.head_bytes / 1048576, p.embed_bytes / 1048576,
           p.peak_bytes / 1048576);
    tb_wsrc src;
    tb_decoder *d;
    tb_wsrc_random(c, 1, &src);
    uint64_t t0 = tb_plat_now_ns();
    if (tb_decoder_build(c, &o, &src, &d, err, sizeof err) < 0) {
        fprintf(stderr, "decoder-speed: %s\n", err);
        return 1;
    }
    src.close(src.ctx);
    printf("build %.1f s (%s head %s, %s)\n", (double)(tb_plat_now_ns() - t0) * 1e-9, d->k->name, d->kh->name,
           d->ops->name);
    float *logits = malloc(sizeof(float) * (size_t)c->vocab);
    double *dec = malloc(sizeof(double) * (size_t)ntok), *mm = malloc(sizeof(double) * (size_t)ntok);
    double *hd = malloc(sizeof(double) * (size_t)ntok);
    float *x = aligned_alloc(64, sizeof(float) * 65536), *y = aligned_alloc(64, sizeof(float) * 65536);
    if (!logits || !dec || !mm || !hd || !x || !y)
        return 1;
    int32_t tok = 1;
    for (int i = 0; i < ntok; i++) {
        uint64_t a = tb_plat_now_ns();
        tb_decoder_decode(d, &tok, 1, logits, pool, nt);
        dec[i] = (double)(tb_plat_now_ns() - a) * 1e-6;
        tok = (int32_t)d->ops->argmax(logits, c->vocab);
    }
    for (int i = 0; i < 65536; i++)
        x[i] = (float)((i * 37) % 101 - 50) * 0.02f;
    int64_t L = d->cfg.layers;
    for (int i = 0; i < ntok; i++) {
        tb_kmat *const *W = d->w + (size_t)((i % d->ncopies) * L * TB_DW__N);
        uint64_t a = tb_plat_now_ns();
        for (int64_t j = 0; j < L * TB_DW__N; j++)
            d->k->run(W[j], x, 1, y, d->kscratch, pool, nt);
        uint64_t b = tb_plat_now_ns();
        d->kh->run(d->head, x, 1, logits, d->kscratch, pool, nt);
        mm[i] = (double)(tb_plat_now_ns() - a) * 1e-6;
        hd[i] = (double)(tb_plat_now_ns() - b) * 1e-6;
    }
    qsort(dec, (size_t)ntok, sizeof *dec, cmp_d);
    qsort(mm, (size_t)ntok, sizeof *mm, cmp_d);
    qsort(hd, (size_t)ntok, sizeof *hd, cmp_d);
    double md = dec[ntok / 2], mg = mm[ntok / 2];
    printf("decode: median %.2f ms/token = %.1f tok/s (%d tokens, %d threads)\n", md, 1e3 / md, ntok, nt);
    printf("GEMVs alone (7 x %lld projections + head): median %.2f ms/token (head %.2f); decoder / GEMV sum = %.3f\n",
           (long long)L, mg, hd[ntok / 2], md / mg);
    tb_decoder_free(d);
    tb_bench_pool_free();
    return 0;
}
