/* tq2-avx512vnni.c - tq2 kernels for AVX-512 VNNI (tq2_avx512vnni).
 * GEMV: per 64-byte block, one load and four ANDs (0x03 << 2k) give the 256
 * codes scaled by 4^k; vpdpbusd (unsigned codes x signed activations) into
 * 4 accumulators per row (exact: each is 4^k times its true sum, shifted back
 * once per row), 4 rows at a time for 16 independent chains and activation
 * reuse, software prefetch of the next row group.  Result = sum codes*x -
 * sum x.  GEMM: packed blocks transposed (16 x 16 int32) then unpacked
 * straight into int8 panels, then the engine of tern-gemm-avx512vnni.c (the
 * int8 VNNI micro-kernel). */
#include "tern-x86.h"

static inline __attribute__((always_inline)) __m128i
tq2_dot_rows(const uint8_t *w, int64_t rb, int64_t pf, const int8_t *a, int64_t nblk,
             const int R)
{
    const __m512i m0 = _mm512_set1_epi8(0x03), m1 = _mm512_set1_epi8(0x0c);
    const __m512i m2 = _mm512_set1_epi8(0x30), m3 = _mm512_set1_epi8((char)0xc0);
    __m512i acc[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++)
            acc[r][k] = _mm512_setzero_si512();
    for (int64_t b = 0; b < nblk; b++) {
        const int8_t *ab = a + b * TB_TQ2_BLOCK;
        __m512i a0 = _mm512_load_si512((const void *)ab);
        __m512i a1 = _mm512_load_si512((const void *)(ab + 64));
        __m512i a2 = _mm512_load_si512((const void *)(ab + 128));
        __m512i a3 = _mm512_load_si512((const void *)(ab + 192));
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            __m512i v = _mm512_load_si512((const void *)(w + r * rb + b * TB_TQ2_BLOCK_BYTES));
            /* the next 4-row group, same offset: 4 streams one group ahead
             * (measured: 1.0x the streaming read vs 0.3-0.9x without). */
            _mm_prefetch((const char *)(w + r * rb + pf + b * TB_TQ2_BLOCK_BYTES), _MM_HINT_T0);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], _mm512_and_si512(v, m0), a0);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], _mm512_and_si512(v, m1), a1);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], _mm512_and_si512(v, m2), a2);
            acc[r][3] = _mm512_dpbusd_epi32(acc[r][3], _mm512_and_si512(v, m3), a3);
        }
    }
    __m512i s[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
        s[r] = _mm512_add_epi32(
            _mm512_add_epi32(acc[r][0], _mm512_srai_epi32(acc[r][1], 2)),
            _mm512_add_epi32(_mm512_srai_epi32(acc[r][2], 4), _mm512_srai_epi32(acc[r][3], 6)));
    return tb_tern_hsum4_avx512(s[0], s[1], s[2], s[3]);
}

static void tq2_gemv_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                                const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ2_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(4 * rb);
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        tb_tern_store4_avx512(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 4), asum[0],
                              fac[0], 4);
    switch (r1 - r) {
    case 3:
        tb_tern_store4_avx512(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 3), asum[0],
                              fac[0], 3);
        break;
    case 2:
        tb_tern_store4_avx512(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 2), asum[0],
                              fac[0], 2);
        break;
    case 1:
        tb_tern_store4_avx512(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 1), asum[0],
                              fac[0], 1);
        break;
    default:
        break;
    }
}

/* Panel decoder of the VNNI GEMM, transposing before unpacking: dword d of a
 * row's 64-byte block holds, in bits 2k of its 4 bytes, the codes of columns
 * 64k + 4d .. +3, i.e. group 16k + d, for k = 0..3.  So one 16 x 16 int32
 * transpose of 16 rows' blocks, then a shift and an AND per output group. */
static void tq2_panels_avx512(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                              int64_t klen, uint8_t *dst)
{
    const __m512i m3 = _mm512_set1_epi8(3);
    const int64_t kn = klen / 4, rb = m->row_bytes;
    for (int64_t p = 0; p * 16 < nrows; p++) {
        const uint8_t *w = m->data + (row + p * 16) * rb + k0 / 4;
        for (int64_t b = 0; b < klen / TB_TQ2_BLOCK; b++) {
            __m512i r[16], o[16];
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++)
                r[i] = p * 16 + i < nrows
                           ? _mm512_load_si512((const void *)(w + i * rb +
                                                              b * TB_TQ2_BLOCK_BYTES))
                           : _mm512_setzero_si512();
            tb_tern_transpose16_avx512(r, o);
            uint8_t *d = dst + (p * kn + b * (TB_TQ2_BLOCK / 4)) * 64;
#pragma GCC unroll 16
            for (int q = 0; q < 16; q++) {
                _mm512_store_si512((void *)(d + q * 64), _mm512_and_si512(o[q], m3));
                _mm512_store_si512((void *)(d + (16 + q) * 64),
                                   _mm512_and_si512(_mm512_srli_epi16(o[q], 2), m3));
                _mm512_store_si512((void *)(d + (32 + q) * 64),
                                   _mm512_and_si512(_mm512_srli_epi16(o[q], 4), m3));
                _mm512_store_si512((void *)(d + (48 + q) * 64),
                                   _mm512_and_si512(_mm512_srli_epi16(o[q], 6), m3));
            }
        }
    }
}

static void tq2_gemm_avx512vnni(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                                const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    _Static_assert(TB_TERN_VNNI_KC % TB_TQ2_BLOCK == 0, "tq2: whole blocks per K block");
    tb_tern_gemm_avx512vnni(m, tq2_panels_avx512, TB_TERN_VNNI_KC, xq, asum, fac, n, y, r0, r1);
}

static float tq2_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx512(x, cols, kpad, q, sum);
}

static void tq2_run_avx512vnni(const tb_kmat *m, const float *x, int64_t n, float *y,
                               void *scratch, tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq2_quant, tq2_gemv_avx512vnni, tq2_gemm_avx512vnni, 1, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq2_avx512vnni = {
    .name = "tq2_avx512vnni", .format = "tq2", .isa = TB_ISA_FILE,
    .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes_tiled,
    .run = tq2_run_avx512vnni, .ops = tb_tq2_ops,
};
