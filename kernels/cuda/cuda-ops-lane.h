/* cuda-ops-lane.h - the per-element arithmetic of the GPU decoder's
 * non-matmul ops (kernels/cuda/plugin/plugin-dec.cu), written once for both
 * compilers as cuda-lane.h is for the matmuls: nvcc builds it into the
 * plugin's kernels (__host__ __device__), gcc into
 * tests/kernels/test-cuda-ops-host.c, which composes these functions the
 * way the device threads do and checks the results against ops_ref
 * (kernels/ops/ops-ref.c) bit for bit.
 *
 * Every rounding is explicit: on the device the products and sums are the
 * _rn intrinsics (never contracted into an FMA, whatever --fmad says), fmaf
 * is fmaf, division and sqrt are IEEE (__fdiv_rn, __fsqrt_rn); on the host
 * plain C under -ffp-contract=off.  So each op is BIT-EXACT with ops_ref:
 *   rmsnorm  thread j < 16 accumulates s[j] = fmaf(x[i], x[i], s[j]) over
 *            i = j, j + 16, ... in index order (ops_ref's 16 interleaved
 *            partial sums), one thread combines them (tb_gd_reduce16), then
 *            every element x * inv * w;
 *   rope     one pair (i, i + half) per thread, ops_ref's formula;
 *   swiglu / relu2glu / add   one element per thread, ops_ref's formula;
 *   to_f16   binary16 round to nearest even, bit-level (tb_gd_f16);
 *   attend   one thread per position t computes the whole score (16-lane
 *            dot in index order, * scale), the maximum is exact in any
 *            order, e = exp(s - m) per t (tb_gd_exp, ops_ref's polynomial),
 *            the sum in 16 interleaved partials by t, and one thread per
 *            output dimension d accumulates fmaf(e[t], v[t][d], o) over t
 *            in order, then o / sum.
 * NaN payloads are not part of the contract (as in tb-ops.h). */
#ifndef TB_CUDA_OPS_LANE_H
#define TB_CUDA_OPS_LANE_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define TB_GD static inline __host__ __device__
#else
#define TB_GD static inline
#endif

#define TB_GD_LANES 16 /* partial sums of every reduction (tb-ops.h) */

/* One rounding each, never fused. */
TB_GD float tb_gd_mul(float a, float b)
{
#if defined(__CUDA_ARCH__)
    return __fmul_rn(a, b);
#else
    return a * b;
#endif
}
TB_GD float tb_gd_add(float a, float b)
{
#if defined(__CUDA_ARCH__)
    return __fadd_rn(a, b);
#else
    return a + b;
#endif
}
TB_GD float tb_gd_sub(float a, float b)
{
#if defined(__CUDA_ARCH__)
    return __fsub_rn(a, b);
#else
    return a - b;
#endif
}
TB_GD float tb_gd_div(float a, float b)
{
#if defined(__CUDA_ARCH__)
    return __fdiv_rn(a, b);
#else
    return a / b;
#endif
}
TB_GD float tb_gd_sqrt(float a)
{
#if defined(__CUDA_ARCH__)
    return __fsqrt_rn(a);
#else
    return sqrtf(a);
#endif
}

TB_GD float tb_gd_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
TB_GD uint32_t tb_gd_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* ops_ref's exp (kernels/ops/ops-internal.h: clamp, n = rint(x log2 e),
 * two-step reduction, degree-7 Horner with fmaf, 2^n in two factors); the
 * constants are the same fp32 values. */
TB_GD float tb_gd_exp(float x)
{
    if (x != x)
        return x;
    float xc = x < -110.0f ? -110.0f : x > 100.0f ? 100.0f : x;
    float n = rintf(tb_gd_mul(xc, 0x1.715476p+0f));
    float r = fmaf(n, -0x1.62e430p-1f, xc);
    r = fmaf(n, 0x1.05c610p-29f, r); /* -TB_EXP_LN2_LO */
    float p = 0x1.a01a02p-13f;
    p = fmaf(p, r, 0x1.6c16c2p-10f);
    p = fmaf(p, r, 0x1.111112p-7f);
    p = fmaf(p, r, 0x1.555556p-5f);
    p = fmaf(p, r, 0x1.555556p-3f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t ni = (int32_t)n;
    int32_t n1 = ni >> 1, n2 = ni - n1;
    float s1 = tb_gd_from_bits((uint32_t)(n1 + 127) << 23);
    float s2 = tb_gd_from_bits((uint32_t)(n2 + 127) << 23);
    return tb_gd_mul(tb_gd_mul(p, s1), s2);
}

/* The fixed combination of 16 partial sums: s[j] += s[j + w], w = 8, 4, 2, 1. */
TB_GD float tb_gd_reduce16(float s[TB_GD_LANES])
{
    for (int w = TB_GD_LANES / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; j++)
            s[j] = tb_gd_add(s[j], s[j + w]);
    return s[0];
}

/* ---- fp16 ---- */

/* fp32 -> binary16, round to nearest even (NaN stays NaN, quiet). */
TB_GD uint16_t tb_gd_f16(float f)
{
    uint32_t u = tb_gd_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) /* NaN */
        return (uint16_t)(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
    if (a >= 0x477ff000u) /* rounds to >= 65520: inf */
        return (uint16_t)(sign | 0x7c00u);
    if (a < 0x38800000u) { /* below 2^-14: subnormal half (or 0) */
        if (a < 0x33000000u) /* below 2^-25: rounds to 0 (2^-25 itself ties to even 0) */
            return sign;
        uint32_t m = (a & 0x7fffffu) | 0x800000u;
        /* value m 2^(e - 150) in units of 2^-24 (the subnormal half's): m >> (126 - e) */
        int shift = 126 - (int)(a >> 23); /* 14..24 */
        uint32_t q = m >> shift, rem = m & ((1u << shift) - 1u);
        uint32_t halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1u)))
            q++;
        return (uint16_t)(sign | q);
    }
    uint32_t h = ((a - 0x38000000u) >> 13); /* rebias exponent 127 -> 15 */
    uint32_t rem = a & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++;
    return (uint16_t)(sign | h);
}

/* binary16 -> fp32 (exact). */
TB_GD float tb_gd_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1f)
        return tb_gd_from_bits(sign | 0x7f800000u | (m << 13));
    if (e == 0) {
        if (!m)
            return tb_gd_from_bits(sign);
        /* m * 2^-24, exact */
        float v = tb_gd_mul((float)m, 0x1p-24f);
        return sign ? -v : v;
    }
    return tb_gd_from_bits(sign | ((e + 112u) << 23) | (m << 13));
}

/* ---- element-wise ops (ops_ref's formulas, left to right) ---- */

/* RMSNorm: partial j of the sum of squares over i = j, j + 16, ... < n. */
TB_GD float tb_gd_sumsq_part(const float *x, int64_t n, int j)
{
    float s = 0.0f;
    for (int64_t i = j; i < n; i += TB_GD_LANES)
        s = fmaf(x[i], x[i], s);
    return s;
}
/* inv = 1 / sqrt(ss / n + eps) */
TB_GD float tb_gd_rms_inv(float ss, int64_t n, float eps)
{
    return tb_gd_div(1.0f, tb_gd_sqrt(tb_gd_add(tb_gd_div(ss, (float)n), eps)));
}
TB_GD float tb_gd_rms_elem(float x, float inv, float w) { return tb_gd_mul(tb_gd_mul(x, inv), w); }

/* RoPE pair: (a, b) -> (a c - b s, b c + a s) */
TB_GD void tb_gd_rope_pair(float *a, float *b, float c, float s)
{
    float x = *a, y = *b;
    *a = tb_gd_sub(tb_gd_mul(x, c), tb_gd_mul(y, s));
    *b = tb_gd_add(tb_gd_mul(y, c), tb_gd_mul(x, s));
}

TB_GD float tb_gd_swiglu(float g, float u)
{
    return tb_gd_mul(tb_gd_div(g, tb_gd_add(1.0f, tb_gd_exp(-g))), u);
}
TB_GD float tb_gd_relu2(float g, float u)
{
    float m = g > 0.0f ? g : 0.0f;
    return tb_gd_mul(tb_gd_mul(m, m), u);
}

/* ---- attention pieces ---- */

/* Score of query q against one fp16 key row: 16-lane dot in index order, * scale. */
TB_GD float tb_gd_score(const float *q, const uint16_t *k, int64_t hd, float scale)
{
    float s[TB_GD_LANES];
    for (int j = 0; j < TB_GD_LANES; j++)
        s[j] = 0.0f;
    for (int64_t i = 0; i < hd; i++)
        s[i % TB_GD_LANES] = fmaf(q[i], tb_gd_f32(k[i]), s[i % TB_GD_LANES]);
    return tb_gd_mul(tb_gd_reduce16(s), scale);
}
/* Partial j of the sum of e[t] over t = j, j + 16, ... < T (plain adds). */
TB_GD float tb_gd_sum_part(const float *e, int64_t T, int j)
{
    float s = 0.0f;
    for (int64_t t = j; t < T; t += TB_GD_LANES)
        s = tb_gd_add(s, e[t]);
    return s;
}
/* Output dimension d: sum_t fmaf(e[t], v[t][d]) in t order, / sum. */
TB_GD float tb_gd_attn_out(const float *e, const uint16_t *v, int64_t stride, int64_t T, float sum)
{
    float o = 0.0f;
    for (int64_t t = 0; t < T; t++)
        o = fmaf(e[t], tb_gd_f32(v[t * stride]), o);
    return T > 0 ? tb_gd_div(o, sum) : 0.0f;
}

#endif
