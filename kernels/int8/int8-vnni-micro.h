/* int8-vnni-micro.h - the AVX-512 VNNI GEMM micro-kernel of int8_avx512vnni,
 * shared with the ternary GEMM (kernels/ternary/tern-gemm-avx512vnni.c), which
 * decodes its packed weights into the same panel layout.  Include only from
 * files built with the AVX-512 VNNI flags (*-avx512vnni.c).
 *
 * Operands (layouts of int8-internal.h):
 *   weights      panels of 16 rows; group q (4 consecutive columns) of a panel
 *                is one zmm at b + q * 64, int32 lane i = row i's 4 bytes;
 *   activations  tiles of TB_I8_VNNI_NJ tokens; the 4 bytes of group q of
 *                token jj are the u32 at xt[q * TB_I8_VNNI_NJ + jj].
 * One call multiplies np (1 or 2) panels by nj (<= 12) tokens over kn groups
 * with 2 x 12 zmm accumulators (one vpdpbusd per panel, token and group; the
 * activation group is broadcast).  Partial int32 sums of earlier K blocks are
 * parked in y itself: first == 0 loads them, last == 0 stores them back,
 * last == 1 applies the float epilogue.
 *
 * Modes (compile-time constant `mode`):
 *   TB_I8_VNNI_INT8   activations are the unsigned operand (u8 = xq + 128),
 *                     weights signed; y = (float)(acc + rint[r]) * (cf[j] * rf[r])
 *                     (rint = corr, rf = scale, cf = sx: format int8).
 *   TB_I8_VNNI_CODES  weights are the unsigned operand (ternary codes 0..2),
 *                     activations signed int8; y = (float)(acc - cint[j]) * cf[j]
 *                     (cint = activation sums, cf = factors: ternary formats).
 * TB_I8_VNNI_MICROS(prefix, mode) instantiates the 2 x 12 specialisations and
 * the table prefix##_tab[np - 1][nj - 1]. */
#ifndef TB_INT8_VNNI_MICRO_H
#define TB_INT8_VNNI_MICRO_H

#include <immintrin.h>
#include <stdint.h>

#define TB_I8_VNNI_NJ 12 /* tokens per activation tile (24 accumulators) */
#define TB_I8_VNNI_INT8 0
#define TB_I8_VNNI_CODES 1

typedef struct tb_i8_vnni_tile {
    const int8_t *b0, *b1;  /* the np panels at the block's first group */
    int64_t kn;             /* groups in the block */
    const uint32_t *xt;     /* the token tile at the block's first group */
    float *y;               /* y + j0 * ldy + first row */
    int64_t ldy;            /* floats between tokens in y */
    int first, last;
    __mmask16 m0, m1;       /* valid rows of each panel */
    const char *pf0, *pf1;  /* prefetched (T1) along the block, one line per group */
    const int32_t *rint;    /* per row (INT8 mode), from the first row */
    const float *rf;        /* per row (INT8 mode), from the first row */
    const int32_t *cint;    /* per token (CODES mode), from token j0 */
    const float *cf;        /* per token, from token j0 */
} tb_i8_vnni_tile;

static inline __attribute__((always_inline)) __m512 tb_i8_vnni_epilogue(
    const int mode, __m512i acc, const int32_t *rint, const float *rf, int32_t cint, float cf)
{
    if (mode == TB_I8_VNNI_INT8) {
        const __m512i s = _mm512_add_epi32(acc, _mm512_load_si512(rint));
        const __m512 scale = _mm512_mul_ps(_mm512_set1_ps(cf), _mm512_load_ps(rf));
        return _mm512_mul_ps(_mm512_cvtepi32_ps(s), scale);
    }
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_sub_epi32(acc, _mm512_set1_epi32(cint))),
                         _mm512_set1_ps(cf));
}

static inline __attribute__((always_inline)) void
tb_i8_vnni_micro(const int mode, const int np, const int nj, const tb_i8_vnni_tile *t)
{
    const int8_t *const b0 = t->b0, *const b1 = t->b1;
    const uint32_t *const xt = t->xt;
    const int64_t kn = t->kn, ldy = t->ldy;
    float *const y = t->y;
    const int first = t->first, last = t->last;
    const __mmask16 m0 = t->m0, m1 = t->m1;
    const char *const pf0 = t->pf0, *const pf1 = t->pf1;
    const int32_t *const rint = t->rint, *const cint = t->cint;
    const float *const rf = t->rf, *const cf = t->cf;
    __m512i acc0[TB_I8_VNNI_NJ], acc1[TB_I8_VNNI_NJ];
#pragma GCC unroll 12
    for (int j = 0; j < TB_I8_VNNI_NJ; j++) {
        if (j < nj) {
            acc0[j] = first ? _mm512_setzero_si512() : _mm512_maskz_loadu_epi32(m0, y + j * ldy);
            if (np > 1)
                acc1[j] = first ? _mm512_setzero_si512()
                                : _mm512_maskz_loadu_epi32(m1, y + j * ldy + 16);
        }
    }
    for (int64_t q = 0; q < kn; q++) {
        const __m512i w0 = _mm512_load_si512(b0 + q * 64);
        const __m512i w1 = np > 1 ? _mm512_load_si512(b1 + q * 64) : w0;
        const uint32_t *xq = xt + q * TB_I8_VNNI_NJ;
        _mm_prefetch(pf0 + q * 64, _MM_HINT_T1);
        _mm_prefetch(pf1 + q * 64, _MM_HINT_T1);
#pragma GCC unroll 12
        for (int j = 0; j < TB_I8_VNNI_NJ; j++) {
            if (j < nj) {
                const __m512i xv = _mm512_set1_epi32((int)xq[j]);
                if (mode == TB_I8_VNNI_INT8) {
                    acc0[j] = _mm512_dpbusd_epi32(acc0[j], xv, w0);
                    if (np > 1)
                        acc1[j] = _mm512_dpbusd_epi32(acc1[j], xv, w1);
                } else {
                    acc0[j] = _mm512_dpbusd_epi32(acc0[j], w0, xv);
                    if (np > 1)
                        acc1[j] = _mm512_dpbusd_epi32(acc1[j], w1, xv);
                }
            }
        }
    }
#pragma GCC unroll 12
    for (int j = 0; j < TB_I8_VNNI_NJ; j++) {
        if (j < nj) {
            const int32_t ci = mode == TB_I8_VNNI_CODES ? cint[j] : 0;
            if (last) {
                _mm512_mask_storeu_ps(y + j * ldy, m0,
                                      tb_i8_vnni_epilogue(mode, acc0[j], rint, rf, ci, cf[j]));
                if (np > 1)
                    _mm512_mask_storeu_ps(
                        y + j * ldy + 16, m1,
                        tb_i8_vnni_epilogue(mode, acc1[j], rint + 16, rf + 16, ci, cf[j]));
            } else {
                _mm512_mask_storeu_epi32(y + j * ldy, m0, acc0[j]);
                if (np > 1)
                    _mm512_mask_storeu_epi32(y + j * ldy + 16, m1, acc1[j]);
            }
        }
    }
}

typedef void (*tb_i8_vnni_micro_fn)(const tb_i8_vnni_tile *t);

#define TB_I8_VNNI_MICRO_(P, MODE, NP, NJV)                                                   \
    static void P##_##NP##_##NJV(const tb_i8_vnni_tile *t)                                   \
    {                                                                                         \
        tb_i8_vnni_micro(MODE, NP, NJV, t);                                                   \
    }
#define TB_I8_VNNI_MICRO_NP_(P, MODE, NP)                                                     \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 1) TB_I8_VNNI_MICRO_(P, MODE, NP, 2)                       \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 3) TB_I8_VNNI_MICRO_(P, MODE, NP, 4)                       \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 5) TB_I8_VNNI_MICRO_(P, MODE, NP, 6)                       \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 7) TB_I8_VNNI_MICRO_(P, MODE, NP, 8)                       \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 9) TB_I8_VNNI_MICRO_(P, MODE, NP, 10)                      \
    TB_I8_VNNI_MICRO_(P, MODE, NP, 11) TB_I8_VNNI_MICRO_(P, MODE, NP, 12)
#define TB_I8_VNNI_ROW_(P, NP)                                                                \
    {P##_##NP##_1, P##_##NP##_2, P##_##NP##_3, P##_##NP##_4, P##_##NP##_5, P##_##NP##_6,      \
     P##_##NP##_7, P##_##NP##_8, P##_##NP##_9, P##_##NP##_10, P##_##NP##_11, P##_##NP##_12}
#define TB_I8_VNNI_MICROS(P, MODE)                                                            \
    TB_I8_VNNI_MICRO_NP_(P, MODE, 1)                                                          \
    TB_I8_VNNI_MICRO_NP_(P, MODE, 2)                                                          \
    static const tb_i8_vnni_micro_fn P##_tab[2][TB_I8_VNNI_NJ] = {TB_I8_VNNI_ROW_(P, 1),      \
                                                                  TB_I8_VNNI_ROW_(P, 2)};

#endif
