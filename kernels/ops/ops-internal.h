/* ops-internal.h - shared by the files of kernels/ops/ (and their tests):
 * the one exp polynomial (constants and the scalar definition every SIMD
 * variant reproduces lane by lane), the fixed 16-lane reduction, and the
 * variant records.  fp16 <-> fp32 conversion is kernels/fp16's
 * (tb_fp16_from_f32 / tb_fp16_to_f32, checked against F16C bit for bit).
 *
 * exp(x), the only transcendental of the ops:
 *   xc = clamp(x, TB_EXP_X_MIN, TB_EXP_X_MAX)       (NaN: returned as is)
 *   n  = rint(xc * log2(e))                          (nearest even)
 *   r  = fmaf(n, -ln2_hi, xc);  r = fmaf(n, -ln2_lo, r)    |r| <= ln2/2
 *   p  = Horner with fmaf over the degree-7 Taylor coefficients 1/k! of e^r
 *   exp = (p * 2^n1) * 2^n2,  n1 = n >> 1 (arithmetic), n2 = n - n1
 * Truncation error of the Taylor polynomial on |r| <= ln2/2:
 * (ln2/2)^8 / 8! / e^(-ln2/2) < 7.5e-9 relative; with the fp32 rounding of
 * the Horner steps the measured maximum over [-87, 88] is in
 * tests/kernels/test-ops.c (bound checked there: 1.2e-7, about 2 ulp, relative to the
 * double-precision exp).  Splitting 2^n in two keeps every factor a normal
 * float, so results overflow to inf above ~88.72 and underflow gradually
 * (subnormals) down to 0 below ~-103.97; the clamp only keeps n in int range
 * (exp(100) is inf and exp(-110) is 0 in fp32 anyway). */
#ifndef TB_OPS_INTERNAL_H
#define TB_OPS_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tb-isa-req.h" /* TB_ISA_FILE_REQ of the records */
#include "tb-ops.h"

#define TB_OPS_LANES 16 /* partial sums of every reduction (tb-ops.h) */

#define TB_EXP_X_MIN   (-110.0f)
#define TB_EXP_X_MAX   100.0f
#define TB_EXP_LOG2E   0x1.715476p+0f    /* fp32(log2 e) */
#define TB_EXP_LN2_HI  0x1.62e430p-1f    /* fp32(ln 2) */
#define TB_EXP_LN2_LO  (-0x1.05c610p-29f) /* fp32(ln 2 - ln2_hi) */
#define TB_EXP_C7      0x1.a01a02p-13f   /* fp32(1/7!) */
#define TB_EXP_C6      0x1.6c16c2p-10f   /* fp32(1/6!) */
#define TB_EXP_C5      0x1.111112p-7f    /* fp32(1/5!) */
#define TB_EXP_C4      0x1.555556p-5f    /* fp32(1/4!) */
#define TB_EXP_C3      0x1.555556p-3f    /* fp32(1/3!) */
#define TB_EXP_C2      0.5f
#define TB_EXP_C1      1.0f
#define TB_EXP_C0      1.0f

static inline float tb_ops_f32_from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The scalar definition of the ops' exp (see the file comment). */
static inline float tb_ops_exp_ref(float x)
{
    if (x != x)
        return x;
    float xc = x < TB_EXP_X_MIN ? TB_EXP_X_MIN : x > TB_EXP_X_MAX ? TB_EXP_X_MAX : x;
    float n = rintf(xc * TB_EXP_LOG2E);
    float r = fmaf(n, -TB_EXP_LN2_HI, xc);
    r = fmaf(n, -TB_EXP_LN2_LO, r);
    float p = TB_EXP_C7;
    p = fmaf(p, r, TB_EXP_C6);
    p = fmaf(p, r, TB_EXP_C5);
    p = fmaf(p, r, TB_EXP_C4);
    p = fmaf(p, r, TB_EXP_C3);
    p = fmaf(p, r, TB_EXP_C2);
    p = fmaf(p, r, TB_EXP_C1);
    p = fmaf(p, r, TB_EXP_C0);
    int32_t ni = (int32_t)n; /* in [-159, 145] */
    int32_t n1 = ni >> 1, n2 = ni - n1;
    float s1 = tb_ops_f32_from_bits((uint32_t)(n1 + 127) << 23);
    float s2 = tb_ops_f32_from_bits((uint32_t)(n2 + 127) << 23);
    return (p * s1) * s2;
}

/* The fixed combination of 16 partial sums (tb-ops.h): s[j] += s[j + w]
 * for w = 8, 4, 2, 1 and j < w; returns s[0].  Clobbers s. */
static inline float tb_ops_reduce16(float s[TB_OPS_LANES])
{
    for (int w = TB_OPS_LANES / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; j++)
            s[j] += s[j + w];
    return s[0];
}

extern const tb_ops tb_ops_ref;
extern const tb_ops tb_ops_avx2, tb_ops_avx512; /* x86 builds only */
extern const tb_ops tb_ops_neon;                 /* AArch64 builds only (kernels/arm/ops-neon.c) */

#endif
