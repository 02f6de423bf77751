/* test-ops.c - the decoder's non-matmul ops (kernels/ops/, tb-ops.h).
 *  1. ops_ref against double precision, so a broken oracle cannot pass:
 *     exp polynomial (max relative error over a dense sweep <= 1.2e-7),
 *     fp16 conversion (all 65536 halves exact, round trip, F16C bit for bit
 *     where the CPU has it), and every op within a stated tolerance;
 *  2. every variant usable on this CPU BIT-EXACT (memcmp) with ops_ref on
 *     awkward sizes, random inputs including large magnitudes (exp overflow
 *     and underflow, huge attention scores); variants the CPU cannot run
 *     are reported as skipped;
 *  3. attend stays finite for huge scores (max subtracted). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "ops/ops-internal.h"
#include "tb-isa.h"
#include "tb-test.h"

/* ---- seeded data (splitmix64) ---- */

static uint64_t rng_state = 0x7b1d5eedull;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* roughly N(0,1): Irwin-Hall of 4 uniforms, variance 1 */
static float rng_normal(void)
{
    uint64_t r = rng_next();
    double sum = 0;
    for (int i = 0; i < 4; i++)
        sum += (double)((r >> (16 * i)) & 0xffff) / 65536.0;
    return (float)((sum - 2.0) * 1.7320508075688772);
}

static void fill(float *x, int64_t n, float scale)
{
    for (int64_t i = 0; i < n; i++)
        x[i] = rng_normal() * scale;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test-ops: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ================= 1. the reference against double ================= */

static void check_exp(void)
{
    double max_rel = 0, worst_x = 0;
    /* every 127th float in [-87.33, 88.72]: normal results */
    for (float x = -87.33f; x < 88.72f;) {
        double e = exp((double)x), got = tb_ops_exp_ref(x);
        double rel = fabs(got - e) / e;
        if (rel > max_rel) {
            max_rel = rel;
            worst_x = x;
        }
        uint32_t u = bits_of(x);
        u = x < 0 ? (u > 127 + 0x80000000u ? u - 127 : 0) : u + 127;
        x = tb_ops_f32_from_bits(u);
        if (u == 0) /* stepped over -0 */
            x = 0x1p-149f;
    }
    printf("exp polynomial: max relative error %.3g (%.2f ulp of 2^-24) at x = %.9g\n", max_rel,
           max_rel / 0x1p-24, worst_x);
    CHECK(max_rel <= 1.2e-7);
    /* subnormal results: within one subnormal step (+ the relative bound) */
    int bad = 0;
    for (float x = -103.9f; x < -87.33f; x += 0.0013f) {
        double e = exp((double)x);
        if (fabs(tb_ops_exp_ref(x) - e) > 1.2e-7 * e + 0x1p-149)
            bad++;
    }
    CHECK(bad == 0);
    CHECK(tb_ops_exp_ref(0.0f) == 1.0f && tb_ops_exp_ref(-0.0f) == 1.0f);
    CHECK(tb_ops_exp_ref(-INFINITY) == 0.0f && tb_ops_exp_ref(-104.0f) == 0.0f && tb_ops_exp_ref(-1e30f) == 0.0f);
    CHECK(isinf(tb_ops_exp_ref(INFINITY)) && isinf(tb_ops_exp_ref(88.73f)) && isinf(tb_ops_exp_ref(1e30f)));
    CHECK(tb_ops_exp_ref(88.72f) < INFINITY);
    CHECK(isnan(tb_ops_exp_ref(NAN)));
}

/* the exact value of a half, from its fields */
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -v : v;
}

#if defined(__x86_64__)
__attribute__((target("f16c"))) static float hw_h2f(uint16_t h) { return _cvtsh_ss(h); }
__attribute__((target("f16c"))) static uint16_t hw_f2h(float f)
{
    return (uint16_t)_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}
#endif

/* floats that exercise every rounding case of fp32 -> fp16: all halves'
 * values, their midpoints and neighbours, and random bit patterns */
static int64_t conversion_inputs(float *f, int64_t cap)
{
    int64_t n = 0;
    for (uint32_t h = 0; h < 0x10000u; h++) {
        float v;
        uint16_t hh = (uint16_t)h;
        tb_ops_ref.from_f16(&v, &hh, 1);
        uint32_t u = bits_of(v);
        f[n++] = v;
        f[n++] = tb_ops_f32_from_bits(u + 0x1000u);       /* midpoint to the next half (normal range) */
        f[n++] = tb_ops_f32_from_bits(u + 0x0fffu);
        f[n++] = tb_ops_f32_from_bits(u + 0x1001u);
    }
    while (n < cap)
        f[n++] = tb_ops_f32_from_bits((uint32_t)rng_next());
    return n;
}

static void check_fp16_ref(float *conv_in, int64_t nconv)
{
    uint16_t *h = xmalloc(65536 * sizeof *h), *back = xmalloc(65536 * sizeof *back);
    float *f = xmalloc(65536 * sizeof *f);
    for (uint32_t i = 0; i < 65536; i++)
        h[i] = (uint16_t)i;
    tb_ops_ref.from_f16(f, h, 65536);
    tb_ops_ref.to_f16(back, f, 65536);
    int bad_val = 0, bad_trip = 0;
    for (uint32_t i = 0; i < 65536; i++) {
        double exact = half_value(h[i]);
        if (isnan(exact) ? !isnan(f[i]) : ((double)f[i] != exact || !signbit(f[i]) != !signbit(exact)))
            bad_val++;
        uint16_t want = isnan(exact) ? (uint16_t)(h[i] | 0x200u) : h[i]; /* NaN comes back quiet */
        if (back[i] != want)
            bad_trip++;
    }
    CHECK(bad_val == 0);
    CHECK(bad_trip == 0);
    printf("fp16: 65536 halves widened exactly, round trip exact (%d, %d bad)\n", bad_val, bad_trip);
#if defined(__x86_64__)
    if (__builtin_cpu_supports("f16c")) {
        int bad_w = 0, bad_n = 0;
        for (uint32_t i = 0; i < 65536; i++)
            if (bits_of(hw_h2f(h[i])) != bits_of(f[i]))
                bad_w++;
        uint16_t one;
        for (int64_t i = 0; i < nconv; i++) {
            tb_ops_ref.to_f16(&one, conv_in + i, 1);
            if (one != hw_f2h(conv_in[i]))
                bad_n++;
        }
        CHECK(bad_w == 0);
        CHECK(bad_n == 0);
        printf("fp16: F16C agrees bit for bit on 65536 halves and %lld floats (%d, %d bad)\n", (long long)nconv,
               bad_w, bad_n);
    } else {
        printf("skip F16C cross-check (CPU lacks F16C)\n");
    }
#else
    (void)conv_in;
    (void)nconv;
    printf("skip F16C cross-check (not an x86 build)\n");
#endif
    free(h);
    free(back);
    free(f);
}

/* double-precision attention over the same fp16 caches */
static void attend_double(double *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t nheads,
                          int64_t nkv, int64_t hd, float scale)
{
    int64_t g = nheads / nkv, stride = nkv * hd;
    double *s = xmalloc((size_t)T * sizeof *s);
    for (int64_t h = 0; h < nheads; h++) {
        const uint16_t *kh = k + (h / g) * hd, *vh = v + (h / g) * hd;
        double m = -INFINITY, sum = 0;
        for (int64_t t = 0; t < T; t++) {
            double d = 0;
            for (int64_t i = 0; i < hd; i++)
                d += (double)q[h * hd + i] * half_value(kh[t * stride + i]);
            s[t] = d * scale;
            m = s[t] > m ? s[t] : m;
        }
        for (int64_t t = 0; t < T; t++)
            sum += s[t] = exp(s[t] - m);
        for (int64_t i = 0; i < hd; i++) {
            double o = 0;
            for (int64_t t = 0; t < T; t++)
                o += s[t] * half_value(vh[t * stride + i]);
            out[h * hd + i] = o / sum;
        }
    }
    free(s);
}

static void check_ops_ref(void)
{
    const tb_ops *r = &tb_ops_ref;
    const int64_t n = 8640;
    float *x = xmalloc(n * sizeof *x), *w = xmalloc(n * sizeof *w), *y = xmalloc(n * sizeof *y);
    int bad = 0;

    /* rmsnorm: fp32 sums of <= n/16 squares per lane: relative error well below 2e-5 */
    for (int s = 0; s < 2; s++) {
        fill(x, n, s ? 1e3f : 1.0f);
        fill(w, n, 1.0f);
        r->rmsnorm(y, x, w, n, 1e-5f);
        double ss = 0;
        for (int64_t i = 0; i < n; i++)
            ss += (double)x[i] * x[i];
        double inv = 1.0 / sqrt(ss / n + 1e-5f);
        for (int64_t i = 0; i < n; i++) {
            double e = x[i] * inv * w[i];
            bad += !(fabs(y[i] - e) <= 2e-5 * fabs(e) + 1e-30);
        }
    }
    CHECK(bad == 0);

    /* rope: two products and a sum, a few ulp of the larger term */
    {
        int64_t hd = 128, nh = 4, half = hd / 2;
        float cs[64], sn[64];
        for (int64_t i = 0; i < half; i++) {
            double th = 37.0 * pow(10000.0, -2.0 * (double)i / (double)hd);
            cs[i] = (float)cos(th);
            sn[i] = (float)sin(th);
        }
        fill(x, nh * hd, 3.0f);
        memcpy(y, x, (size_t)(nh * hd) * sizeof *y);
        r->rope(y, nh, hd, cs, sn);
        for (int64_t h = 0; h < nh; h++)
            for (int64_t i = 0; i < half; i++) {
                double a = x[h * hd + i], b = x[h * hd + half + i];
                double tol = 4e-7 * (fabs(a) + fabs(b));
                bad += !(fabs(y[h * hd + i] - (a * cs[i] - b * sn[i])) <= tol);
                bad += !(fabs(y[h * hd + half + i] - (b * cs[i] + a * sn[i])) <= tol);
            }
    }
    CHECK(bad == 0);

    /* swiglu / relu2glu / add */
    fill(x, n, 8.0f);
    fill(w, n, 2.0f);
    r->swiglu(y, x, w, n);
    for (int64_t i = 0; i < n; i++) {
        double e = x[i] / (1.0 + exp(-(double)x[i])) * w[i];
        bad += !(fabs(y[i] - e) <= 1e-6 * fabs(e) + 1e-37);
    }
    CHECK(bad == 0);
    r->relu2glu(y, x, w, n);
    for (int64_t i = 0; i < n; i++) {
        double g = x[i] > 0 ? x[i] : 0, e = g * g * w[i];
        bad += !(fabs(y[i] - e) <= 3e-7 * fabs(e));
    }
    CHECK(bad == 0);
    memcpy(y, w, (size_t)n * sizeof *y);
    r->add(y, x, n);
    for (int64_t i = 0; i < n; i++)
        bad += y[i] != (float)((double)w[i] + x[i]); /* one rounding */
    CHECK(bad == 0);

    /* argmax: ties and NaN */
    fill(x, n, 1.0f);
    x[5000] = 100.0f;
    x[7000] = 100.0f;
    x[10] = NAN;
    CHECK(r->argmax(x, n) == 5000);
    x[0] = NAN;
    CHECK(r->argmax(x, 1) == 0);
    x[1] = -INFINITY;
    CHECK(r->argmax(x, 2) == 1);

    /* logsumexp vs double (fp32 sum and exp: a few 1e-7 relative) */
    for (int s = 0; s < 3; s++) {
        fill(x, n, s == 0 ? 1.0f : s == 1 ? 10.0f : 1e3f);
        double m = -INFINITY, sum = 0;
        for (int64_t i = 0; i < n; i++)
            if (x[i] > m)
                m = x[i];
        for (int64_t i = 0; i < n; i++)
            sum += exp(x[i] - m);
        double e = m + log(sum), got = r->logsumexp(x, n);
        CHECK_NEAR(got, e, 4e-6 + 1e-9 * fabs(e));
    }

    /* attend vs double: scores of moderate size; error relative to max|v| */
    {
        int64_t T = 100, nh = 8, nkv = 2, hd = 96, kvn = T * nkv * hd;
        float *q = xmalloc((size_t)(nh * hd) * sizeof *q), *o = xmalloc((size_t)(nh * hd) * sizeof *o);
        float *tmp = xmalloc((size_t)kvn * sizeof *tmp), *sc = xmalloc((size_t)T * sizeof *sc);
        uint16_t *k = xmalloc((size_t)kvn * sizeof *k), *v = xmalloc((size_t)kvn * sizeof *v);
        double *od = xmalloc((size_t)(nh * hd) * sizeof *od);
        fill(q, nh * hd, 1.0f);
        fill(tmp, kvn, 1.0f);
        r->to_f16(k, tmp, kvn);
        fill(tmp, kvn, 1.0f);
        r->to_f16(v, tmp, kvn);
        float scale = 1.0f / sqrtf((float)hd);
        r->attend(o, q, k, v, T, 0, nh, nh, nkv, hd, scale, sc);
        attend_double(od, q, k, v, T, nh, nkv, hd, scale);
        double maxerr = 0;
        for (int64_t i = 0; i < nh * hd; i++)
            if (fabs(o[i] - od[i]) > maxerr)
                maxerr = fabs(o[i] - od[i]);
        printf("attend_ref vs double (T=%lld, hd=%lld): max abs error %.3g (|v| <~ 4)\n", (long long)T,
               (long long)hd, maxerr);
        CHECK(maxerr <= 1e-5);
        free(q), free(o), free(tmp), free(sc), free(k), free(v), free(od);
    }
    free(x), free(w), free(y);
}

/* ================= 2. variants bit-exact with ops_ref ================= */

static int bitexact_fails;

static void same(const char *variant, const char *what, const void *a, const void *b, size_t bytes, long long p1,
                 long long p2)
{
    if (memcmp(a, b, bytes)) {
        const float *fa = a, *fb = b;
        size_t i = 0;
        while (i < bytes / 4 && bits_of(fa[i]) == bits_of(fb[i]))
            i++;
        fprintf(stderr, "FAIL %s %s (%lld, %lld): differs from ops_ref at element %zu (%a vs %a)\n", variant, what,
                p1, p2, i, i < bytes / 4 ? fa[i] : 0.0f, i < bytes / 4 ? fb[i] : 0.0f);
        bitexact_fails++;
    }
}

static void check_elementwise(const tb_ops *o, float *conv_in, int64_t nconv)
{
    const tb_ops *r = &tb_ops_ref;
    static const int64_t ns[] = {1, 15, 16, 17, 3200, 8640};
    static const float scales[] = {1.0f, 40.0f, 3e4f};
    const int64_t nmax = 8640;
    float *x = xmalloc(nmax * sizeof *x), *w = xmalloc(nmax * sizeof *w);
    float *ya = xmalloc(nmax * sizeof *ya), *yb = xmalloc(nmax * sizeof *yb);
    for (int si = 0; si < 3; si++)
        for (int ni = 0; ni < 6; ni++) {
            int64_t n = ns[ni];
            size_t bytes = (size_t)n * sizeof(float);
            fill(x, n, scales[si]);
            fill(w, n, 1.0f);
            r->rmsnorm(ya, x, w, n, 1e-6f);
            o->rmsnorm(yb, x, w, n, 1e-6f);
            same(o->name, "rmsnorm", yb, ya, bytes, n, si);
            memcpy(yb, x, bytes); /* in place: y aliases x */
            o->rmsnorm(yb, yb, w, n, 1e-6f);
            same(o->name, "rmsnorm in place", yb, ya, bytes, n, si);
            r->swiglu(ya, x, w, n);
            o->swiglu(yb, x, w, n);
            same(o->name, "swiglu", yb, ya, bytes, n, si);
            r->relu2glu(ya, x, w, n);
            o->relu2glu(yb, x, w, n);
            same(o->name, "relu2glu", yb, ya, bytes, n, si);
            memcpy(ya, w, bytes);
            memcpy(yb, w, bytes);
            r->add(ya, x, n);
            o->add(yb, x, n);
            same(o->name, "add", yb, ya, bytes, n, si);
            int64_t ia = r->argmax(x, n), ib = o->argmax(x, n);
            if (ia != ib) {
                fprintf(stderr, "FAIL %s argmax (n=%lld): %lld vs ops_ref %lld\n", o->name, (long long)n,
                        (long long)ib, (long long)ia);
                bitexact_fails++;
            }
            if (n > 17) { /* ties: the first maximum */
                x[n / 3] = x[n - 2] = 1e9f;
                if (o->argmax(x, n) != n / 3) {
                    fprintf(stderr, "FAIL %s argmax tie (n=%lld)\n", o->name, (long long)n);
                    bitexact_fails++;
                }
            }
            double la = r->logsumexp(x, n), lb = o->logsumexp(x, n);
            same(o->name, "logsumexp", &lb, &la, sizeof la, n, si);
        }
    /* rope over the head sizes */
    static const int64_t hds[] = {64, 96, 100, 128};
    float cs[64], sn[64];
    for (int hi = 0; hi < 4; hi++)
        for (int64_t nh = 1; nh <= 32; nh += 31) {
            int64_t hd = hds[hi];
            for (int64_t i = 0; i < hd / 2; i++) {
                cs[i] = (float)cos(1000.0 * pow(500000.0, -2.0 * (double)i / (double)hd));
                sn[i] = (float)sin(1000.0 * pow(500000.0, -2.0 * (double)i / (double)hd));
            }
            fill(x, nh * hd, 30.0f);
            memcpy(ya, x, (size_t)(nh * hd) * sizeof *x);
            memcpy(yb, x, (size_t)(nh * hd) * sizeof *x);
            r->rope(ya, nh, hd, cs, sn);
            o->rope(yb, nh, hd, cs, sn);
            same(o->name, "rope", yb, ya, (size_t)(nh * hd) * sizeof *x, hd, nh);
        }
    /* fp16: all halves widened, the conversion inputs narrowed, odd lengths */
    {
        uint16_t *h = xmalloc(65536 * sizeof *h), *ha = xmalloc((size_t)nconv * sizeof *ha),
                 *hb = xmalloc((size_t)nconv * sizeof *hb);
        float *fa = xmalloc(65536 * sizeof *fa), *fb = xmalloc(65536 * sizeof *fb);
        for (uint32_t i = 0; i < 65536; i++)
            h[i] = (uint16_t)i;
        r->from_f16(fa, h, 65536);
        o->from_f16(fb, h, 65536);
        same(o->name, "from_f16", fb, fa, 65536 * sizeof *fa, 65536, 0);
        r->to_f16(ha, conv_in, nconv);
        o->to_f16(hb, conv_in, nconv);
        if (memcmp(ha, hb, (size_t)nconv * sizeof *ha)) {
            fprintf(stderr, "FAIL %s to_f16 differs from ops_ref\n", o->name);
            bitexact_fails++;
        }
        for (int ni = 0; ni < 5; ni++) { /* tails: nothing written past n */
            int64_t n = ns[ni];
            memset(hb, 0xab, 64);
            o->to_f16(hb, conv_in + 7, n);
            r->to_f16(ha, conv_in + 7, n);
            if (memcmp(ha, hb, (size_t)n * 2) || (n < 30 && hb[n] != 0xabab)) {
                fprintf(stderr, "FAIL %s to_f16 n=%lld\n", o->name, (long long)n);
                bitexact_fails++;
            }
            fb[n] = 12345.0f;
            o->from_f16(fb, h + 1000, n);
            r->from_f16(fa, h + 1000, n);
            same(o->name, "from_f16 tail", fb, fa, (size_t)n * sizeof *fa, n, 0);
            if (fb[n] != 12345.0f) {
                fprintf(stderr, "FAIL %s from_f16 wrote past n=%lld\n", o->name, (long long)n);
                bitexact_fails++;
            }
        }
        free(h), free(ha), free(hb), free(fa), free(fb);
    }
    free(x), free(w), free(ya), free(yb);
}

/* attention: head dims x cache lengths x GQA shapes x magnitudes, a
 * sub-range of heads (the rest must stay untouched) */
static void check_attend(const tb_ops *o)
{
    static const int64_t hds[] = {64, 96, 100, 128}, Ts[] = {1, 7, 100, 513};
    static const int64_t gqa[][2] = {{32, 8}, {20, 5}, {16, 16}};
    const tb_ops *r = &tb_ops_ref;
    for (int hi = 0; hi < 4; hi++)
        for (int ti = 0; ti < 4; ti++)
            for (int gi = 0; gi < 3; gi++)
                for (int big = 0; big < 2; big++) {
                    int64_t hd = hds[hi], T = Ts[ti], nh = gqa[gi][0], nkv = gqa[gi][1], kvn = T * nkv * hd;
                    float *q = xmalloc((size_t)(nh * hd) * sizeof *q), *tmp = xmalloc((size_t)kvn * sizeof *tmp);
                    float *oa = xmalloc((size_t)(nh * hd) * sizeof *oa), *ob = xmalloc((size_t)(nh * hd) * sizeof *ob);
                    float *sa = xmalloc((size_t)T * sizeof *sa), *sb = xmalloc((size_t)T * sizeof *sb);
                    uint16_t *k = xmalloc((size_t)kvn * 2), *v = xmalloc((size_t)kvn * 2);
                    /* big: |scores| ~ 1e4 (softmax is one-hot, exp underflows) */
                    fill(q, nh * hd, big ? 100.0f : 1.0f);
                    fill(tmp, kvn, big ? 100.0f : 1.0f);
                    r->to_f16(k, tmp, kvn);
                    fill(tmp, kvn, 1.0f);
                    r->to_f16(v, tmp, kvn);
                    float scale = 1.0f / sqrtf((float)hd);
                    int64_t h0 = nh > 1 ? 1 : 0, h1 = nh > 2 ? nh - 1 : nh;
                    for (int64_t i = 0; i < nh * hd; i++)
                        oa[i] = ob[i] = -7.0f; /* sentinel outside [h0, h1) */
                    r->attend(oa, q, k, v, T, h0, h1, nh, nkv, hd, scale, sa);
                    o->attend(ob, q, k, v, T, h0, h1, nh, nkv, hd, scale, sb);
                    same(o->name, "attend", ob, oa, (size_t)(nh * hd) * sizeof *oa, hd * 10000 + T, nh * 100 + big);
                    int bad = 0;
                    for (int64_t h = 0; h < nh; h++)
                        for (int64_t i = 0; i < hd; i++) {
                            float val = ob[h * hd + i];
                            if (h < h0 || h >= h1)
                                bad += val != -7.0f;
                            else
                                bad += !isfinite(val) || fabsf(val) > 65504.0f; /* a convex mix of fp16 values */
                        }
                    if (bad) {
                        fprintf(stderr, "FAIL %s attend hd=%lld T=%lld %lld/%lld big=%d: %d bad outputs\n", o->name,
                                (long long)hd, (long long)T, (long long)nh, (long long)nkv, big, bad);
                        bitexact_fails++;
                    }
                    free(q), free(tmp), free(oa), free(ob), free(sa), free(sb), free(k), free(v);
                }
}

int main(void)
{
    const int64_t nconv = 65536 * 4 + (1 << 20);
    float *conv_in = xmalloc((size_t)nconv * sizeof *conv_in);
    CHECK(conversion_inputs(conv_in, nconv) == nconv);

    check_exp();
    check_fp16_ref(conv_in, nconv);
    check_ops_ref();

    CHECK(tb_ops_count() >= 1 && tb_ops_at(0) == &tb_ops_ref && tb_ops_at(tb_ops_count()) == NULL);
    CHECK(tb_ops_find("ops_ref") == &tb_ops_ref && tb_ops_find("nope") == NULL);
    CHECK(tb_ops_best(0) == &tb_ops_ref);
    const uint32_t isa = tb_isa_allowed();
    int tested = 0, skipped = 0;
    for (int i = 0; i < tb_ops_count(); i++) {
        const tb_ops *o = tb_ops_at(i);
        uint32_t req;
        CHECK(tb_isa_suffix_req(o->isa, &req) == 0 && (o->isa_mask & req) == req);
        CHECK(tb_ops_find(o->name) == o);
        if (o->isa_mask & ~isa) {
            printf("skip %-12s (needs ISA this CPU lacks)\n", o->name);
            skipped++;
            continue;
        }
        int before = bitexact_fails;
        check_elementwise(o, conv_in, nconv);
        check_attend(o);
        printf("%-12s %s\n", o->name, bitexact_fails == before ? "bit-exact with ops_ref" : "FAILED");
        tested++;
    }
    const tb_ops *best = tb_ops_best(isa);
    CHECK((best->isa_mask & ~isa) == 0);
    printf("%d variants tested, %d skipped; best here: %s\n", tested, skipped, best->name);
    CHECK(bitexact_fails == 0);
    free(conv_in);
    TEST_DONE();
}
