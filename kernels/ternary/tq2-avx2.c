/* tq2-avx2.c - tq2 kernels for AVX2 (tq2_avx2).  GEMV: each 32-byte half of
 * a block gives 4 x 32 codes by shift + AND, vpmaddubsw against the matching
 * activations (|pair| <= 508), int16 sums per block (<= 4064) widened by
 * vpmaddwd; two rows at a time share the activation loads.  GEMM: decode to
 * codes, then the blocked engine of tern-gemm-avx2.c. */
#include "tern-x86.h"

/* (sum of a, b, c, d) of four int32 vectors: one reduction per 4 rows. */
static inline __attribute__((always_inline)) __m128i tq2_hsum4(__m256i a, __m256i b, __m256i c,
                                                               __m256i d)
{
    __m256i v = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
    return _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
}

/* sum codes * xq of R <= 4 consecutive rows (lane r of the result; lanes >= R
 * unspecified).  One shift per 32 bytes: with u = v >> 4 (16-bit lanes),
 * v & 3 and u & 3 are the codes of groups 0 and 2, v & 12 and u & 12 four
 * times those of groups 1 and 3, so vpmaddubsw against the matching
 * activations (memory operands: they stay in L1) gives two int16 sums, one
 * at scale 1 (|pair| <= 508) and one at scale 4 (<= 2032), and no shift per
 * group.  The sums run over TQ2_WIDEN blocks (scale 4: 4 x 2 x 4064 <
 * 32768), widened by vpmaddwd against (4) and (1): the row's int32 sum is 4x
 * the dot product, shifted back once.  Per 32 bytes and row: 1 shift, 4 ANDs,
 * 4 vpmaddubsw, 4 adds (the form with a shift per group: 3 + 4 + 4 + 4, and a
 * widening per block).  Rows are taken one at a time within a run of
 * TQ2_WIDEN blocks, so only two sums are live.  Each 64-byte load of a row is
 * paired with a prefetch of the same block of a later row group
 * (tb_tern_pf_dist): the thread's rows are one contiguous stream. */
#define TQ2_WIDEN 4
static inline __attribute__((always_inline)) __m128i
tq2_dot_rows(const uint8_t *w, int64_t rb, int64_t pf, const int8_t *a, int64_t nblk, const int R)
{
    const __m256i m3 = _mm256_set1_epi8(3), m12 = _mm256_set1_epi8(12);
    const __m256i ones = _mm256_set1_epi16(1), fours = _mm256_set1_epi16(4);
    __m256i acc[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++)
        acc[r] = _mm256_setzero_si256();
    for (int64_t b0 = 0; b0 < nblk; b0 += TQ2_WIDEN) {
        const int64_t be = nblk - b0 < TQ2_WIDEN ? nblk : b0 + TQ2_WIDEN;
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
            __m256i s1 = _mm256_setzero_si256(), s4 = _mm256_setzero_si256();
            for (int64_t b = b0; b < be; b++) {
                const int8_t *ab = a + b * TB_TQ2_BLOCK;
                const uint8_t *wb = w + r * rb + b * TB_TQ2_BLOCK_BYTES;
                _mm_prefetch((const char *)(wb + pf), _MM_HINT_T0);
#pragma GCC unroll 2
                for (int h = 0; h < 2; h++) {
                    const __m256i *x = (const __m256i *)(const void *)(ab + 32 * h);
                    __m256i v = _mm256_load_si256((const __m256i *)(const void *)(wb + 32 * h));
                    __m256i u = _mm256_srli_epi16(v, 4);
                    s1 = _mm256_add_epi16(
                        s1, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, m3), x[0]),
                                             _mm256_maddubs_epi16(_mm256_and_si256(u, m3), x[4])));
                    s4 = _mm256_add_epi16(
                        s4, _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, m12), x[2]),
                                             _mm256_maddubs_epi16(_mm256_and_si256(u, m12), x[6])));
                }
            }
            acc[r] = _mm256_add_epi32(acc[r], _mm256_add_epi32(_mm256_madd_epi16(s1, fours),
                                                               _mm256_madd_epi16(s4, ones)));
        }
    }
    return _mm_srai_epi32(tq2_hsum4(acc[0], acc[1], acc[2], acc[3]), 2);
}

/* y[i] = (float)(v[i] - asum) * fac for the first nr lanes. */
static inline void tq2_store4(float *y, __m128i v, int32_t asum, float fac, int nr)
{
    __m128 f = _mm_mul_ps(_mm_cvtepi32_ps(_mm_sub_epi32(v, _mm_set1_epi32(asum))),
                          _mm_set1_ps(fac));
    if (nr == 4) {
        _mm_storeu_ps(y, f);
        return;
    }
    float t[4];
    _mm_storeu_ps(t, f);
    for (int i = 0; i < nr; i++)
        y[i] = t[i];
}

static void tq2_gemv_avx2(const tb_kmat *m, const int8_t *xq, const int32_t *asum,
                          const float *fac, int64_t n, float *y, int64_t r0, int64_t r1)
{
    const int64_t rb = m->row_bytes, nblk = rb / TB_TQ2_BLOCK_BYTES;
    const int64_t pf = tb_tern_pf_dist(4 * rb);
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4)
        tq2_store4(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 4), asum[0], fac[0], 4);
    switch (r1 - r) {
    case 3:
        tq2_store4(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 3), asum[0], fac[0], 3);
        break;
    case 2:
        tq2_store4(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 2), asum[0], fac[0], 2);
        break;
    case 1:
        tq2_store4(y + r, tq2_dot_rows(m->data + r * rb, rb, pf, xq, nblk, 1), asum[0], fac[0], 1);
        break;
    default:
        break;
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
    tb_tern_gemm_avx2(m, tb_tq2_decode_avx2, TB_TERN_YMM_KC, xq, asum, fac, n, y, r0, r1);
}

static float tq2_quant(const float *x, int64_t cols, int64_t kpad, int8_t *q, int32_t *sum)
{
    return tb_tern_quant_act_avx2(x, cols, kpad, q, sum);
}

static void tq2_run_avx2(const tb_kmat *m, const float *x, int64_t n, float *y, void *scratch,
                         tb_pool *pool, int nthreads)
{
    static const tb_tern_impl impl = {tq2_quant, tq2_gemv_avx2, tq2_gemm_avx2, 0, NULL};
    tb_tern_run(&impl, m, x, n, y, scratch, pool, nthreads);
}

const tb_kernel tb_k_tq2_avx2 = {
    .name = "tq2_avx2", .format = "tq2", .isa = TB_ISA_FILE, .isa_mask = TB_ISA_FILE_REQ,
    .ref = "tq2_ref", .max_nmse = 0.0, .bits_per_weight = 2.0, .act = TB_ACT_I8,
    .prepare = tb_tq2_prepare, .free = tb_tern_free, .clone = tb_tern_clone, .bytes = tb_tern_bytes, .scratch_bytes = tb_tern_scratch_bytes,
    .run = tq2_run_avx2, .ops = tb_tq2_ops,
};
