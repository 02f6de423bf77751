/* test-cuda-ops-host.c - the GPU decoder's non-matmul arithmetic
 * (kernels/cuda/cuda-ops-lane.h) on the CPU, composed exactly as the
 * device threads compose it (kernels/cuda/plugin/plugin-dec.cu: 16 partial
 * sums by 16 threads, one thread per position for scores, per output
 * dimension for the weighted sum), against ops_ref bit for bit: exp,
 * fp16 <-> fp32, RMSNorm (with and without the residual add), RoPE,
 * SwiGLU, ReLU^2 GLU, GQA attention over an fp16 cache.  Compiled with
 * -ffp-contract=off, as kernels/ops/ are.  No GPU needed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/cuda-ops-lane.h"
#include "fp16/fp16-internal.h"
#include "ops/ops-internal.h"
#include "tb-test.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}
static float frand(float a) { return ((float)(rnd32() & 0xffffff) / 8388608.0f - 1.0f) * a; }

static int same_bits(float a, float b) { return (isnan(a) && isnan(b)) || tb_gd_bits(a) == tb_gd_bits(b); }

static int eq_vec(const float *a, const float *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (!same_bits(a[i], b[i])) {
            printf("  element %lld: %.9g vs %.9g\n", (long long)i, a[i], b[i]);
            return 0;
        }
    return 1;
}

static void check_exp(void)
{
    int bad = 0;
    for (float x = -120.0f; x <= 110.0f; x += 0.00731f)
        bad += !same_bits(tb_gd_exp(x), tb_ops_exp_ref(x));
    for (int i = 0; i < 200000; i++) {
        float x = tb_gd_from_bits(rnd32());
        bad += !same_bits(tb_gd_exp(x), tb_ops_exp_ref(x));
    }
    const float sp[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 88.72f, 88.73f, -103.9f, -104.0f, 1e-30f};
    for (size_t i = 0; i < sizeof sp / sizeof sp[0]; i++)
        bad += !same_bits(tb_gd_exp(sp[i]), tb_ops_exp_ref(sp[i]));
    printf("exp: %d mismatches\n", bad);
    CHECK(bad == 0);
}

static void check_f16(void)
{
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++)
        bad += !same_bits(tb_gd_f32((uint16_t)h), tb_fp16_to_f32((uint16_t)h));
    CHECK(bad == 0);
    bad = 0;
    /* every 97th bit pattern, plus both sides of every half boundary (ties included) */
    for (uint64_t u = 0; u < 0x100000000ull; u += 97) {
        float f = tb_gd_from_bits((uint32_t)u);
        uint16_t a = tb_gd_f16(f), b = tb_fp16_from_f32(f);
        bad += isnan(f) ? !((a & 0x7c00) == 0x7c00 && (a & 0x3ff) && (b & 0x7c00) == 0x7c00 && (b & 0x3ff)) : a != b;
    }
    for (uint32_t h = 0; h < 0x7c00; h++) {
        float v = tb_fp16_to_f32((uint16_t)h);
        for (int d = -3; d <= 3; d++) {
            uint32_t u = tb_gd_bits(v) + (uint32_t)d;
            /* the midpoint to the next half: a tie */
            float next = tb_fp16_to_f32((uint16_t)(h + 1));
            float mids[2] = {tb_gd_from_bits(u), (float)(((double)v + (double)next) / 2)};
            for (int s = 0; s < 2; s++)
                for (int neg = 0; neg < 2; neg++) {
                    float f = neg ? -mids[s] : mids[s];
                    bad += tb_gd_f16(f) != tb_fp16_from_f32(f);
                }
        }
    }
    printf("fp16: %d mismatches\n", bad);
    CHECK(bad == 0);
}

/* RMSNorm as k_norm: x += add; 16 partials; reduce; elements */
static void dev_norm(float *y, float *x, const float *add, const float *w, int64_t n, float eps)
{
    if (add)
        for (int64_t i = 0; i < n; i++)
            x[i] = tb_gd_add(x[i], add[i]);
    float s[TB_GD_LANES];
    for (int j = 0; j < TB_GD_LANES; j++)
        s[j] = tb_gd_sumsq_part(x, n, j);
    float inv = tb_gd_rms_inv(tb_gd_reduce16(s), n, eps);
    for (int64_t i = 0; i < n; i++)
        y[i] = tb_gd_rms_elem(x[i], inv, w[i]);
}

static void check_norm_glu_rope(void)
{
    static const int64_t widths[] = {1, 3, 15, 16, 17, 64, 255, 1536, 2560, 8640};
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        const int64_t n = widths[wi];
        float *x = malloc((size_t)n * 4), *x2 = malloc((size_t)n * 4), *add = malloc((size_t)n * 4);
        float *w = malloc((size_t)n * 4), *y = malloc((size_t)n * 4), *y2 = malloc((size_t)n * 4);
        for (int64_t i = 0; i < n; i++) {
            x[i] = x2[i] = frand(4.0f);
            add[i] = frand(2.0f);
            w[i] = frand(1.5f);
        }
        dev_norm(y, x, add, w, n, 1e-5f);
        tb_ops_ref.add(x2, add, n);
        tb_ops_ref.rmsnorm(y2, x2, w, n, 1e-5f);
        CHECK(eq_vec(x, x2, n) && eq_vec(y, y2, n));
        dev_norm(x, x, NULL, w, n, 1e-6f); /* in place, as the sub-norms */
        tb_ops_ref.rmsnorm(x2, x2, w, n, 1e-6f);
        CHECK(eq_vec(x, x2, n));
        /* GLUs: g large enough that exp under/overflows at the ends */
        for (int64_t i = 0; i < n; i++)
            x[i] = frand(i % 7 == 0 ? 120.0f : 8.0f);
        for (int relu = 0; relu < 2; relu++) {
            for (int64_t i = 0; i < n; i++)
                y[i] = relu ? tb_gd_relu2(x[i], add[i]) : tb_gd_swiglu(x[i], add[i]);
            (relu ? tb_ops_ref.relu2glu : tb_ops_ref.swiglu)(y2, x, add, n);
            CHECK(eq_vec(y, y2, n));
        }
        free(x), free(x2), free(add), free(w), free(y), free(y2);
    }
    /* RoPE: 6 heads of 64 at a few angles */
    const int64_t heads = 6, hd = 64, half = hd / 2;
    float q[6 * 64], q2[6 * 64], cs[32], sn[32];
    for (int p = 0; p < 5; p++) {
        for (int64_t i = 0; i < half; i++) {
            double a = (double)(p * 977) * pow(10000.0, -2.0 * (double)i / (double)hd);
            cs[i] = (float)cos(a);
            sn[i] = (float)sin(a);
        }
        for (int64_t i = 0; i < heads * hd; i++)
            q[i] = q2[i] = frand(3.0f);
        for (int64_t j = 0; j < heads * half; j++) { /* one pair per device thread */
            float *qh = q + (j / half) * hd;
            tb_gd_rope_pair(&qh[j % half], &qh[j % half + half], cs[j % half], sn[j % half]);
        }
        tb_ops_ref.rope(q2, heads, hd, cs, sn);
        CHECK(eq_vec(q, q2, heads * hd));
    }
    printf("rmsnorm, GLUs, rope: checked\n");
}

/* attention as k_attend, one (row, head) block: thread per t for scores,
 * max, exp per t, 16 partial sums, thread per d for the output */
static void dev_attend(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t heads,
                       int64_t kvh, int64_t hd, float scale, float *e)
{
    const int64_t kvd = kvh * hd;
    for (int64_t h = 0; h < heads; h++) {
        const int64_t g = h / (heads / kvh);
        float m = -INFINITY;
        for (int64_t t = 0; t < T; t++) {
            e[t] = tb_gd_score(q + h * hd, k + t * kvd + g * hd, hd, scale);
            m = fmaxf(m, e[t]);
        }
        for (int64_t t = 0; t < T; t++)
            e[t] = tb_gd_exp(tb_gd_sub(e[t], m));
        float s[TB_GD_LANES];
        for (int j = 0; j < TB_GD_LANES; j++)
            s[j] = tb_gd_sum_part(e, T, j);
        float sum = tb_gd_reduce16(s);
        for (int64_t d = 0; d < hd; d++)
            out[h * hd + d] = tb_gd_attn_out(e, v + g * hd + d, kvd, T, sum);
    }
}

static void check_attention(void)
{
    static const int64_t cfg[][3] = {{8, 2, 64}, {4, 4, 16}, {6, 1, 128}, {20, 5, 128}};
    for (size_t ci = 0; ci < sizeof cfg / sizeof cfg[0]; ci++) {
        const int64_t heads = cfg[ci][0], kvh = cfg[ci][1], hd = cfg[ci][2], ctx = 70;
        const float scale = 1.0f / sqrtf((float)hd);
        float *q = malloc((size_t)(heads * hd) * 4), *o = malloc((size_t)(heads * hd) * 4);
        float *o2 = malloc((size_t)(heads * hd) * 4), *e = malloc((size_t)ctx * 4), *tmp = malloc((size_t)(kvh * hd) * 4);
        uint16_t *k = malloc((size_t)(ctx * kvh * hd) * 2), *v = malloc((size_t)(ctx * kvh * hd) * 2);
        for (int64_t t = 0; t < ctx; t++) {
            for (int64_t i = 0; i < kvh * hd; i++)
                tmp[i] = frand(t % 11 == 0 ? 40.0f : 3.0f); /* some large scores: exp underflows */
            for (int64_t i = 0; i < kvh * hd; i++)
                k[t * kvh * hd + i] = tb_gd_f16(tmp[i]);
            for (int64_t i = 0; i < kvh * hd; i++)
                v[t * kvh * hd + i] = tb_gd_f16(frand(2.0f));
        }
        for (int64_t i = 0; i < heads * hd; i++)
            q[i] = frand(2.0f);
        static const int64_t Ts[] = {1, 2, 15, 16, 17, 33, 70};
        for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++) {
            dev_attend(o, q, k, v, Ts[ti], heads, kvh, hd, scale, e);
            tb_ops_ref.attend(o2, q, k, v, Ts[ti], 0, heads, heads, kvh, hd, scale, e);
            CHECK(eq_vec(o, o2, heads * hd));
        }
        free(q), free(o), free(o2), free(e), free(tmp), free(k), free(v);
    }
    printf("attention (GQA, fp16 cache): checked\n");
}

int main(void)
{
    check_exp();
    check_f16();
    check_norm_glu_rope();
    check_attention();
    TEST_DONE();
}
