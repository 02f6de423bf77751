/* ops-ref.c - ops_ref, the portable scalar reference of the decoder's
 * non-matmul ops (tb-ops.h).  It DEFINES the results every SIMD variant
 * must reproduce bit for bit, so each operation is written as the exact
 * sequence of fp32 operations (compiled with -ffp-contract=off: a * b + c
 * is two roundings, fmaf one):
 *   - dot products and sums of squares: s[i % 16] = fmaf(a[i], b[i], s[i % 16])
 *     in index order, then tb_ops_reduce16; plain sums: s[i % 16] += e[i];
 *   - exp: tb_ops_exp_ref (ops-internal.h);
 *   - element-wise ops: the formula of tb-ops.h evaluated left to right.
 * NaN payloads are not part of the contract (which NaN propagates differs
 * between instruction sets); a NaN result is NaN in every variant. */
#include "ops-internal.h"

#include "../fp16/fp16-internal.h" /* tb_fp16_from_f32 / tb_fp16_to_f32 */

/* sum of squares of x[0..n) in the fixed order */
static float sumsq_ref(const float *x, int64_t n)
{
    float s[TB_OPS_LANES] = {0};
    for (int64_t i = 0; i < n; i++)
        s[i % TB_OPS_LANES] = fmaf(x[i], x[i], s[i % TB_OPS_LANES]);
    return tb_ops_reduce16(s);
}

static void rmsnorm_ref(float *y, const float *x, const float *w, int64_t n, float eps)
{
    float inv = 1.0f / sqrtf(sumsq_ref(x, n) / (float)n + eps);
    for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * inv * w[i];
}

static void rope_ref(float *x, int64_t nheads, int64_t head_dim, const float *cos, const float *sin)
{
    int64_t half = head_dim / 2;
    for (int64_t h = 0; h < nheads; h++) {
        float *xh = x + h * head_dim;
        for (int64_t i = 0; i < half; i++) {
            float a = xh[i], b = xh[i + half];
            xh[i] = a * cos[i] - b * sin[i];
            xh[i + half] = b * cos[i] + a * sin[i];
        }
    }
}

static void swiglu_ref(float *out, const float *g, const float *u, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = g[i] / (1.0f + tb_ops_exp_ref(-g[i])) * u[i];
}

static void relu2glu_ref(float *out, const float *g, const float *u, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        float m = g[i] > 0.0f ? g[i] : 0.0f;
        out[i] = m * m * u[i];
    }
}

static void add_ref(float *y, const float *x, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        y[i] += x[i];
}

static void to_f16_ref(uint16_t *dst, const float *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = tb_fp16_from_f32(src[i]);
}

static void from_f16_ref(float *dst, const uint16_t *src, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = tb_fp16_to_f32(src[i]);
}

static float dot_f16_ref(const float *q, const uint16_t *k, int64_t n)
{
    float s[TB_OPS_LANES] = {0};
    for (int64_t i = 0; i < n; i++)
        s[i % TB_OPS_LANES] = fmaf(q[i], tb_fp16_to_f32(k[i]), s[i % TB_OPS_LANES]);
    return tb_ops_reduce16(s);
}

/* Per head: scores (dot * scale) and their maximum; e = exp(s - max) in
 * place and their sum (fixed order); out[d] = fmaf(e[t], v[t][d], out[d])
 * over t in order from 0, then out[d] / sum.  T <= 0: out = 0. */
static void attend_ref(float *out, const float *q, const uint16_t *k, const uint16_t *v, int64_t T, int64_t h0,
                       int64_t h1, int64_t nheads, int64_t nkv, int64_t head_dim, float scale, float *scores)
{
    int64_t group = nheads / nkv, stride = nkv * head_dim;
    for (int64_t h = h0; h < h1; h++) {
        const float *qh = q + h * head_dim;
        const uint16_t *kh = k + (h / group) * head_dim, *vh = v + (h / group) * head_dim;
        float *o = out + h * head_dim;
        float m = -INFINITY;
        for (int64_t t = 0; t < T; t++) {
            float sc = dot_f16_ref(qh, kh + t * stride, head_dim) * scale;
            scores[t] = sc;
            if (sc > m)
                m = sc;
        }
        float s[TB_OPS_LANES] = {0};
        for (int64_t t = 0; t < T; t++) {
            float e = tb_ops_exp_ref(scores[t] - m);
            scores[t] = e;
            s[t % TB_OPS_LANES] += e;
        }
        float sum = tb_ops_reduce16(s);
        for (int64_t d = 0; d < head_dim; d++)
            o[d] = 0.0f;
        for (int64_t t = 0; t < T; t++)
            for (int64_t d = 0; d < head_dim; d++)
                o[d] = fmaf(scores[t], tb_fp16_to_f32(vh[t * stride + d]), o[d]);
        if (T > 0)
            for (int64_t d = 0; d < head_dim; d++)
                o[d] = o[d] / sum;
    }
}

/* First maximum; NaNs are skipped (0 when every element is NaN). */
static int64_t argmax_ref(const float *x, int64_t n)
{
    int64_t best = -1;
    float m = 0.0f;
    for (int64_t i = 0; i < n; i++)
        if (x[i] == x[i] && (best < 0 || x[i] > m)) {
            m = x[i];
            best = i;
        }
    return best < 0 ? 0 : best;
}

/* m = max (NaNs skipped); m + log(sum exp(x - m)) in double from the fp32
 * sum.  An infinite maximum is returned as is (-inf for n = 0). */
static double logsumexp_ref(const float *x, int64_t n)
{
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++)
        if (x[i] > m)
            m = x[i];
    if (isinf(m))
        return m;
    float s[TB_OPS_LANES] = {0};
    for (int64_t i = 0; i < n; i++)
        s[i % TB_OPS_LANES] += tb_ops_exp_ref(x[i] - m);
    return (double)m + log((double)tb_ops_reduce16(s));
}

const tb_ops tb_ops_ref = {
    .name = "ops_ref",
    .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .rmsnorm = rmsnorm_ref,
    .rope = rope_ref,
    .swiglu = swiglu_ref,
    .relu2glu = relu2glu_ref,
    .add = add_ref,
    .to_f16 = to_f16_ref,
    .from_f16 = from_f16_ref,
    .attend = attend_ref,
    .argmax = argmax_ref,
    .logsumexp = logsumexp_ref,
};
