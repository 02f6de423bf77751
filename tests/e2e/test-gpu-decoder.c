/* test-gpu-decoder.c - the decoder on the GPU (bench/decoder/decoder-gpu.c,
 * kernels/cuda/plugin/plugin-dec.cu) against the scalar reference decoder
 * on two tiny models (GQA + SiLU; ReLU^2 + sub-norms + tied head): for
 * every cuda projection variant, a prompt by prefill, greedy decode steps
 * and a batch of 3 sequences.  Bounds: int8_cuda / tq2_cuda with an
 * int8_cuda head bit-exact (the ops are bit-exact with ops_ref, the
 * projections with the refs); with the default fp16_cuda head NMSE <= 1e-8
 * (its fp32 accumulation order, as the e2e workload's bound); fp16_cuda
 * projections NMSE <= 1e-8; fp16_cublas (activations rounded to fp16 in
 * every projection) NMSE <= 1e-4.  Also: device memory query, CUDA-event
 * step time, matmuls-only refused.  Lives in e2e/ (it needs the bench
 * layer); exits 77 where no device is visible. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tb-decoder.h"
#include "tb-gpu.h"
#include "tb-kernel.h"
#include "tb-model.h"
#include "tb-test.h"

static double nmse(const float *a, const float *ref, int64_t n)
{
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double e = (double)a[i] - ref[i];
        num += e * e;
        den += (double)ref[i] * ref[i];
    }
    return den > 0 ? num / den : num;
}

static void same(const char *what, const char *name, const float *a, const float *ref, int64_t n, double bound)
{
    double e = nmse(a, ref, n);
    int ok = bound == 0 ? !memcmp(a, ref, sizeof(float) * (size_t)n) : e <= bound;
    if (!ok)
        fprintf(stderr, "%s %s: NMSE %.3g (bound %.0e)%s\n", name, what, e, bound, bound == 0 ? ", not bit-exact" : "");
    CHECK(ok);
}

static void run_one(const tb_model_config *c, const char *kernel, const char *head, double bound)
{
    const int64_t V = c->vocab;
    tb_decoder_opts o = {.format = tb_kernel_find(kernel)->format, .kernel = kernel, .head_kernel = head,
                         .ctx = 32, .max_batch = 3, .max_prefill = 8, .max_threads = 1};
    tb_wsrc src;
    tb_decoder *d = NULL;
    char err[256];
    CHECK(tb_wsrc_random(c, 7, &src) == 0);
    if (tb_decoder_build(c, &o, &src, &d, err, sizeof err) < 0) {
        fprintf(stderr, "build %s/%s: %s\n", c->name, kernel, err);
        exit(1);
    }
    src.close(src.ctx);
    CHECK(tb_decoder_on_gpu(d));
    CHECK(tb_decoder_get_plan(d)->device_bytes > 0);
    char name[96];
    snprintf(name, sizeof name, "%s/%s/head %s", c->name, kernel, tb_decoder_head_kernel(d)->name);
    float *lg = malloc(sizeof(float) * (size_t)(V * 8)), *lr = malloc(sizeof(float) * (size_t)V);
    tb_decoder_ref *r = NULL;
    CHECK(tb_decoder_ref_create(d, 32, &r) == 0);
    const int32_t prompt[6] = {1, 17, 300, 5, 511 % (int32_t)V, 42};
    for (int i = 0; i < 6; i++)
        CHECK(tb_decoder_ref_step(r, prompt[i], lr) == 0);
    CHECK(tb_decoder_prefill(d, 0, prompt, 6, lg, 2, NULL, 1) == 0);
    same("prefill", name, lg + V, lr, V, bound);
    CHECK(tb_decoder_gpu_event_ns(d) > 0);
    for (int s = 0; s < 4; s++) { /* greedy */
        int32_t t = 0;
        for (int64_t i = 1; i < V; i++)
            if (lr[i] > lr[t])
                t = (int32_t)i;
        CHECK(tb_decoder_ref_step(r, t, lr) == 0);
        CHECK(tb_decoder_decode(d, &t, 1, lg, NULL, 1) == 0);
        same("greedy decode", name, lg, lr, V, bound);
    }
    tb_decoder_ref_free(r);
    /* a batch of 3 sequences against each alone */
    tb_decoder_reset(d);
    tb_decoder_ref *rs[3];
    for (int b = 0; b < 3; b++)
        CHECK(tb_decoder_ref_create(d, 32, &rs[b]) == 0);
    for (int s = 0; s < 5; s++) {
        int32_t bt[3] = {prompt[s], prompt[(s + 2) % 6], (int32_t)((s * 97 + 5) % V)};
        CHECK(tb_decoder_decode(d, bt, 3, lg, NULL, 1) == 0);
        for (int b = 0; b < 3; b++) {
            CHECK(tb_decoder_ref_step(rs[b], bt[b], lr) == 0);
            same("batch of 3", name, lg + (size_t)b * (size_t)V, lr, V, bound);
        }
    }
    for (int b = 0; b < 3; b++)
        tb_decoder_ref_free(rs[b]);
    CHECK(tb_decoder_matmuls_only(d, 1, NULL, NULL, 1) == -ENOTSUP);
    printf("%s: ok (bound %.0e)\n", name, bound);
    tb_decoder_free(d);
    free(lg);
    free(lr);
}

int main(void)
{
    const tb_gpu_status *g = tb_gpu_status_get();
    if (g->state != TB_GPU_LIVE) {
        printf("skipped: cuda %s\n", g->line);
        return 77;
    }
    char err[256];
    double dfree = 0, dtotal = 0;
    CHECK(tb_decoder_gpu_mem(&dfree, &dtotal, err, sizeof err) == 0 && dfree > 0 && dtotal >= dfree);
    tb_model_config gqa, sub;
    CHECK(tb_model_config_parse("name=gqa,hidden=128,ffn=344,layers=2,heads=4,kv_heads=2,vocab=512,ctx=64", &gqa,
                                err, sizeof err) == 0);
    CHECK(tb_model_config_parse("name=sub,hidden=192,ffn=520,layers=2,heads=6,kv_heads=3,vocab=512,ctx=64,"
                                "act=relu2,subln=1,tied=1,theta=500000", &sub, err, sizeof err) == 0);
    const tb_model_config *models[2] = {&gqa, &sub};
    for (int m = 0; m < 2; m++) {
        run_one(models[m], "tq2_cuda", "int8_cuda", 0);
        run_one(models[m], "int8_cuda", "int8_cuda", 0);
        run_one(models[m], "tq2_cuda", NULL, 1e-8);
        run_one(models[m], "fp16_cuda", NULL, 1e-8);
        run_one(models[m], "fp16_cublas", NULL, 1e-4);
    }
    /* a model the GPU decoder cannot take: one clear line */
    tb_model_config odd = gqa;
    odd.ffn = 340;
    tb_decoder_opts o = {.format = "tq2", .kernel = "tq2_cuda", .ctx = 32};
    tb_decoder_plan pl;
    CHECK(tb_decoder_plan_bytes(&odd, &o, &pl, err, sizeof err) == -EINVAL && strstr(err, "multiples of 8"));
    TEST_DONE();
}
