/* ops-avx512.c - ops_avx512: the decoder's non-matmul ops (tb-ops.h) with
 * AVX-512 F/BW/VL (+ F16C for fp16).  Bit-exact with ops_ref: one zmm holds
 * the 16 partial sums of a reduction (lane j = index j mod 16, accumulated
 * in index order; tails masked so untouched lanes keep their value), then
 * the fixed pairwise combination (hsum16); exp16 is tb_ops_exp_ref lane by
 * lane (same clamp, rounding and fmaf sequence); element-wise ops use the
 * same operations in the same order.  Built with -ffp-contract=off. */
#include <immintrin.h>

#include "ops-internal.h"

/* tail mask: the low r lanes (0 < r < 16) */
static inline __mmask16 lanes_mask(int64_t r) { return (__mmask16)((1u << r) - 1u); }

/* s[j] += s[j+8], s[j] += s[j+4], s[j] += s[j+2], s[0] += s[1] */
static inline float hsum16(__m512 v)
{
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

static inline __m512 exp16(__m512 x)
{
    __m512 xc = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(TB_EXP_X_MIN)), _mm512_set1_ps(TB_EXP_X_MAX));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(xc, _mm512_set1_ps(TB_EXP_LOG2E)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-TB_EXP_LN2_HI), xc);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-TB_EXP_LN2_LO), r);
    __m512 p = _mm512_set1_ps(TB_EXP_C7);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C5));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(TB_EXP_C0));
    __m512i ni = _mm512_cvtps_epi32(n);
    __m512i n1 = _mm512_srai_epi32(ni, 1), n2 = _mm512_sub_epi32(ni, n1);
    __m512i bias = _mm512_set1_epi32(127);
    __m512 s1 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n1, bias), 23));
    __m512 s2 = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n2, bias), 23));
    __m512 e = _mm512_mul_ps(_mm512_mul_ps(p, s1), s2);
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), e, x); /* NaN stays */
}

static inline __m512 load_h(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
static inline __m512 loadz_h(__mmask16 m, const uint16_t *p) { return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p)); }

static void rmsnorm_avx512(float *y, const float *x, const float *w, int64_t n, float eps)
{
    __m512 acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        acc = _mm512_fmadd_ps(v, v, acc);
    }
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        __m512 v = _mm512_maskz_loadu_ps(m, x + i);
        acc = _mm512_mask3_fmadd_ps(v, v, acc, m);
    }
    float inv = 1.0f / sqrtf(hsum16(acc) / (float)n + eps);
    __m512 vi = _mm512_set1_ps(inv);
    for (i = 0; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(x + i), vi), _mm512_loadu_ps(w + i)));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vi), _mm512_maskz_loadu_ps(m, w + i));
        _mm512_mask_storeu_ps(y + i, m, v);
    }
}

static inline void rope16(float *xa, float *xb, const float *c, const float *s, __mmask16 m)
{
    __m512 a = _mm512_maskz_loadu_ps(m, xa), b = _mm512_maskz_loadu_ps(m, xb);
    __m512 vc = _mm512_maskz_loadu_ps(m, c), vs = _mm512_maskz_loadu_ps(m, s);
    _mm512_mask_storeu_ps(xa, m, _mm512_sub_ps(_mm512_mul_ps(a, vc), _mm512_mul_ps(b, vs)));
    _mm512_mask_storeu_ps(xb, m, _mm512_add_ps(_mm512_mul_ps(b, vc), _mm512_mul_ps(a, vs)));
}

static void rope_avx512(float *x, int64_t nheads, int64_t head_dim, const float *cos, const float *sin)
{
    int64_t half = head_dim / 2;
    for (int64_t h = 0; h < nheads; h++) {
        float *xh = x + h * head_dim;
        int64_t i = 0;
        for (; i + 16 <= half; i += 16)
            rope16(xh + i, xh + half + i, cos + i, sin + i, (__mmask16)0xffff);
        if (i < half)
            rope16(xh + i, xh + half + i, cos + i, sin + i, lanes_mask(half - i));
    }
}

static inline __m512 swiglu16(__m512 g, __m512 u)
{
    __m512 e = exp16(_mm512_xor_ps(g, _mm512_set1_ps(-0.0f))); /* -g: a sign flip, as in the reference */
    return _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), u);
}

static void swiglu_avx512(float *out, const float *g, const float *u, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, swiglu16(_mm512_loadu_ps(g + i), _mm512_loadu_ps(u + i)));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        _mm512_mask_storeu_ps(out + i, m, swiglu16(_mm512_maskz_loadu_ps(m, g + i), _mm512_maskz_loadu_ps(m, u + i)));
    }
}

static inline __m512 relu2glu16(__m512 g, __m512 u)
{
    __m512 r = _mm512_max_ps(g, _mm512_setzero_ps()); /* NaN or -0 -> +0, as g > 0 ? g : 0 */
    return _mm512_mul_ps(_mm512_mul_ps(r, r), u);
}

static void relu2glu_avx512(float *out, const float *g, const float *u, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(out + i, relu2glu16(_mm512_loadu_ps(g + i), _mm512_loadu_ps(u + i)));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        _mm512_mask_storeu_ps(out + i, m, relu2glu16(_mm512_maskz_loadu_ps(m, g + i), _mm512_maskz_loadu_ps(m, u + i)));
    }
}

static void add_avx512(float *y, const float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_add_ps(_mm512_loadu_ps(y + i), _mm512_loadu_ps(x + i)));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, y + i), _mm512_maskz_loadu_ps(m, x + i)));
    }
}

static void to_f16_avx512(uint16_t *dst, const float *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm512_cvtps_ph(_mm512_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        __m256i h = _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_mask_storeu_epi16(dst + i, m, h);
    }
}

static void from_f16_avx512(float *dst, const uint16_t *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(dst + i, load_h(src + i));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        _mm512_mask_storeu_ps(dst + i, m, loadz_h(m, src + i));
    }
}

/* scores[t] = dot(q, k[t]) * scale for t < T (keys `stride` halves apart),
 * four keys at a time for independent FMA chains; returns the maximum. */
static float scores_avx512(float *scores, const float *q, const uint16_t *k, int64_t stride, int64_t T,
                           int64_t hd, float scale)
{
    int64_t full = hd & ~(int64_t)15;
    __mmask16 tm = lanes_mask(hd - full);
    float m = -INFINITY;
    int64_t t = 0;
    for (; t + 4 <= T; t += 4) {
        const uint16_t *k0 = k + t * stride, *k1 = k0 + stride, *k2 = k1 + stride, *k3 = k2 + stride;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t d = 0; d < full; d += 16) {
            __m512 qv = _mm512_loadu_ps(q + d);
            a0 = _mm512_fmadd_ps(qv, load_h(k0 + d), a0);
            a1 = _mm512_fmadd_ps(qv, load_h(k1 + d), a1);
            a2 = _mm512_fmadd_ps(qv, load_h(k2 + d), a2);
            a3 = _mm512_fmadd_ps(qv, load_h(k3 + d), a3);
        }
        if (full < hd) {
            __m512 qv = _mm512_maskz_loadu_ps(tm, q + full);
            a0 = _mm512_mask3_fmadd_ps(qv, loadz_h(tm, k0 + full), a0, tm);
            a1 = _mm512_mask3_fmadd_ps(qv, loadz_h(tm, k1 + full), a1, tm);
            a2 = _mm512_mask3_fmadd_ps(qv, loadz_h(tm, k2 + full), a2, tm);
            a3 = _mm512_mask3_fmadd_ps(qv, loadz_h(tm, k3 + full), a3, tm);
        }
        float s[4] = {hsum16(a0) * scale, hsum16(a1) * scale, hsum16(a2) * scale, hsum16(a3) * scale};
        for (int j = 0; j < 4; j++) {
            scores[t + j] = s[j];
            if (s[j] > m)
                m = s[j];
        }
    }
    for (; t < T; t++) {
        const uint16_t *k0 = k + t * stride;
        __m512 a0 = _mm512_setzero_ps();
        for (int64_t d = 0; d < full; d += 16)
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + d), load_h(k0 + d), a0);
        if (full < hd)
            a0 = _mm512_mask3_fmadd_ps(_mm512_maskz_loadu_ps(tm, q + full), loadz_h(tm, k0 + full), a0, tm);
        float s = hsum16(a0) * scale;
        scores[t] = s;
        if (s > m)
            m = s;
    }
    return m;
}

/* e[t] = exp(e[t] - m) in place; returns their sum in the fixed order. */
static float softmax_num_avx512(float *e, int64_t T, float m)
{
    __m512 vm = _mm512_set1_ps(m), acc = _mm512_setzero_ps();
    int64_t t = 0;
    for (; t + 16 <= T; t += 16) {
        __m512 v = exp16(_mm512_sub_ps(_mm512_loadu_ps(e + t), vm));
        _mm512_storeu_ps(e + t, v);
        acc = _mm512_add_ps(acc, v);
    }
    if (t < T) {
        __mmask16 k = lanes_mask(T - t);
        __m512 v = exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, e + t), vm));
        _mm512_mask_storeu_ps(e + t, k, v);
        acc = _mm512_mask_add_ps(acc, k, acc, v);
    }
    return hsum16(acc);
}

/* o[d] = (sum_t fmaf(e[t], v[t][d], .)) / sum, t in order; d in blocks of
 * 64 (4 accumulators), then single vectors, the last one masked. */
static void weighted_sum_avx512(float *o, const float *e, const uint16_t *v, int64_t stride, int64_t T,
                                int64_t hd, float sum)
{
    __m512 vs = _mm512_set1_ps(sum);
    int64_t d = 0;
    for (; d + 64 <= hd; d += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t t = 0; t < T; t++) {
            const uint16_t *vt = v + t * stride + d;
            __m512 p = _mm512_set1_ps(e[t]);
            a0 = _mm512_fmadd_ps(p, load_h(vt), a0);
            a1 = _mm512_fmadd_ps(p, load_h(vt + 16), a1);
            a2 = _mm512_fmadd_ps(p, load_h(vt + 32), a2);
            a3 = _mm512_fmadd_ps(p, load_h(vt + 48), a3);
        }
        _mm512_storeu_ps(o + d, _mm512_div_ps(a0, vs));
        _mm512_storeu_ps(o + d + 16, _mm512_div_ps(a1, vs));
        _mm512_storeu_ps(o + d + 32, _mm512_div_ps(a2, vs));
        _mm512_storeu_ps(o + d + 48, _mm512_div_ps(a3, vs));
    }
    for (; d < hd; d += 16) {
        __mmask16 m = hd - d >= 16 ? (__mmask16)0xffff : lanes_mask(hd - d);
        __m512 a = _mm512_setzero_ps();
        for (int64_t t = 0; t < T; t++)
            a = _mm512_fmadd_ps(_mm512_set1_ps(e[t]), loadz_h(m, v + t * stride + d), a);
        _mm512_mask_storeu_ps(o + d, m, _mm512_div_ps(a, vs));
    }
}

static void attend_avx512(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t h0,
                          int64_t h1, int64_t nheads, int64_t nkv, int64_t head_dim, float scale, float *scores)
{
    int64_t group = nheads / nkv, stride = nkv * head_dim;
    for (int64_t h = h0; h < h1; h++) {
        float *o = out + h * head_dim;
        if (T <= 0) {
            memset(o, 0, (size_t)head_dim * sizeof *o);
            continue;
        }
        int64_t kvo = (h / group) * head_dim;
        float m = scores_avx512(scores, q + h * head_dim, k + kvo, stride, T, head_dim, scale);
        float sum = softmax_num_avx512(scores, T, m);
        weighted_sum_avx512(o, scores, v + kvo, stride, T, head_dim, sum);
    }
}

/* maximum of x, NaNs skipped (-inf if none) */
static float max_avx512(const float *x, int64_t n)
{
    __m512 acc = _mm512_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_max_ps(_mm512_loadu_ps(x + i), acc); /* NaN in the first operand: acc kept */
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        acc = _mm512_mask_max_ps(acc, m, _mm512_maskz_loadu_ps(m, x + i), acc);
    }
    return _mm512_reduce_max_ps(acc);
}

static int64_t argmax_avx512(const float *x, int64_t n)
{
    float mx = max_avx512(x, n);
    __m512 vm = _mm512_set1_ps(mx);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 eq = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), vm, _CMP_EQ_OQ);
        if (eq)
            return i + __builtin_ctz(eq);
    }
    for (; i < n; i++)
        if (x[i] == mx)
            return i;
    return 0; /* every element NaN */
}

static double logsumexp_avx512(const float *x, int64_t n)
{
    float mx = max_avx512(x, n);
    if (isinf(mx))
        return mx;
    __m512 vm = _mm512_set1_ps(mx), acc = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        acc = _mm512_add_ps(acc, exp16(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm)));
    if (i < n) {
        __mmask16 m = lanes_mask(n - i);
        acc = _mm512_mask_add_ps(acc, m, acc, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + i), vm)));
    }
    return (double)mx + log((double)hsum16(acc));
}

const tb_ops tb_ops_avx512 = {
    .name = "ops_avx512",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .rmsnorm = rmsnorm_avx512,
    .rope = rope_avx512,
    .swiglu = swiglu_avx512,
    .relu2glu = relu2glu_avx512,
    .add = add_avx512,
    .to_f16 = to_f16_avx512,
    .from_f16 = from_f16_avx512,
    .attend = attend_avx512,
    .argmax = argmax_avx512,
    .logsumexp = logsumexp_avx512,
};
