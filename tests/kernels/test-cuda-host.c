/* test-cuda-host.c - everything of the CUDA backends that runs without a
 * GPU: the per-lane arithmetic the device kernels use (kernels/cuda/
 * cuda-lane.h, compiled here by gcc) against the CPU scalar references --
 * activation quantizers bit for bit, the tq2 GEMV and int8 GEMV summed over
 * a warp's 32 lanes exactly as the device does, the GEMM's tq2 decode to
 * int8 chunks against tb_tq2_unpack and its whole product -- then the
 * loader's one-line messages (plugin not built, driver absent, no device,
 * plugin not loadable: a fake libcuda and a missing plugin path) and the
 * registry marking of the device variants. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cuda-lane.h"
#include "int8/int8-internal.h"
#include "ternary/tb-ternary.h"
#include "tb-gpu.h"
#include "tb-kernel.h"
#include "tb-pool.h"
#include "tb-test.h"

static uint64_t rng = 0x243f6a8885a308d3ull;
static float frand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (float)((rng >> 11) * (1.0 / 9007199254740992.0)) * 2.0f - 1.0f;
}

static const int64_t shapes[][2] = {{1, 1}, {3, 5}, {17, 255}, {33, 256}, {16, 300}, {9, 1000}, {40, 4113}};
#define NSHAPES (int)(sizeof shapes / sizeof shapes[0])

static void fill(float *v, int64_t len, float scale, int ties)
{
    for (int64_t i = 0; i < len; i++)
        v[i] = frand() * scale;
    if (ties && len > 4) { /* amax 127 makes the scale exactly 1: x.5 ties */
        v[0] = 127.0f;
        for (int64_t i = 1; i < len; i += 3)
            v[i] = (float)(int)(v[i] * 100.0f) + 0.5f;
    }
}

static uint32_t word(const void *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return w;
}

static float *ref_run(const char *name, const float *w, int64_t rows, int64_t cols, const float *x, int64_t n,
                      tb_pool *pool)
{
    const tb_kernel *k = tb_kernel_find(name);
    tb_kmat *m = NULL;
    if (!k || k->prepare(w, rows, cols, &m) < 0)
        return NULL;
    size_t sb = k->scratch_bytes(m, n);
    void *s = sb ? aligned_alloc(64, (sb + 63) & ~(size_t)63) : NULL;
    float *y = malloc((size_t)(n * rows) * sizeof *y);
    k->run(m, x, n, y, s, pool, 1);
    free(s);
    k->free(m);
    return y;
}

/* activation quantizers: the device element rule vs the CPU quantizers */
static void test_quant(void)
{
    for (int s = 0; s < NSHAPES; s++) {
        const int64_t cols = shapes[s][1], kq = (cols + 3) / 4;
        float *x = malloc((size_t)cols * sizeof *x);
        int8_t *qr = calloc((size_t)kq * 4 + 256, 1), *qt = calloc((size_t)cols + 64, 1);
        for (int ties = 0; ties < 2; ties++) {
            fill(x, cols, ties ? 1.0f : 3.0f, ties);
            float a = 0;
            for (int64_t c = 0; c < cols; c++)
                a = fmaxf(a, fabsf(x[c]));
            float sx = tb_i8_quant_row(x, cols, kq, qr);
            CHECK(memcmp(&sx, &(float){tb_cu_i8_sx(a)}, 4) == 0);
            const float inv = tb_cu_i8_inv(a);
            int bad = 0;
            for (int64_t c = 0; c < cols; c++)
                bad += qr[c] != tb_cu_i8_q(x[c], inv);
            CHECK(bad == 0);
            int32_t sum = 0, dsum = 0;
            float st = tb_tern_quant_act_ref(x, cols, cols, qt, &sum);
            CHECK(memcmp(&st, &(float){tb_cu_t_scale(a)}, 4) == 0);
            bad = 0;
            for (int64_t c = 0; c < cols; c++) {
                int8_t v = tb_cu_t_q(x[c], st);
                bad += qt[c] != v;
                dsum += v;
            }
            CHECK(bad == 0 && dsum == sum);
        }
        /* an all-zero token: scale and factor 0 as on the CPU */
        CHECK(tb_cu_i8_inv(0.0f) == 0.0f && tb_cu_i8_sx(0.0f) == 0.0f && tb_cu_t_scale(0.0f) == 0.0f &&
              tb_cu_t_factor(0.0f, 0.5f) == 0.0f);
        free(x);
        free(qr);
        free(qt);
    }
    CHECK(tb_cu_t_q(NAN, 1.0f) == -127 && tb_cu_t_q(1e30f, 1.0f) == 127 && tb_cu_i8_q(-1e30f, 1.0f) == -127);
}

/* SWAR decode of codes to signed bytes, all 81 code tuples of a word */
static void test_decode_word(void)
{
    for (uint32_t t = 0; t < 81; t++) {
        uint32_t codes = 0, t2 = t;
        for (int b = 0; b < 4; b++, t2 /= 3)
            codes |= (t2 % 3) << (8 * b);
        uint32_t s = tb_cu_tq2_signed(codes);
        for (int b = 0; b < 4; b++)
            CHECK((int8_t)(uint8_t)(s >> (8 * b)) == (int)((codes >> (8 * b)) & 0xff) - 1);
    }
    CHECK(tb_cu_dp4a(0x01ff7f81u, 0x81ff0102u, 5) == 5 + (-127) * 2 + 127 * 1 + (-1) * (-1) + 1 * (-127));
}

/* tq2: the GEMV lanes, the GEMM chunks, and both products, vs tq2_ref */
static void test_tq2(tb_pool *pool)
{
    for (int s = 0; s < NSHAPES; s++) {
        const int64_t rows = shapes[s][0], cols = shapes[s][1], n = 3;
        float *w = malloc((size_t)(rows * cols) * sizeof *w), *x = malloc((size_t)(n * cols) * sizeof *x);
        fill(w, rows * cols, 0.05f, 0);
        fill(x, n * cols, 2.0f, 1);
        tb_kmat *m = NULL;
        CHECK(tb_tq2_prepare(w, rows, cols, &m) == 0);
        const int64_t rb = m->row_bytes, kpad = 4 * rb;
        CHECK(rb % 64 == 0 && kpad >= cols);
        int8_t *xq = calloc((size_t)(n * kpad), 1), *q = malloc((size_t)(rows * cols));
        int32_t sum[3];
        float fac[3];
        for (int64_t t = 0; t < n; t++) {
            float a = 0;
            for (int64_t c = 0; c < cols; c++)
                a = fmaxf(a, fabsf(x[t * cols + c]));
            const float sc = tb_cu_t_scale(a);
            sum[t] = 0;
            for (int64_t c = 0; c < cols; c++)
                sum[t] += xq[t * kpad + c] = tb_cu_t_q(x[t * cols + c], sc);
            fac[t] = tb_cu_t_factor(sc, m->wscale);
        }
        tb_tq2_unpack(m->data, rows, cols, q);
        float *yr = ref_run("tq2_ref", w, rows, cols, x, n, pool);
        float *yg = malloc((size_t)(n * rows) * sizeof *yg), *yt = malloc((size_t)(n * rows) * sizeof *yt);
        int8_t *tile = malloc(TB_CU_KSTEP);
        int bad_chunk = 0;
        for (int64_t r = 0; r < rows; r++) {
            const uint8_t *wr = m->data + r * rb;
            /* GEMV: token 0, 32 lanes */
            int32_t acc = 0;
            for (int lane = 0; lane < TB_CU_WARP; lane++)
                for (int64_t o = lane * TB_CU_LANE_BYTES; o < rb; o += TB_CU_STEP_BYTES) {
                    uint32_t ww[4], xx[4][4];
                    for (int i = 0; i < 4; i++)
                        ww[i] = word(wr + o + 4 * i);
                    for (int k = 0; k < 4; k++)
                        for (int i = 0; i < 4; i++)
                            xx[k][i] = word(xq + tb_cu_tq2_xoff(o, k) + 4 * i);
                    acc = tb_cu_tq2_step(ww, xx, acc);
                }
            yg[r] = tb_cu_t_out(acc - sum[0], fac[0]);
            /* GEMM: each 256-column step decoded into 16 chunks of 16 */
            int32_t gacc[3] = {0, 0, 0};
            for (int64_t st = 0; st < kpad / TB_CU_KSTEP; st++) {
                for (int j = 0; j < 64; j += 16) {
                    uint32_t ww[4], out[4][4];
                    for (int i = 0; i < 4; i++)
                        ww[i] = word(wr + st * 64 + j + 4 * i);
                    tb_cu_tq2_chunk(ww, out);
                    for (int k = 0; k < 4; k++)
                        memcpy(tile + tb_cu_tq2_chunk_index(j, k) * 16, out[k], 16);
                }
                for (int c = 0; c < TB_CU_KSTEP; c++) {
                    const int64_t col = st * TB_CU_KSTEP + c;
                    bad_chunk += tile[c] != (col < cols ? q[r * cols + col] : 0);
                    for (int64_t t = 0; t < n; t++)
                        gacc[t] += tile[c] * xq[t * kpad + col];
                }
            }
            for (int64_t t = 0; t < n; t++)
                yt[t * rows + r] = tb_cu_t_out(gacc[t], fac[t]);
        }
        CHECK(bad_chunk == 0);
        CHECK(yr && memcmp(yg, yr, (size_t)rows * 4) == 0);             /* GEMV, token 0 */
        CHECK(yr && memcmp(yt, yr, (size_t)(n * rows) * 4) == 0);       /* GEMM, every token */
        if (yr && memcmp(yt, yr, (size_t)(n * rows) * 4))
            fprintf(stderr, "tq2 %lldx%lld: emulated device output differs from tq2_ref\n", (long long)rows,
                    (long long)cols);
        tb_tern_free(m);
        free(w), free(x), free(xq), free(q), free(yr), free(yg), free(yt), free(tile);
    }
}

/* int8: weights quantized as cuda-int8.c does (rows of 256-byte strides), the
 * dp4a GEMV lanes and the GEMM's plain integer product, vs int8_ref */
static void test_int8(tb_pool *pool)
{
    for (int s = 0; s < NSHAPES; s++) {
        const int64_t rows = shapes[s][0], cols = shapes[s][1], n = 3, st = (cols + 255) / 256 * 256;
        float *w = malloc((size_t)(rows * cols) * sizeof *w), *x = malloc((size_t)(n * cols) * sizeof *x);
        fill(w, rows * cols, 0.05f, 0);
        fill(x, n * cols, 2.0f, 1);
        int8_t *wq = calloc((size_t)(rows * st), 1), *xq = calloc((size_t)(n * st), 1);
        float *sw = malloc((size_t)rows * 4), sx[3];
        for (int64_t r = 0; r < rows; r++)
            sw[r] = tb_i8_quant_weights(w + r * cols, cols, wq + r * st);
        for (int64_t t = 0; t < n; t++) {
            float a = 0;
            for (int64_t c = 0; c < cols; c++)
                a = fmaxf(a, fabsf(x[t * cols + c]));
            for (int64_t c = 0; c < cols; c++)
                xq[t * st + c] = tb_cu_i8_q(x[t * cols + c], tb_cu_i8_inv(a));
            sx[t] = tb_cu_i8_sx(a);
        }
        float *yr = ref_run("int8_ref", w, rows, cols, x, n, pool);
        float *yg = malloc((size_t)(n * rows) * 4), *yt = malloc((size_t)(n * rows) * 4);
        for (int64_t r = 0; r < rows; r++) {
            int32_t acc = 0;
            for (int lane = 0; lane < TB_CU_WARP; lane++)
                for (int64_t o = lane * TB_CU_LANE_BYTES; o < st; o += TB_CU_STEP_BYTES) {
                    uint32_t ww[4], xx[4];
                    for (int i = 0; i < 4; i++) {
                        ww[i] = word(wq + r * st + o + 4 * i);
                        xx[i] = word(xq + o + 4 * i);
                    }
                    acc = tb_cu_i8_step(ww, xx, acc);
                }
            yg[r] = tb_cu_i8_out(acc, sx[0], sw[r]);
            for (int64_t t = 0; t < n; t++) {
                int32_t g = 0;
                for (int64_t c = 0; c < st; c++)
                    g += wq[r * st + c] * xq[t * st + c];
                yt[t * rows + r] = tb_cu_i8_out(g, sx[t], sw[r]);
            }
        }
        CHECK(yr && memcmp(yg, yr, (size_t)rows * 4) == 0);
        CHECK(yr && memcmp(yt, yr, (size_t)(n * rows) * 4) == 0);
        free(w), free(x), free(wq), free(xq), free(sw), free(yr), free(yg), free(yt);
    }
}

static void test_loader(void)
{
    tb_gpu_status s;
    tb_gpu_probe_with(0, "/x/libtritbench-cuda.so", "libcuda.so.1", &s);
    CHECK(s.state == TB_GPU_NOT_BUILT && strstr(s.line, "plugin not built"));
    tb_gpu_probe_with(1, "/nonexistent/libtritbench-cuda.so", "libcuda-tritbench-missing.so.1", &s);
    CHECK(s.state == TB_GPU_NO_DRIVER && !strncmp(s.line, "libcuda-tritbench-missing.so.1 absent (no NVIDIA driver)", 56));
    CHECK(!strchr(s.line, '\n'));
#ifdef TB_FAKE_LIBCUDA
    setenv("TB_FAKE_CU_INIT", "100", 1);
    tb_gpu_probe_with(1, "/nonexistent/libtritbench-cuda.so", TB_FAKE_LIBCUDA, &s);
    CHECK(s.state == TB_GPU_NO_DEVICE && strstr(s.line, "no device visible (cuInit: CUDA_ERROR_NO_DEVICE"));
    setenv("TB_FAKE_CU_INIT", "0", 1);
    setenv("TB_FAKE_CU_COUNT", "0", 1);
    tb_gpu_probe_with(1, "/nonexistent/libtritbench-cuda.so", TB_FAKE_LIBCUDA, &s);
    CHECK(s.state == TB_GPU_NO_DEVICE && strstr(s.line, "0 devices"));
    setenv("TB_FAKE_CU_COUNT", "1", 1);
    tb_gpu_probe_with(1, "/nonexistent/libtritbench-cuda.so", TB_FAKE_LIBCUDA, &s);
    CHECK(s.state == TB_GPU_PLUGIN_BAD && strstr(s.line, "plugin /nonexistent/libtritbench-cuda.so not loadable"));
    /* a loadable library that is not the plugin (the fake driver itself) */
    tb_gpu_probe_with(1, TB_FAKE_LIBCUDA, TB_FAKE_LIBCUDA, &s);
    CHECK(s.state == TB_GPU_PLUGIN_BAD && strstr(s.line, "no entry point tb_cuda_plugin_get"));
    unsetenv("TB_FAKE_CU_INIT");
    unsetenv("TB_FAKE_CU_COUNT");
#endif
    const tb_gpu_status *g = tb_gpu_status_get();
    CHECK(g->line[0] && !strchr(g->line, '\n'));
    CHECK((g->state == TB_GPU_LIVE) == (tb_gpu_bits() == TB_ISA_CUDA));
    printf("this machine: cuda %s\n", g->line);
}

static void test_registry(void)
{
    int ngpu = 0;
    const int live = tb_gpu_bits() != 0;
    for (int i = 0; i < tb_kernel_count(); i++) {
        const tb_kernel *k = tb_kernel_at(i);
        if (!k->gpu) {
            CHECK(!(k->isa_mask & TB_ISA_CUDA));
            continue;
        }
        ngpu++;
        const tb_kernel *ref = tb_kernel_find(k->ref);
        CHECK(!strcmp(k->isa, "cuda") && k->isa_mask == TB_ISA_CUDA);
        CHECK(ref && !ref->gpu && !strcmp(ref->format, k->format) && ref->isa_mask == 0);
        CHECK(tb_kernel_usable(k, tb_isa_allowed()) == live);
        CHECK(tb_kernel_best(k->format, 0xffffffffu) != k);
        CHECK(k->gpu->stage && k->gpu->launch && k->gpu->unstage);
    }
    CHECK(ngpu == 4 && tb_kernel_find("tq2_cuda") && tb_kernel_find("fp16_cublas"));
    uint32_t m;
    CHECK(tb_isa_parse("scalar", &m) == 0 && (m & TB_ISA_CUDA)); /* --isa caps the CPU only */
    CHECK(tb_isa_suffix_req("cuda", &m) == 0 && m == TB_ISA_CUDA);
}

int main(void)
{
    tb_pool *pool = NULL;
    if (tb_pool_create(1, 0, &pool) < 0)
        return 1;
    test_quant();
    test_decode_word();
    test_tq2(pool);
    test_int8(pool);
    test_loader();
    test_registry();
    tb_pool_free(pool);
    TEST_DONE();
}
