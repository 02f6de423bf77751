/* ops-avx2.c - ops_avx2: the decoder's non-matmul ops (tb-ops.h) with
 * AVX2 + FMA + F16C.  Bit-exact with ops_ref: the 16 partial sums of a
 * reduction live in two ymm, lanes 0-7 (index mod 16 in 0..7) and 8-15,
 * accumulated in index order, tails blended so untouched lanes keep their
 * value; hsum16 is the fixed pairwise combination; exp8 is tb_ops_exp_ref
 * lane by lane; element-wise ops use the same operations in the same
 * order.  Tails of fp16 arrays go through a zeroed 8-half buffer (no
 * 16-bit masked loads in AVX2).  Built with -ffp-contract=off. */
#include <immintrin.h>

#include "ops-internal.h"

static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* the low r lanes (0 <= r <= 8) */
static inline __m256i lanes_mask(int64_t r) { return _mm256_loadu_si256((const __m256i *)(mask_table + 8 - r)); }

/* s[j] += s[j+8] (lo + hi), s[j] += s[j+4], s[j] += s[j+2], s[0] += s[1] */
static inline float hsum16(__m256 lo, __m256 hi)
{
    __m256 a = _mm256_add_ps(lo, hi);
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    x = _mm_add_ss(x, _mm_movehdup_ps(x));
    return _mm_cvtss_f32(x);
}

static inline __m256 exp8(__m256 x)
{
    __m256 xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(TB_EXP_X_MIN)), _mm256_set1_ps(TB_EXP_X_MAX));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(TB_EXP_LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-TB_EXP_LN2_HI), xc);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-TB_EXP_LN2_LO), r);
    __m256 p = _mm256_set1_ps(TB_EXP_C7);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C6));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C5));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(TB_EXP_C0));
    __m256i ni = _mm256_cvtps_epi32(n);
    __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    __m256 e = _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
    return _mm256_blendv_ps(e, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); /* NaN stays */
}

static inline __m256 load_h(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

/* r < 8 halves widened, the other lanes 0 */
static inline __m256 loadz_h(const uint16_t *p, int64_t r)
{
    uint16_t buf[8] = {0};
    memcpy(buf, p, (size_t)r * sizeof *p);
    return load_h(buf);
}

static inline __m256 loadz(const float *p, __m256i m) { return _mm256_maskload_ps(p, m); }

/* acc + a * b in the lanes of m, acc elsewhere */
static inline __m256 fma_masked(__m256 a, __m256 b, __m256 acc, __m256i m)
{
    return _mm256_blendv_ps(acc, _mm256_fmadd_ps(a, b, acc), _mm256_castsi256_ps(m));
}

static void rmsnorm_avx2(float *y, const float *x, const float *w, int64_t n, float eps)
{
    __m256 lo = _mm256_setzero_ps(), hi = lo;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
        lo = _mm256_fmadd_ps(a, a, lo);
        hi = _mm256_fmadd_ps(b, b, hi);
    }
    if (i < n) {
        int64_t r = n - i;
        __m256i m0 = lanes_mask(r < 8 ? r : 8), m1 = lanes_mask(r > 8 ? r - 8 : 0);
        __m256 a = loadz(x + i, m0), b = loadz(x + i + 8, m1);
        lo = fma_masked(a, a, lo, m0);
        hi = fma_masked(b, b, hi, m1);
    }
    __m256 vi = _mm256_set1_ps(1.0f / sqrtf(hsum16(lo, hi) / (float)n + eps));
    for (i = 0; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), vi), _mm256_loadu_ps(w + i)));
    if (i < n) {
        __m256i m = lanes_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_mul_ps(_mm256_mul_ps(loadz(x + i, m), vi), loadz(w + i, m)));
    }
}

static inline void rope8(float *xa, float *xb, const float *c, const float *s, __m256i m)
{
    __m256 a = loadz(xa, m), b = loadz(xb, m), vc = loadz(c, m), vs = loadz(s, m);
    _mm256_maskstore_ps(xa, m, _mm256_sub_ps(_mm256_mul_ps(a, vc), _mm256_mul_ps(b, vs)));
    _mm256_maskstore_ps(xb, m, _mm256_add_ps(_mm256_mul_ps(b, vc), _mm256_mul_ps(a, vs)));
}

static void rope_avx2(float *x, int64_t nheads, int64_t head_dim, const float *cos, const float *sin)
{
    int64_t half = head_dim / 2;
    __m256i all = lanes_mask(8);
    for (int64_t h = 0; h < nheads; h++) {
        float *xh = x + h * head_dim;
        int64_t i = 0;
        for (; i + 8 <= half; i += 8)
            rope8(xh + i, xh + half + i, cos + i, sin + i, all);
        if (i < half)
            rope8(xh + i, xh + half + i, cos + i, sin + i, lanes_mask(half - i));
    }
}

static inline __m256 swiglu8(__m256 g, __m256 u)
{
    __m256 e = exp8(_mm256_xor_ps(g, _mm256_set1_ps(-0.0f))); /* -g: a sign flip, as in the reference */
    return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), u);
}

static inline __m256 relu2glu8(__m256 g, __m256 u)
{
    __m256 r = _mm256_max_ps(g, _mm256_setzero_ps()); /* NaN or -0 -> +0, as g > 0 ? g : 0 */
    return _mm256_mul_ps(_mm256_mul_ps(r, r), u);
}

static void swiglu_avx2(float *out, const float *g, const float *u, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, swiglu8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
    if (i < n) {
        __m256i m = lanes_mask(n - i);
        _mm256_maskstore_ps(out + i, m, swiglu8(loadz(g + i, m), loadz(u + i, m)));
    }
}

static void relu2glu_avx2(float *out, const float *g, const float *u, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(out + i, relu2glu8(_mm256_loadu_ps(g + i), _mm256_loadu_ps(u + i)));
    if (i < n) {
        __m256i m = lanes_mask(n - i);
        _mm256_maskstore_ps(out + i, m, relu2glu8(loadz(g + i, m), loadz(u + i, m)));
    }
}

static void add_avx2(float *y, const float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_add_ps(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i)));
    if (i < n) {
        __m256i m = lanes_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_add_ps(loadz(y + i, m), loadz(x + i, m)));
    }
}

static void to_f16_avx2(uint16_t *dst, const float *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    if (i < n) {
        uint16_t buf[8];
        _mm_storeu_si128((__m128i *)buf, _mm256_cvtps_ph(loadz(src + i, lanes_mask(n - i)), _MM_FROUND_TO_NEAREST_INT));
        memcpy(dst + i, buf, (size_t)(n - i) * sizeof *dst);
    }
}

static void from_f16_avx2(float *dst, const uint16_t *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, load_h(src + i));
    if (i < n)
        _mm256_maskstore_ps(dst + i, lanes_mask(n - i), loadz_h(src + i, n - i));
}

/* One key's 16 partial sums over d in [full, hd), hd - full < 16. */
static inline void dot_tail(__m256 *lo, __m256 *hi, const float *q, const uint16_t *k, int64_t r)
{
    if (r >= 8) {
        *lo = _mm256_fmadd_ps(_mm256_loadu_ps(q), load_h(k), *lo);
        if (r > 8) {
            __m256i m = lanes_mask(r - 8);
            *hi = fma_masked(loadz(q + 8, m), loadz_h(k + 8, r - 8), *hi, m);
        }
    } else {
        __m256i m = lanes_mask(r);
        *lo = fma_masked(loadz(q, m), loadz_h(k, r), *lo, m);
    }
}

/* scores[t] = dot(q, k[t]) * scale for t < T (keys `stride` halves apart),
 * two keys at a time (four FMA chains); returns the maximum. */
static float scores_avx2(float *scores, const float *q, const uint16_t *k, int64_t stride, int64_t T, int64_t hd,
                         float scale)
{
    int64_t full = hd & ~(int64_t)15;
    float m = -INFINITY;
    int64_t t = 0;
    for (; t + 2 <= T; t += 2) {
        const uint16_t *k0 = k + t * stride, *k1 = k0 + stride;
        __m256 l0 = _mm256_setzero_ps(), h0 = l0, l1 = l0, h1 = l0;
        for (int64_t d = 0; d < full; d += 16) {
            __m256 qa = _mm256_loadu_ps(q + d), qb = _mm256_loadu_ps(q + d + 8);
            l0 = _mm256_fmadd_ps(qa, load_h(k0 + d), l0);
            h0 = _mm256_fmadd_ps(qb, load_h(k0 + d + 8), h0);
            l1 = _mm256_fmadd_ps(qa, load_h(k1 + d), l1);
            h1 = _mm256_fmadd_ps(qb, load_h(k1 + d + 8), h1);
        }
        if (full < hd) {
            dot_tail(&l0, &h0, q + full, k0 + full, hd - full);
            dot_tail(&l1, &h1, q + full, k1 + full, hd - full);
        }
        float s0 = hsum16(l0, h0) * scale, s1 = hsum16(l1, h1) * scale;
        scores[t] = s0;
        scores[t + 1] = s1;
        if (s0 > m)
            m = s0;
        if (s1 > m)
            m = s1;
    }
    for (; t < T; t++) {
        const uint16_t *k0 = k + t * stride;
        __m256 l0 = _mm256_setzero_ps(), h0 = l0;
        for (int64_t d = 0; d < full; d += 16) {
            l0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d), load_h(k0 + d), l0);
            h0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + d + 8), load_h(k0 + d + 8), h0);
        }
        if (full < hd)
            dot_tail(&l0, &h0, q + full, k0 + full, hd - full);
        float s = hsum16(l0, h0) * scale;
        scores[t] = s;
        if (s > m)
            m = s;
    }
    return m;
}

/* exp(e - m) of one vector in place, added to acc in the lanes of msk */
static inline __m256 softmax_step(float *e, __m256 vm, __m256 acc, __m256i msk)
{
    __m256 v = exp8(_mm256_sub_ps(loadz(e, msk), vm));
    _mm256_maskstore_ps(e, msk, v);
    return _mm256_blendv_ps(acc, _mm256_add_ps(acc, v), _mm256_castsi256_ps(msk));
}

/* e[t] = exp(e[t] - m) in place; returns their sum in the fixed order. */
static float softmax_num_avx2(float *e, int64_t T, float m)
{
    __m256 vm = _mm256_set1_ps(m), lo = _mm256_setzero_ps(), hi = lo;
    int64_t t = 0;
    for (; t + 16 <= T; t += 16) {
        __m256 a = exp8(_mm256_sub_ps(_mm256_loadu_ps(e + t), vm));
        __m256 b = exp8(_mm256_sub_ps(_mm256_loadu_ps(e + t + 8), vm));
        _mm256_storeu_ps(e + t, a);
        _mm256_storeu_ps(e + t + 8, b);
        lo = _mm256_add_ps(lo, a);
        hi = _mm256_add_ps(hi, b);
    }
    if (t < T) {
        int64_t r = T - t;
        lo = softmax_step(e + t, vm, lo, lanes_mask(r < 8 ? r : 8));
        if (r > 8)
            hi = softmax_step(e + t + 8, vm, hi, lanes_mask(r - 8));
    }
    return hsum16(lo, hi);
}

/* o[d] = (sum_t fmaf(e[t], v[t][d], .)) / sum, t in order; d in blocks of
 * 32 (4 accumulators), then single vectors, the last one masked. */
static void weighted_sum_avx2(float *o, const float *e, const uint16_t *v, int64_t stride, int64_t T, int64_t hd,
                              float sum)
{
    __m256 vs = _mm256_set1_ps(sum);
    int64_t d = 0;
    for (; d + 32 <= hd; d += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t t = 0; t < T; t++) {
            const uint16_t *vt = v + t * stride + d;
            __m256 p = _mm256_set1_ps(e[t]);
            a0 = _mm256_fmadd_ps(p, load_h(vt), a0);
            a1 = _mm256_fmadd_ps(p, load_h(vt + 8), a1);
            a2 = _mm256_fmadd_ps(p, load_h(vt + 16), a2);
            a3 = _mm256_fmadd_ps(p, load_h(vt + 24), a3);
        }
        _mm256_storeu_ps(o + d, _mm256_div_ps(a0, vs));
        _mm256_storeu_ps(o + d + 8, _mm256_div_ps(a1, vs));
        _mm256_storeu_ps(o + d + 16, _mm256_div_ps(a2, vs));
        _mm256_storeu_ps(o + d + 24, _mm256_div_ps(a3, vs));
    }
    for (; d + 8 <= hd; d += 8) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t t = 0; t < T; t++)
            a = _mm256_fmadd_ps(_mm256_set1_ps(e[t]), load_h(v + t * stride + d), a);
        _mm256_storeu_ps(o + d, _mm256_div_ps(a, vs));
    }
    if (d < hd) {
        __m256 a = _mm256_setzero_ps();
        for (int64_t t = 0; t < T; t++)
            a = _mm256_fmadd_ps(_mm256_set1_ps(e[t]), loadz_h(v + t * stride + d, hd - d), a);
        _mm256_maskstore_ps(o + d, lanes_mask(hd - d), _mm256_div_ps(a, vs));
    }
}

static void attend_avx2(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t h0,
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
        float m = scores_avx2(scores, q + h * head_dim, k + kvo, stride, T, head_dim, scale);
        float sum = softmax_num_avx2(scores, T, m);
        weighted_sum_avx2(o, scores, v + kvo, stride, T, head_dim, sum);
    }
}

/* maximum of x, NaNs skipped (-inf if none) */
static float max_avx2(const float *x, int64_t n)
{
    __m256 acc = _mm256_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        acc = _mm256_max_ps(_mm256_loadu_ps(x + i), acc); /* NaN in the first operand: acc kept */
    float b[8];
    _mm256_storeu_ps(b, acc);
    float m = -INFINITY;
    for (int j = 0; j < 8; j++)
        if (b[j] > m)
            m = b[j];
    for (; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}

static int64_t argmax_avx2(const float *x, int64_t n)
{
    float mx = max_avx2(x, n);
    __m256 vm = _mm256_set1_ps(mx);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        int eq = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), vm, _CMP_EQ_OQ));
        if (eq)
            return i + __builtin_ctz((unsigned)eq);
    }
    for (; i < n; i++)
        if (x[i] == mx)
            return i;
    return 0; /* every element NaN */
}

static double logsumexp_avx2(const float *x, int64_t n)
{
    float mx = max_avx2(x, n);
    if (isinf(mx))
        return mx;
    __m256 vm = _mm256_set1_ps(mx), lo = _mm256_setzero_ps(), hi = lo;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        lo = _mm256_add_ps(lo, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vm)));
        hi = _mm256_add_ps(hi, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), vm)));
    }
    if (i < n) {
        int64_t r = n - i;
        __m256i m0 = lanes_mask(r < 8 ? r : 8), m1 = lanes_mask(r > 8 ? r - 8 : 0);
        __m256 a = exp8(_mm256_sub_ps(loadz(x + i, m0), vm)), b = exp8(_mm256_sub_ps(loadz(x + i + 8, m1), vm));
        lo = _mm256_blendv_ps(lo, _mm256_add_ps(lo, a), _mm256_castsi256_ps(m0));
        hi = _mm256_blendv_ps(hi, _mm256_add_ps(hi, b), _mm256_castsi256_ps(m1));
    }
    return (double)mx + log((double)hsum16(lo, hi));
}

const tb_ops tb_ops_avx2 = {
    .name = "ops_avx2",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .rmsnorm = rmsnorm_avx2,
    .rope = rope_avx2,
    .swiglu = swiglu_avx2,
    .relu2glu = relu2glu_avx2,
    .add = add_avx2,
    .to_f16 = to_f16_avx2,
    .from_f16 = from_f16_avx2,
    .attend = attend_avx2,
    .argmax = argmax_avx2,
    .logsumexp = logsumexp_avx2,
};
