/* ops-neon.c - ops_neon: the decoder's non-matmul ops (tb-ops.h) with
 * AArch64 Advanced SIMD (Armv8.0: every AArch64 CPU).  Bit-exact with
 * ops_ref (kernels/ops/ops-ref.c):
 *   - the 16 partial sums of a reduction live in four float32x4_t, lanes
 *     0-3, 4-7, 8-11, 12-15 (index mod 16), accumulated in index order with
 *     vfmaq_f32 (one rounding, as fmaf) or vaddq_f32; a tail shorter than
 *     16 continues scalar on the spilled sums (the same fmaf / +), and
 *     hsum16 / tb_ops_reduce16 is the fixed pairwise combination;
 *   - exp4 is tb_ops_exp_ref lane by lane (frintn = rintf's nearest even,
 *     vfmaq_f32 for its fmaf steps, the same two-factor 2^n);
 *   - element-wise ops evaluate the reference's formula with the same
 *     operations in the same order; tails run the reference's scalar code.
 * Built with -ffp-contract=off (kernels/CMakeLists.txt), so no vmulq/vaddq
 * pair is fused behind the code's back.  fp16 conversions are fcvtn/fcvtl
 * (round to nearest even, FPCR's default on Linux). */
#include <arm_neon.h>

#include "../ops/ops-internal.h"
#include "../fp16/fp16-internal.h" /* tb_fp16_from_f32 / tb_fp16_to_f32 for tails */

/* s[j] += s[j+8], s[j] += s[j+4], s[j] += s[j+2], s[0] + s[1] */
static inline float hsum16(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3)
{
    float32x4_t x = vaddq_f32(vaddq_f32(a0, a2), vaddq_f32(a1, a3));
    float32x2_t y = vadd_f32(vget_low_f32(x), vget_high_f32(x));
    return vget_lane_f32(y, 0) + vget_lane_f32(y, 1);
}

/* the four accumulators as the reference's s[16] */
static inline void spill16(float s[TB_OPS_LANES], float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3)
{
    vst1q_f32(s, a0);
    vst1q_f32(s + 4, a1);
    vst1q_f32(s + 8, a2);
    vst1q_f32(s + 12, a3);
}

static inline float32x4_t exp4(float32x4_t x)
{
    float32x4_t xc = vminq_f32(vmaxq_f32(x, vdupq_n_f32(TB_EXP_X_MIN)), vdupq_n_f32(TB_EXP_X_MAX));
    float32x4_t n = vrndnq_f32(vmulq_f32(xc, vdupq_n_f32(TB_EXP_LOG2E)));
    float32x4_t r = vfmaq_f32(xc, n, vdupq_n_f32(-TB_EXP_LN2_HI));
    r = vfmaq_f32(r, n, vdupq_n_f32(-TB_EXP_LN2_LO));
    float32x4_t p = vdupq_n_f32(TB_EXP_C7);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C6), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C5), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C4), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C3), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C2), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C1), p, r);
    p = vfmaq_f32(vdupq_n_f32(TB_EXP_C0), p, r);
    int32x4_t ni = vcvtq_s32_f32(n); /* n is integral: exact */
    int32x4_t n1 = vshrq_n_s32(ni, 1), n2 = vsubq_s32(ni, n1);
    int32x4_t bias = vdupq_n_s32(127);
    float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n1, bias), 23));
    float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(n2, bias), 23));
    float32x4_t e = vmulq_f32(vmulq_f32(p, s1), s2);
    return vbslq_f32(vceqq_f32(x, x), e, x); /* NaN stays */
}

static inline float32x4_t load_h(const uint16_t *p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }

static void rmsnorm_neon(float *y, const float *x, const float *w, int64_t n, float eps)
{
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        float32x4_t b0 = vld1q_f32(x + i), b1 = vld1q_f32(x + i + 4);
        float32x4_t b2 = vld1q_f32(x + i + 8), b3 = vld1q_f32(x + i + 12);
        a0 = vfmaq_f32(a0, b0, b0);
        a1 = vfmaq_f32(a1, b1, b1);
        a2 = vfmaq_f32(a2, b2, b2);
        a3 = vfmaq_f32(a3, b3, b3);
    }
    float ss;
    if (i < n) {
        float s[TB_OPS_LANES];
        spill16(s, a0, a1, a2, a3);
        for (int64_t j = 0; i + j < n; j++)
            s[j] = fmaf(x[i + j], x[i + j], s[j]);
        ss = tb_ops_reduce16(s);
    } else {
        ss = hsum16(a0, a1, a2, a3);
    }
    float inv = 1.0f / sqrtf(ss / (float)n + eps);
    float32x4_t vi = vdupq_n_f32(inv);
    for (i = 0; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vmulq_f32(vmulq_f32(vld1q_f32(x + i), vi), vld1q_f32(w + i)));
    for (; i < n; i++)
        y[i] = x[i] * inv * w[i];
}

static void rope_neon(float *x, int64_t nheads, int64_t head_dim, const float *cos, const float *sin)
{
    int64_t half = head_dim / 2;
    for (int64_t h = 0; h < nheads; h++) {
        float *xa = x + h * head_dim, *xb = xa + half;
        int64_t i = 0;
        for (; i + 4 <= half; i += 4) {
            float32x4_t a = vld1q_f32(xa + i), b = vld1q_f32(xb + i);
            float32x4_t c = vld1q_f32(cos + i), s = vld1q_f32(sin + i);
            vst1q_f32(xa + i, vsubq_f32(vmulq_f32(a, c), vmulq_f32(b, s)));
            vst1q_f32(xb + i, vaddq_f32(vmulq_f32(b, c), vmulq_f32(a, s)));
        }
        for (; i < half; i++) {
            float a = xa[i], b = xb[i];
            xa[i] = a * cos[i] - b * sin[i];
            xb[i] = b * cos[i] + a * sin[i];
        }
    }
}

static void swiglu_neon(float *out, const float *g, const float *u, int64_t n)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t gv = vld1q_f32(g + i);
        float32x4_t e = exp4(vnegq_f32(gv)); /* -g: a sign flip, as in the reference */
        vst1q_f32(out + i, vmulq_f32(vdivq_f32(gv, vaddq_f32(one, e)), vld1q_f32(u + i)));
    }
    for (; i < n; i++)
        out[i] = g[i] / (1.0f + tb_ops_exp_ref(-g[i])) * u[i];
}

static void relu2glu_neon(float *out, const float *g, const float *u, int64_t n)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t gv = vld1q_f32(g + i);
        float32x4_t m = vbslq_f32(vcgtq_f32(gv, zero), gv, zero); /* g > 0 ? g : 0 (NaN, -0 -> +0) */
        vst1q_f32(out + i, vmulq_f32(vmulq_f32(m, m), vld1q_f32(u + i)));
    }
    for (; i < n; i++) {
        float m = g[i] > 0.0f ? g[i] : 0.0f;
        out[i] = m * m * u[i];
    }
}

static void add_neon(float *y, const float *x, int64_t n)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vaddq_f32(vld1q_f32(y + i), vld1q_f32(x + i)));
    for (; i < n; i++)
        y[i] += x[i];
}

static void to_f16_neon(uint16_t *dst, const float *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1_u16(dst + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(src + i))));
    for (; i < n; i++)
        dst[i] = tb_fp16_from_f32(src[i]);
}

static void from_f16_neon(float *dst, const uint16_t *src, int64_t n)
{
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(dst + i, load_h(src + i));
    for (; i < n; i++)
        dst[i] = tb_fp16_to_f32(src[i]);
}

/* dot(q, k[0..hd)) in the fixed order */
static inline float dot_f16(const float *q, const uint16_t *k, int64_t hd)
{
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int64_t d = 0;
    for (; d + 16 <= hd; d += 16) {
        a0 = vfmaq_f32(a0, vld1q_f32(q + d), load_h(k + d));
        a1 = vfmaq_f32(a1, vld1q_f32(q + d + 4), load_h(k + d + 4));
        a2 = vfmaq_f32(a2, vld1q_f32(q + d + 8), load_h(k + d + 8));
        a3 = vfmaq_f32(a3, vld1q_f32(q + d + 12), load_h(k + d + 12));
    }
    if (d == hd)
        return hsum16(a0, a1, a2, a3);
    float s[TB_OPS_LANES];
    spill16(s, a0, a1, a2, a3);
    for (int64_t j = 0; d + j < hd; j++)
        s[j] = fmaf(q[d + j], tb_fp16_to_f32(k[d + j]), s[j]);
    return tb_ops_reduce16(s);
}

/* e[t] = exp(e[t] - m) in place; returns their sum in the fixed order. */
static float softmax_num_neon(float *e, int64_t T, float m)
{
    float32x4_t vm = vdupq_n_f32(m), a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int64_t t = 0;
    for (; t + 16 <= T; t += 16) {
        float32x4_t e0 = exp4(vsubq_f32(vld1q_f32(e + t), vm));
        float32x4_t e1 = exp4(vsubq_f32(vld1q_f32(e + t + 4), vm));
        float32x4_t e2 = exp4(vsubq_f32(vld1q_f32(e + t + 8), vm));
        float32x4_t e3 = exp4(vsubq_f32(vld1q_f32(e + t + 12), vm));
        vst1q_f32(e + t, e0);
        vst1q_f32(e + t + 4, e1);
        vst1q_f32(e + t + 8, e2);
        vst1q_f32(e + t + 12, e3);
        a0 = vaddq_f32(a0, e0);
        a1 = vaddq_f32(a1, e1);
        a2 = vaddq_f32(a2, e2);
        a3 = vaddq_f32(a3, e3);
    }
    if (t == T)
        return hsum16(a0, a1, a2, a3);
    float s[TB_OPS_LANES];
    spill16(s, a0, a1, a2, a3);
    for (int64_t j = 0; t + j < T; j++) {
        float v = tb_ops_exp_ref(e[t + j] - m);
        e[t + j] = v;
        s[j] += v;
    }
    return tb_ops_reduce16(s);
}

/* o[d] = (sum_t fmaf(e[t], v[t][d], .)) / sum, t in order from 0; d in
 * blocks of 16 (four accumulators), then of 4, then scalar. */
static void weighted_sum_neon(float *o, const float *e, const uint16_t *v, int64_t stride, int64_t T, int64_t hd,
                              float sum)
{
    const float32x4_t vs = vdupq_n_f32(sum);
    int64_t d = 0;
    for (; d + 16 <= hd; d += 16) {
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
        for (int64_t t = 0; t < T; t++) {
            const uint16_t *vt = v + t * stride + d;
            float32x4_t p = vdupq_n_f32(e[t]);
            a0 = vfmaq_f32(a0, p, load_h(vt));
            a1 = vfmaq_f32(a1, p, load_h(vt + 4));
            a2 = vfmaq_f32(a2, p, load_h(vt + 8));
            a3 = vfmaq_f32(a3, p, load_h(vt + 12));
        }
        vst1q_f32(o + d, vdivq_f32(a0, vs));
        vst1q_f32(o + d + 4, vdivq_f32(a1, vs));
        vst1q_f32(o + d + 8, vdivq_f32(a2, vs));
        vst1q_f32(o + d + 12, vdivq_f32(a3, vs));
    }
    for (; d + 4 <= hd; d += 4) {
        float32x4_t a = vdupq_n_f32(0.0f);
        for (int64_t t = 0; t < T; t++)
            a = vfmaq_f32(a, vdupq_n_f32(e[t]), load_h(v + t * stride + d));
        vst1q_f32(o + d, vdivq_f32(a, vs));
    }
    for (; d < hd; d++) {
        float a = 0.0f;
        for (int64_t t = 0; t < T; t++)
            a = fmaf(e[t], tb_fp16_to_f32(v[t * stride + d]), a);
        o[d] = a / sum;
    }
}

static void attend_neon(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t h0,
                        int64_t h1, int64_t nheads, int64_t nkv, int64_t head_dim, float scale, float *scores)
{
    int64_t group = nheads / nkv, stride = nkv * head_dim;
    for (int64_t h = h0; h < h1; h++) {
        float *o = out + h * head_dim;
        if (T <= 0) {
            memset(o, 0, (size_t)head_dim * sizeof *o);
            continue;
        }
        const float *qh = q + h * head_dim;
        int64_t kvo = (h / group) * head_dim;
        float m = -INFINITY;
        for (int64_t t = 0; t < T; t++) {
            float sc = dot_f16(qh, k + kvo + t * stride, head_dim) * scale;
            scores[t] = sc;
            if (sc > m)
                m = sc;
        }
        float sum = softmax_num_neon(scores, T, m);
        weighted_sum_neon(o, scores, v + kvo, stride, T, head_dim, sum);
    }
}

/* maximum of x, NaNs skipped (-inf if none): x > acc is false for NaN */
static float max_neon(const float *x, int64_t n)
{
    float32x4_t acc = vdupq_n_f32(-INFINITY);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        float32x4_t xv = vld1q_f32(x + i);
        acc = vbslq_f32(vcgtq_f32(xv, acc), xv, acc);
    }
    float b[4];
    vst1q_f32(b, acc);
    float m = -INFINITY;
    for (int j = 0; j < 4; j++)
        if (b[j] > m)
            m = b[j];
    for (; i < n; i++)
        if (x[i] > m)
            m = x[i];
    return m;
}

/* the first index holding the maximum (== also matches -0 against +0,
 * as the reference's strict > keeps the first of them) */
static int64_t argmax_neon(const float *x, int64_t n)
{
    float mx = max_neon(x, n);
    float32x4_t vm = vdupq_n_f32(mx);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        if (vmaxvq_u32(vceqq_f32(vld1q_f32(x + i), vm)))
            break;
    for (; i < n; i++)
        if (x[i] == mx)
            return i;
    return 0; /* every element NaN */
}

static double logsumexp_neon(const float *x, int64_t n)
{
    float mx = max_neon(x, n);
    if (isinf(mx))
        return mx;
    float32x4_t vm = vdupq_n_f32(mx), a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vaddq_f32(a0, exp4(vsubq_f32(vld1q_f32(x + i), vm)));
        a1 = vaddq_f32(a1, exp4(vsubq_f32(vld1q_f32(x + i + 4), vm)));
        a2 = vaddq_f32(a2, exp4(vsubq_f32(vld1q_f32(x + i + 8), vm)));
        a3 = vaddq_f32(a3, exp4(vsubq_f32(vld1q_f32(x + i + 12), vm)));
    }
    float s[TB_OPS_LANES];
    spill16(s, a0, a1, a2, a3);
    for (int64_t j = 0; i + j < n; j++)
        s[j] += tb_ops_exp_ref(x[i + j] - mx);
    return (double)mx + log((double)tb_ops_reduce16(s));
}

const tb_ops tb_ops_neon = {
    .name = "ops_neon",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .rmsnorm = rmsnorm_neon,
    .rope = rope_neon,
    .swiglu = swiglu_neon,
    .relu2glu = relu2glu_neon,
    .add = add_neon,
    .to_f16 = to_f16_neon,
    .from_f16 = from_f16_neon,
    .attend = attend_neon,
    .argmax = argmax_neon,
    .logsumexp = logsumexp_neon,
};
