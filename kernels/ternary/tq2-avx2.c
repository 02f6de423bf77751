/* tq2-avx2.c - tq2 kernels for AVX2 (tq2_avx2).  GEMV: each 32-byte half of
 * a block gives 4 x 32 codes by shift + AND, vpmaddubsw against the matching
 * activations (|pair| <= 508), int16 sums per block (<= 4064) widened by
 * vpmaddwd; two rows at a time share the activation loads.  GEMM: decode to
 * codes, then the blocked engine of tern-gemm-avx2.c. */
#include "tern-x86.h"

static inline __attribute__((always_inline)) void
tq2_dot_rows(const uint8_t *w, int64_t rb, const int8_t *a, int64_t nblk, int32_t out[2],
             const int R)
{
    const __m256i m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
    __m256i acc[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
    for (int64_t b = 0; b < nblk; b++) {
        __m256i s[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++) {
            const int8_t *ab = a + b * TB_TQ2_BLOCK + 32 * h;
            __m256i x0 = _mm256_load_si256((const __m256i *)(const void *)ab);
            __m256i x1 = _mm256_load_si256((const __m256i *)(const void *)(ab + 64));
            __m256i x2 = _mm256_load_si256((const __m256i *)(const void *)(ab + 128));
            __m256i x3 = _mm256_load_si256((const __m256i *)(const void *)(ab + 192));
#pragma GCC unroll 2
            for (int r = 0; r < R; r++) {
                __m256i v = _mm256_load_si256(
                    (const __m256i *)(const void *)(w + r * rb + b * TB_TQ2_BLOCK_BYTES + 32 * h));
                __m256i p = _mm256_maddubs_epi16(_mm256_and_si256(v, m3), x0);
                p = _mm256_add_epi16(
                    p, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 2), m3), x1));
                p = _mm256_add_epi16(
                    p, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m3), x2));
                p = _mm256_add_epi16(
                    p, _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 6), m3), x3));
                s[r] = _mm256_add_epi16(s[r], p);
            }
        }
#pragma GCC unroll 2
        for (int r = 0; r < R; r++)
            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(s[r], ones));
    }
    for (int r = 0; r < R; r++)
        out[r] = tb_tern_hsum_avx2(acc[r]);
}

static void tq2_gemv_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                          const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ2_BLOCK_BYTES;
    int32_t v[2];
    int64_t r = r0;
    for (; r + 2 <= r1; r += 2) {
        tq2_dot_rows(m->data + r * rb, rb, xq, nblk, v, 2);
        y[r] = (float)(v[0] - asum[0]) * fac[0];
        y[r + 1] = (float)(v[1] - asum[0]) * fac[0];
    }
    if (r < r1) {
        tq2_dot_rows(m->data + r * rb, rb, xq, nblk, v, 1);
        y[r] = (float)(v[0] - asum[0]) * fac[0];
    }
}

void tb_tq2_decode_avx2(const tb_kmat *m, int64_t row, int64_t nrows, int64_t k0,
                            int64_t klen, uint8_t *dst, int64_t dstride)
{
    const __m256i m3 = _mm256_set1_epi8(3);
    for (int64_t i = 0; i < nrows; i++) {
        const uint8_t *w = m->data + (row + i) * m->row_bytes + k0 / 4;
        uint8_t *d = dst + i * dstride;
        for (int64_t b = 0; b < klen / TB_TQ2_BLOCK; b++)
            for (int h = 0; h < 2; h++) {
                __m256i v = _mm256_load_si256(
                    (const __m256i *)(const void *)(w + b * TB_TQ2_BLOCK_BYTES + 32 * h));
                uint8_t *o = d + b * TB_TQ2_BLOCK + 32 * h;
                for (int k = 0; k < 4; k++)
                    _mm256_store_si256((__m256i *)(void *)(o + 64 * k),
                                       _mm256_and_si256(_mm256_srli_epi16(v, 2 * k), m3));
            }
    }
}

static void tq2_gemm_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                          const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    tb_tern_gemm_avx2(m, tb_tq2_decode_avx2, TB_TERN_KC_MAX, xq, asum, fac, n, y, r0, r1);
}

static float tq2_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static void tq2_run_avx2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                         tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq2_quant, tq2_gemv_avx2, tq2_gemm_avx2, 0};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq2_avx2 = {
    .name = "tq2_avx2", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq2_run_avx2, .ops = tb_tq2_ops,
};
