/* tq1-avx512vnni.c - tq1 kernels for AVX-512 VNNI (tq1_avx512vnni).
 * GEMV without digit extraction: with t_0 = the stored byte and
 * t_{i+1} = 3 t_i mod 256 (two byte adds), 3 t_i = 256 d_i + t_{i+1}, so
 *   sum_j d_i[j] x_i[j] = (3 sum t_i x_i - sum t_{i+1} x_i) / 256
 * and two vpdpbusd per 64 weights (unsigned t x signed activations) replace
 * decoding; the division is an exact shift per lane at the end of the row.
 * GEMM: packed blocks transposed (16 x 16 int32), then digits by two unsigned
 * compares (t >= 86, t >= 171) straight into int8 panels, then the engine of
 * tern-gemm-avx512vnni.c (the int8 VNNI micro-kernel). */
#include "tern-x86.h"

static inline __attribute__((always_inline)) __m512i tq1_times3(__m512i t)
{
    return _mm512_add_epi8(_mm512_add_epi8(t, t), t);
}

static inline __attribute__((always_inline)) __m128i
tq1_dot_rows(const uint8_t *w, int64_t rb, int64_t pf, const int8_t *a, int64_t nblk,
             const int R)
{
    __m512i accA[4][2], accB[4][2];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 2
        for (int k = 0; k < 2; k++)
            accA[r][k] = accB[r][k] = _mm512_setzero_si512();
    for (int64_t b = 0; b < nblk; b++) {
        const int8_t *ab = a + b * TB_TQ1_BLOCK;
        __m512i x[5];
#pragma GCC unroll 5
        for (int i = 0; i < 5; i++)
            x[i] = _mm512_load_si512((const void *)(ab + 64 * i));
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            __m512i t = _mm512_load_si512((const void *)(w + r * rb + b * TB_TQ1_BLOCK_BYTES));
            _mm_prefetch((const char *)(w + r * rb + pf + b * TB_TQ1_BLOCK_BYTES), _MM_HINT_T0);
#pragma GCC unroll 5
            for (int i = 0; i < 5; i++) {
                accA[r][i & 1] = _mm512_dpbusd_epi32(accA[r][i & 1], t, x[i]);
                t = tq1_times3(t);
                accB[r][i & 1] = _mm512_dpbusd_epi32(accB[r][i & 1], t, x[i]);
            }
        }
    }
    __m512i s[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) {
        __m512i A = _mm512_add_epi32(accA[r][0], accA[r][1]);
        __m512i B = _mm512_add_epi32(accB[r][0], accB[r][1]);
        __m512i d = _mm512_sub_epi32(_mm512_add_epi32(_mm512_add_epi32(A, A), A), B);
        s[r] = _mm512_srai_epi32(d, 8);
    }
    return tb_tern_hsum4_avx512(s[0], s[1], s[2], s[3]);
}

static void tq1_gemv_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                                const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ1_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(4 * rb);
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        tb_tern_store4_avx512(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 4), asum[0],
                              fac[0], 4);
    switch (r1 - r) {
    case 3:
        tb_tern_store4_avx512(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 3), asum[0],
                              fac[0], 3);
        break;
    case 2:
        tb_tern_store4_avx512(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 2), asum[0],
                              fac[0], 2);
        break;
    case 1:
        tb_tern_store4_avx512(y + r, tq1_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 1), asum[0],
                              fac[0], 1);
        break;
    default:
        break;
    }
}

/* Panel decoder of the VNNI GEMM, transposing before decoding: dword d of a
 * row's 64-byte block holds the bytes of columns 64i + 4d .. +3, i.e. group
 * 16i + d, for digits i = 0..4.  So one 16 x 16 int32 transpose of 16 rows'
 * blocks, then per digit d = (3t) >> 8 = (t >= 86) + (t >= 171) (two
 * unsigned compares) and t = 3t mod 256, straight into the panels. */
static void tq1_panels_avx512(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                              int64_t klen, uint8_t *dst)
{
    const __m512i one = _mm512_set1_epi8(1), c86 = _mm512_set1_epi8(86);
    const __m512i c171 = _mm512_set1_epi8((char)171);
    const int64_t kn = klen / 4, rb = m->row_bytes;
    for (int64_t p = 0; p * 16 < nrows; p++) {
        const uint8_t *w = m->data + (row + p * 16) * rb + k0 / 5;
        for (int64_t b = 0; b < klen / TB_TQ1_BLOCK; b++) {
            __m512i r[16], o[16];
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++)
                r[i] = p * 16 + i < nrows
                           ? _mm512_load_si512((const void *)(w + i * rb +
                                                              b * TB_TQ1_BLOCK_BYTES))
                           : _mm512_setzero_si512();
            tb_tern_transpose16_avx512(r, o);
            uint8_t *d = dst + (p * kn + b * (TB_TQ1_BLOCK / 4)) * 64;
            for (int q = 0; q < 16; q++) {
                __m512i t = o[q];
#pragma GCC unroll 5
                for (int k = 0; k < 5; k++) {
                    __m512i v = _mm512_maskz_mov_epi8(_mm512_cmpge_epu8_mask(t, c86), one);
                    v = _mm512_mask_add_epi8(v, _mm512_cmpge_epu8_mask(t, c171), v, one);
                    _mm512_store_si512((void *)(d + (16 * k + q) * 64), v);
                    t = tq1_times3(t);
                }
            }
        }
    }
}

/* K block: 3 tq1 blocks (960 columns). */
#define TQ1_KC (3 * TB_TQ1_BLOCK)
_Static_assert(TQ1_KC <= TB_TERN_VNNI_KC && TQ1_KC % 4 == 0, "tq1: K block");

static void tq1_gemm_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                                const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    tb_tern_gemm_avx512vnni(m, tq1_panels_avx512, TQ1_KC, xq, asum, fac, n, y, r0, r1);
}

static float tq1_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx512(x, cols, kpad, q, sum);
}

static void tq1_run_avx512vnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                               void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq1_quant, tq1_gemv_avx512vnni, tq1_gemm_avx512vnni, 1, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq1_avx512vnni = {
    .name = "tq1_avx512vnni", .format = "tq1", .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq1_ref", .max_nmse = 0.0, .bits_per_weight = 1.6, .act = TB_ACT_I8,
    .prepare = tb_tq1_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes_tiled,
    .run = tq1_run_avx512vnni, .ops = tb_tq1_ops,
};
