/* test-quant.c - the quantizers of the float and int8 formats:
 *  - fp16 <-> fp32 (kernels/fp16/fp16-internal.h): every one of the 65536
 *    halves widened exactly (and bit-identical to F16C where the CPU has
 *    it, to AArch64's fcvt everywhere there), special values and rounding
 *    ties narrowed as IEEE RNE says, and a sweep of fp32 bit patterns
 *    against vcvtps2ph / fcvt;
 *  - bf16 <-> fp32: ties to even, specials, round trips, and against
 *    vcvtne2ps2bf16 where the CPU has AVX512-BF16;
 *  - int8 absmax quantization (kernels/int8/int8-internal.h): the scale,
 *    the +-127 end points, ties to even, zero rows, padding, and the round
 *    trip error bound |x - q*s| <= s/2. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fp16/fp16-internal.h"
#include "int8/int8-internal.h"
#include "tb-test.h"

static uint64_t rng = 0x1234567887654321ull;
static uint32_t next32(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

#if defined(__x86_64__)
#include <immintrin.h>
#define HW_F16 "F16C"
static int hw_has_f16(void) { return __builtin_cpu_supports("f16c"); }
__attribute__((target("f16c"))) static float hw_h2f(uint16_t h) { return _cvtsh_ss(h); }
__attribute__((target("f16c"))) static uint16_t hw_f2h(float f)
{
    return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}

#define HW_BF16 1
static int hw_has_bf16(void) { return __builtin_cpu_supports("avx512bf16"); }
__attribute__((target("avx512f,avx512bf16"))) static void hw_f2bf16(const float *in16,
                                                                     uint16_t *out16)
{
    __m512 v = _mm512_loadu_ps(in16);
    __m256i r = (__m256i)_mm512_cvtneps_pbh(v);
    _mm256_storeu_si256((__m256i *)out16, r);
}
#elif defined(__aarch64__)
/* __fp16 casts are the base-Armv8 fcvt instructions (round to nearest even
 * under the default FPCR) */
#define HW_F16 "fcvt"
static int hw_has_f16(void) { return 1; }
static float hw_h2f(uint16_t h)
{
    __fp16 v;
    memcpy(&v, &h, 2);
    return (float)v;
}
static uint16_t hw_f2h(float f)
{
    __fp16 v = (__fp16)f;
    uint16_t h;
    memcpy(&h, &v, 2);
    return h;
}
#else
#define HW_F16 "hardware"
static int hw_has_f16(void) { return 0; }
static float hw_h2f(uint16_t h) { return tb_fp16_to_f32(h); }
static uint16_t hw_f2h(float f) { return tb_fp16_from_f32(f); }
#endif

static int is_nan_half(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x3ff); }

static void test_fp16(void)
{
    /* widening: exact, all 65536 halves */
    int bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = tb_fp16_to_f32((uint16_t)h);
        if (is_nan_half((uint16_t)h)) {
            if (!isnan(f))
                bad++;
            continue;
        }
        /* narrowing back must give the same half (every half is exact in fp32) */
        if (tb_fp16_from_f32(f) != h)
            bad++;
    }
    CHECK(bad == 0);
    CHECK(tb_fp16_to_f32(0x3c00) == 1.0f);
    CHECK(tb_fp16_to_f32(0x7bff) == 65504.0f);
    CHECK(tb_fp16_to_f32(0x0001) == 0x1p-24f);
    CHECK(tb_fp16_to_f32(0x0400) == 0x1p-14f);
    CHECK(tb_fp16_to_f32(0x03ff) == 1023 * 0x1p-24f);
    CHECK(isinf(tb_fp16_to_f32(0x7c00)) && tb_fp16_to_f32(0xfc00) < 0);
    CHECK(signbit(tb_fp16_to_f32(0x8000)) && tb_fp16_to_f32(0x8000) == 0.0f);

    /* narrowing: specials and ties */
    CHECK(tb_fp16_from_f32(0.0f) == 0x0000);
    CHECK(tb_fp16_from_f32(-0.0f) == 0x8000);
    CHECK(tb_fp16_from_f32(INFINITY) == 0x7c00);
    CHECK(tb_fp16_from_f32(-INFINITY) == 0xfc00);
    CHECK(is_nan_half(tb_fp16_from_f32(NAN)));
    CHECK(tb_fp16_from_f32(65504.0f) == 0x7bff);
    CHECK(tb_fp16_from_f32(65519.996f) == 0x7bff); /* just below the tie */
    CHECK(tb_fp16_from_f32(65520.0f) == 0x7c00);   /* tie to even = inf */
    CHECK(tb_fp16_from_f32(1e10f) == 0x7c00);
    CHECK(tb_fp16_from_f32(1.0f + 0x1p-11f) == 0x3c00);        /* tie, even stays */
    CHECK(tb_fp16_from_f32(1.0f + 3 * 0x1p-11f) == 0x3c02);    /* tie, odd rounds up */
    CHECK(tb_fp16_from_f32(1.0f + 0x1p-11f + 0x1p-20f) == 0x3c01);
    CHECK(tb_fp16_from_f32(0x1p-24f) == 0x0001);  /* smallest subnormal */
    CHECK(tb_fp16_from_f32(0x1p-25f) == 0x0000);  /* tie to even: 0 */
    CHECK(tb_fp16_from_f32(0x1.000002p-25f) == 0x0001);
    CHECK(tb_fp16_from_f32(3 * 0x1p-25f) == 0x0002); /* 1.5 ulp: tie to even 2 */
    CHECK(tb_fp16_from_f32(1e-30f) == 0x0000);
    CHECK(tb_fp16_from_f32(-1e-30f) == 0x8000);
    CHECK(tb_fp16_from_f32(0x1.ff8p-15f) == 0x03ff); /* largest subnormal */
    CHECK(tb_fp16_from_f32(0x1.ffcp-15f) == 0x0400); /* tie: rounds up to min normal (even) */

    if (!hw_has_f16()) {
        printf("skip " HW_F16 " cross-check (CPU lacks it)\n");
        return;
    }
    bad = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        float a = tb_fp16_to_f32((uint16_t)h), b = hw_h2f((uint16_t)h);
        uint32_t ua, ub;
        memcpy(&ua, &a, 4);
        memcpy(&ub, &b, 4);
        if (ua != ub && !(isnan(a) && isnan(b)))
            bad++;
    }
    CHECK(bad == 0);
    bad = 0;
    for (int i = 0; i < 4000000; i++) {
        uint32_t u = next32();
        if (i & 1) /* bias half of them into the fp16 range */
            u = (u & 0x807fffffu) | ((uint32_t)(100 + (u >> 23) % 45) << 23);
        float f;
        memcpy(&f, &u, 4);
        uint16_t a = tb_fp16_from_f32(f), b = hw_f2h(f);
        if (a != b && !(is_nan_half(a) && is_nan_half(b))) {
            if (bad++ < 5)
                fprintf(stderr, "fp16 narrow 0x%08x: got 0x%04x, " HW_F16 " 0x%04x\n", u, a, b);
        }
    }
    CHECK(bad == 0);
}

static void test_bf16(void)
{
    CHECK(tb_bf16_from_f32(1.0f) == 0x3f80);
    CHECK(tb_bf16_from_f32(-2.0f) == 0xc000);
    CHECK(tb_bf16_from_f32(1.0f + 0x1p-8f) == 0x3f80);     /* tie, even stays */
    CHECK(tb_bf16_from_f32(1.0f + 3 * 0x1p-8f) == 0x3f82); /* tie, odd rounds up */
    CHECK(tb_bf16_from_f32(1.0f + 0x1p-8f + 0x1p-20f) == 0x3f81);
    CHECK(tb_bf16_from_f32(INFINITY) == 0x7f80);
    CHECK((tb_bf16_from_f32(NAN) & 0x7fc0) == 0x7fc0);
    CHECK(tb_bf16_from_f32(3.4028235e38f) == 0x7f80); /* max float rounds to inf */
    CHECK(tb_bf16_to_f32(0x3f80) == 1.0f);
    int bad = 0;
    for (uint32_t b = 0; b < 65536; b++) {
        if ((b & 0x7f80) == 0x7f80 && (b & 0x7f))
            continue; /* NaN */
        if (tb_bf16_from_f32(tb_bf16_to_f32((uint16_t)b)) != b)
            bad++;
    }
    CHECK(bad == 0);
#ifdef HW_BF16
    if (!hw_has_bf16()) {
        printf("skip AVX512-BF16 cross-check (CPU lacks it)\n");
        return;
    }
    bad = 0;
    for (int i = 0; i < 200000; i++) {
        float in[16];
        uint16_t hw[16];
        for (int k = 0; k < 16; k++) {
            uint32_t u = (next32() & 0x807fffffu) | ((uint32_t)(60 + next32() % 130) << 23);
            memcpy(&in[k], &u, 4); /* normal range: the instruction flushes denormals */
        }
        hw_f2bf16(in, hw);
        for (int k = 0; k < 16; k++)
            bad += tb_bf16_from_f32(in[k]) != hw[k];
    }
    CHECK(bad == 0);
#else
    printf("skip the bf16 cross-check: no hardware conversion checked on this architecture\n");
#endif
}

static void test_int8(void)
{
    int8_t q[16];
    /* absmax 127 -> inv 1: plain round half to even, end points exact */
    const float x[9] = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -2.5f, -127.0f, 3.49f, -3.51f};
    float s = tb_i8_quant_row(x, 9, 3, q);
    CHECK(s == 1.0f);
    const int8_t want[12] = {127, 0, 2, 2, 0, -2, -127, 3, -4, 0, 0, 0};
    CHECK(memcmp(q, want, 12) == 0);

    /* zero row: scale 0, all zero */
    const float z[5] = {0};
    memset(q, 0x55, sizeof q);
    s = tb_i8_quant_row(z, 5, 2, q);
    CHECK(s == 0.0f);
    for (int i = 0; i < 8; i++)
        CHECK(q[i] == 0);

    /* random rows: |x - q s| <= s/2 (+ fp32 slack), max |q| == 127 */
    for (int t = 0; t < 200; t++) {
        float v[67];
        int8_t qq[68];
        const int64_t cols = 1 + t % 67;
        for (int64_t c = 0; c < cols; c++)
            v[c] = ((float)(next32() % 20001) - 10000.0f) * 1e-3f * (float)(1 + t % 7);
        s = tb_i8_quant_row(v, cols, (cols + 3) / 4, qq);
        float amax = 0;
        int qmax = 0;
        for (int64_t c = 0; c < cols; c++) {
            amax = fmaxf(amax, fabsf(v[c]));
            qmax = qq[c] > qmax ? qq[c] : -qq[c] > qmax ? -qq[c] : qmax;
            CHECK(fabsf(v[c] - (float)qq[c] * s) <= 0.5f * s * (1 + 1e-5f) + 1e-7f);
        }
        CHECK(s == amax / 127.0f);
        CHECK(amax == 0 || qmax == 127);
        for (int64_t c = cols; c < (cols + 3) / 4 * 4; c++)
            CHECK(qq[c] == 0);
    }

    /* weights use the same rule */
    const float w[4] = {0.5f, -1.0f, 0.25f, 0.0f};
    int8_t wq[4];
    s = tb_i8_quant_weights(w, 4, wq);
    CHECK(s == 1.0f / 127.0f);
    CHECK(wq[0] == 64 && wq[1] == -127 && wq[2] == 32 && wq[3] == 0); /* 63.5 -> 64 (even) */
}

int main(void)
{
    test_fp16();
    test_bf16();
    test_int8();
    TEST_DONE();
}
